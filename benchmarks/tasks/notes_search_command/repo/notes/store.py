"""The notes, numbered from 1 in the order they were added."""


class NoteStore:
    def __init__(self) -> None:
        self._notes: list[str] = []

    def add(self, text: str) -> int:
        self._notes.append(text)
        return len(self._notes)

    def all(self) -> list[tuple[int, str]]:
        return list(enumerate(self._notes, start=1))
