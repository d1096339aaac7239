"""The invoice for a timesheet: each project's time billed at the hourly rate."""

from timesheet.settings import Settings


def invoice_lines(entries: list[tuple[str, int]], settings: Settings) -> list[str]:
    """`entries`: (project, minutes) pairs. One line per project, in first-seen order, then the total."""
    minutes: dict[str, int] = {}
    for project, spent in entries:
        minutes[project] = minutes.get(project, 0) + spent
    lines, total = [], 0.0
    for project, spent in minutes.items():
        amount = spent / 60 * settings.hourly_rate
        total += amount
        lines.append(f"{project}: {spent / 60:.2f} h  {amount:.2f} {settings.currency}")
    return [*lines, f"total: {total:.2f} {settings.currency}"]
