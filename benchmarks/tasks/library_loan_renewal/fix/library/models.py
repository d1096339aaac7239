"""What the library keeps about a book that is lent out."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Loan:
    isbn: str
    member: str
    due: date
    renewals: int = 0
