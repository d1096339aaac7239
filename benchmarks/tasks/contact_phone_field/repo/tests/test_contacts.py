from contacts.model import Contact
from contacts.validate import problems
from contacts.vcard import from_vcard, to_vcard


def test_vcard_round_trip():
    ada = Contact("Ada Lovelace", "ada@example.com")
    assert to_vcard(ada) == "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nEND:VCARD\r\n"
    assert from_vcard(to_vcard(ada)) == ada


def test_import_ignores_parameters():
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Alan Turing\nEMAIL;TYPE=work:alan@example.org\nEND:VCARD\n"
    assert from_vcard(card).email == "alan@example.org"


def test_problems():
    assert problems(Contact("Ada", "ada@example.com")) == []
    assert problems(Contact(" ", "nope")) == ["name is empty", "invalid email: nope"]
