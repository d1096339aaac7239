"""Checking a contact before it is saved."""

import re

from contacts.model import Contact

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]*$")


def problems(contact: Contact) -> list[str]:
    """What is wrong with the contact; empty when it can be saved."""
    found = []
    if not contact.name.strip():
        found.append("name is empty")
    if not _EMAIL.match(contact.email):
        found.append(f"invalid email: {contact.email}")
    digits = sum(c.isdigit() for c in contact.phone)
    if contact.phone and (not _PHONE.match(contact.phone) or digits < 7):
        found.append(f"invalid phone: {contact.phone}")
    return found
