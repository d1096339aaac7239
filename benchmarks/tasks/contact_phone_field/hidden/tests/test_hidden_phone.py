from contacts.model import Contact
from contacts.validate import problems
from contacts.vcard import from_vcard, to_vcard


def test_phone_is_optional():
    assert Contact("Ada", "ada@example.com").phone == ""


def test_export_writes_tel_line_only_with_a_phone():
    ada = Contact("Ada", "ada@example.com", phone="+44 20 7946 0958")
    assert to_vcard(ada) == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEMAIL:ada@example.com\r\nTEL:+44 20 7946 0958\r\nEND:VCARD\r\n"
    )
    assert "TEL" not in to_vcard(Contact("Ada", "ada@example.com", phone=""))


def test_import_reads_the_phone():
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Alan\nEMAIL:alan@example.org\nTEL;TYPE=cell:+1 555-010-4477\nEND:VCARD\n"
    assert from_vcard(card) == Contact("Alan", "alan@example.org", phone="+1 555-010-4477")


def test_round_trip_keeps_the_phone():
    ada = Contact("Ada", "ada@example.com", phone="020 7946 0958")
    assert from_vcard(to_vcard(ada)) == ada


def test_bad_phone_numbers_are_reported():
    assert problems(Contact("Ada", "ada@example.com", phone="call me")) == ["invalid phone: call me"]
    assert problems(Contact("Ada", "ada@example.com", phone="12-34")) == ["invalid phone: 12-34"]


def test_good_phone_numbers_pass():
    for phone in ["", "+44 20 7946 0958", "555-0104477", "0207946095"]:
        assert problems(Contact("Ada", "ada@example.com", phone=phone)) == []
