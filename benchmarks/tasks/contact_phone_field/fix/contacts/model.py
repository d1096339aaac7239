"""The address book's contact record."""

from dataclasses import dataclass


@dataclass
class Contact:
    name: str
    email: str
    phone: str = ""
