from directory.contacts import email_of, mailing_list


def test_no_profile_at_all():
    assert email_of({}) is None


def test_mailing_list_skips_users_without_email():
    users = [{"profile": {"email": "B@x.org"}}, {"profile": {}}, {"profile": {"email": "a@x.org"}}]
    assert mailing_list(users) == ["a@x.org", "b@x.org"]
