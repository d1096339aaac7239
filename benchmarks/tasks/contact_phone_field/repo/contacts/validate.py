"""Checking a contact before it is saved."""

import re

from contacts.model import Contact

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def problems(contact: Contact) -> list[str]:
    """What is wrong with the contact; empty when it can be saved."""
    found = []
    if not contact.name.strip():
        found.append("name is empty")
    if not _EMAIL.match(contact.email):
        found.append(f"invalid email: {contact.email}")
    return found
