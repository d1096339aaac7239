from directory.contacts import email_of


def test_email_is_lowercased():
    assert email_of({"profile": {"email": "Ada@Example.COM"}}) == "ada@example.com"


def test_missing_email_gives_none():
    assert email_of({"profile": {"email": None}}) is None
