"""Rows as a Markdown table, every column padded to its widest cell."""

_PAD = {"": str.ljust, "l": str.ljust, "r": str.rjust, "c": str.center}


def _rule(width: int, align: str) -> str:
    if align == "l":
        return ":" + "-" * (width - 1)
    if align == "r":
        return "-" * (width - 1) + ":"
    if align == "c":
        return ":" + "-" * (width - 2) + ":"
    return "-" * width


def render_table(header: list[str], rows: list[list[str]], align: list[str] = ()) -> str:
    """`align`: "l", "r" or "c" for the first columns; the columns after them are left as they are."""
    widths = [max(3, *(len(row[i]) for row in [header, *rows])) for i in range(len(header))]
    aligns = [*align, *[""] * len(header)][: len(header)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(_PAD[a](cell, width) for cell, width, a in zip(cells, widths, aligns)) + " |"

    rule = "| " + " | ".join(_rule(width, a) for width, a in zip(widths, aligns)) + " |"
    return "\n".join([line(header), rule, *(line(row) for row in rows)]) + "\n"
