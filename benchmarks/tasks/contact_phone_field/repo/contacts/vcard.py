"""Contacts as vCard 3.0 text, for exporting to and importing from phones and mail clients."""

from contacts.model import Contact


def to_vcard(contact: Contact) -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{contact.name}", f"EMAIL:{contact.email}", "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"


def from_vcard(text: str) -> Contact:
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.split(";")[0].upper()] = value.strip()
    return Contact(name=fields.get("FN", ""), email=fields.get("EMAIL", ""))
