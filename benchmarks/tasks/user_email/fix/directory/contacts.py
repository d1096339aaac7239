"""Reading contact details out of user records from the directory service."""


def email_of(user: dict) -> str | None:
    """The user's e-mail address in lower case, or None when they have none."""
    profile = user.get("profile", {})
    email = profile.get("email")
    return email.lower() if email else None


def mailing_list(users: list[dict]) -> list[str]:
    return sorted({e for e in map(email_of, users) if e})
