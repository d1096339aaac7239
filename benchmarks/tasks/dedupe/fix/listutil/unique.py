"""De-duplicating lists of tags."""


def dedupe(items: list) -> list:
    """Each item once, in the order it first appeared."""
    return list(dict.fromkeys(items))


def normalise_tags(tags: list[str]) -> list[str]:
    return dedupe([t.strip().lower() for t in tags if t.strip()])
