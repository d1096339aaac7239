"""The lending rules."""

from datetime import date, timedelta

from library.models import Loan

LOAN_DAYS = 21
DAILY_FINE_CENTS = 20
MAX_RENEWALS = 2


def due_date(day: date) -> date:
    """When a book lent out (or renewed) on `day` is due back."""
    return day + timedelta(days=LOAN_DAYS)


def fine_cents(loan: Loan, returned: date) -> int:
    return max(0, (returned - loan.due).days) * DAILY_FINE_CENTS


def renewal_refused(loan: Loan, today: date) -> str | None:
    """Why the loan cannot be renewed `today`, or None."""
    if today > loan.due:
        return f"{loan.isbn} is overdue: it has to be returned"
    if loan.renewals >= MAX_RENEWALS:
        return f"{loan.isbn} has been renewed {MAX_RENEWALS} times already"
    return None
