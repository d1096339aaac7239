from notes.cli import run
from notes.store import NoteStore


def test_add_and_list():
    store = NoteStore()
    assert run(["add", "Buy", "milk"], store) == ["added #1"]
    assert run(["add", "Call the plumber"], store) == ["added #2"]
    assert run(["list"], store) == ["1. Buy milk", "2. Call the plumber"]


def test_empty_list_and_unknown_command():
    store = NoteStore()
    assert run(["list"], store) == ["no notes yet"]
    assert run(["frobnicate"], store) == ["unknown command: frobnicate (try help)"]


def test_help():
    assert run(["help"], NoteStore())[:2] == ["add     add a note", "list    show every note"]
