"""The notes, numbered from 1 in the order they were added."""


class NoteStore:
    def __init__(self) -> None:
        self._notes: list[str] = []

    def add(self, text: str) -> int:
        self._notes.append(text)
        return len(self._notes)

    def all(self) -> list[tuple[int, str]]:
        return list(enumerate(self._notes, start=1))

    def search(self, words: list[str]) -> list[tuple[int, str]]:
        """The notes containing every one of `words`, ignoring case."""
        wanted = [w.lower() for w in words]
        return [(n, text) for n, text in self.all() if all(w in text.lower() for w in wanted)]
