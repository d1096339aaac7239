"""The commands: each gets the store and its arguments and returns the lines to print."""

from notes.store import NoteStore


def numbered(notes: list[tuple[int, str]]) -> list[str]:
    return [f"{number}. {text}" for number, text in notes]


def cmd_add(store: NoteStore, args: list[str]) -> list[str]:
    if not args:
        return ["usage: add TEXT"]
    return [f"added #{store.add(' '.join(args))}"]


def cmd_list(store: NoteStore, args: list[str]) -> list[str]:
    return numbered(store.all()) or ["no notes yet"]
