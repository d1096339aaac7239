"""The circulation desk: lending books out and taking them back."""

from datetime import date

from library.models import Loan
from library.policy import due_date, fine_cents


class Desk:
    def __init__(self) -> None:
        self.loans: dict[str, Loan] = {}
        """The books lent out, by ISBN."""

    def lend(self, isbn: str, member: str, today: date) -> Loan:
        if isbn in self.loans:
            raise ValueError(f"{isbn} is already lent out")
        loan = self.loans[isbn] = Loan(isbn, member, due_date(today))
        return loan

    def give_back(self, isbn: str, today: date) -> int:
        """The book is back; the fine owed for it, in cents."""
        return fine_cents(self.loans.pop(isbn), today)
