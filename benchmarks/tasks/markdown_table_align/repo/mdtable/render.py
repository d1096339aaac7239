"""Rows as a Markdown table, every column padded to its widest cell."""


def render_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(3, *(len(row[i]) for row in [header, *rows])) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"

    rule = "| " + " | ".join("-" * width for width in widths) + " |"
    return "\n".join([line(header), rule, *(line(row) for row in rows)]) + "\n"
