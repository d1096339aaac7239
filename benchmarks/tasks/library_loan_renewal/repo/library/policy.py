"""The lending rules."""

from datetime import date, timedelta

from library.models import Loan

LOAN_DAYS = 21
DAILY_FINE_CENTS = 20


def due_date(day: date) -> date:
    """When a book lent out on `day` is due back."""
    return day + timedelta(days=LOAN_DAYS)


def fine_cents(loan: Loan, returned: date) -> int:
    return max(0, (returned - loan.due).days) * DAILY_FINE_CENTS
