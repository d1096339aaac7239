"""`notes COMMAND [ARGS...]`."""

from notes import commands
from notes.store import NoteStore

COMMANDS = {
    "add": (commands.cmd_add, "add a note"),
    "list": (commands.cmd_list, "show every note"),
    "search": (commands.cmd_search, "show the notes containing every word given"),
}


def run(argv: list[str], store: NoteStore) -> list[str]:
    if not argv or argv[0] == "help":
        return [f"{name:<8}{summary}" for name, (_, summary) in COMMANDS.items()]
    name, args = argv[0], argv[1:]
    if name not in COMMANDS:
        return [f"unknown command: {name} (try help)"]
    handler, _ = COMMANDS[name]
    return handler(store, args)
