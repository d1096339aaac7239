from notes.cli import run
from notes.store import NoteStore


def filled() -> NoteStore:
    store = NoteStore()
    for text in ["Buy milk", "Call the plumber", "Oat MILK for Sam", "Sam's birthday on Friday"]:
        store.add(text)
    return store


def test_search_ignores_case_and_keeps_numbers():
    assert run(["search", "milk"], filled()) == ["1. Buy milk", "3. Oat MILK for Sam"]


def test_search_needs_every_word():
    assert run(["search", "sam", "Milk"], filled()) == ["3. Oat MILK for Sam"]


def test_search_without_a_match():
    assert run(["search", "tea", "cakes"], filled()) == ["no notes match 'tea cakes'"]


def test_search_without_words():
    assert run(["search"], filled()) == ["usage: search WORD..."]


def test_help_lists_search():
    lines = run(["help"], NoteStore())
    assert lines[:2] == ["add     add a note", "list    show every note"]
    assert len(lines) == 3 and lines[2].startswith("search  ")
