"""The arcade's high-score table."""


def top_scores(scores: dict[str, int], n: int = 3) -> list[tuple[str, int]]:
    """The n best players, highest score first; ties by name."""
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
