"""A model's code block merged into a Python file by definition name.

Small models often answer with only the function they changed. Read by name, such a block replaces those
definitions where they stand and keeps everything it leaves out byte for byte: the module docstring, comments,
imports, the other definitions. Pure: text in, text out; the result always parses, or there is none."""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from tools.pysource import (
    DEF,
    FUNCTION,
    Def,
    bound_names,
    by_key,
    compiles,
    definition_key,
    definition_name,
    elided,
    free_names,
    indentation,
    is_main_guard,
    is_method,
    line_span,
    only_class_with,
    parse,
    reindented,
    stands_alone,
    statement_keys,
    trimmed_import,
)


@dataclass(frozen=True)
class Merged:
    text: str
    """The whole new file."""
    replaced: list[str]
    """Qualified names of the definitions replaced in place: `f`, `Cls.method`, `LIMIT`."""
    added: list[str]
    """Qualified names of the definitions new to the file: at the end of the module, or of their class."""


def merge_definitions(original: str, block: str) -> Merged | None:
    """`original` with the block's definitions in place of its own of the same names, new ones added, and the
    imports and constants they use added where the file lacks them. Other statements of the block (examples,
    `print`s, a `__main__` guard) are not read. A definition whose body is only `...` or `pass` stands for one the
    model left out. None when either text does not parse, or the block changes nothing."""
    file, given = parse(original, dedent=False), parse(block, dedent=True)
    if file is None or given is None:
        return None
    merge = _Merge(*file)
    for node in given[1].body:
        merge.take(node, given[0])
    merge.take_support(given[1].body, given[0])
    text = merge.text()
    if text == original or not compiles(text):
        return None
    return Merged(text, list(dict.fromkeys(merge.replaced)), list(dict.fromkeys(merge.added)))


def defined_names(source: str) -> set[str]:
    """The top-level functions and classes of `source` and its classes' methods (`Cls.method`); empty when it
    does not parse."""
    parsed = parse(source, dedent=False)
    if parsed is None:
        return set()
    names = set()
    for node in parsed[1].body:
        if isinstance(node, DEF):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{m.name}" for m in node.body if isinstance(m, DEF)}
    return names


def looks_like_fragment(original: str, block: str) -> bool:
    """Whether a block that could be the whole file is meant as part of it, to be merged: it parses, names one
    of the file's definitions and leaves out some top-level statement the file has (an import, the docstring, a
    definition, a trailing statement). False for a whole file (every top-level statement has its counterpart),
    for text that does not parse and for code naming nothing the file defines (a new file, or a rewrite):
    the caller's whole-file rules judge those."""
    file, given = parse(original, dedent=False), parse(block, dedent=True)
    if file is None or given is None:
        return False
    names = {definition_key(n) for n in given[1].body} - {None}
    methods = {
        definition_key(m) for c in file[1].body if isinstance(c, ast.ClassDef) for m in c.body if isinstance(m, DEF)
    }
    if not names & ({definition_key(n) for n in file[1].body} | methods):
        return False
    return not looks_like_whole_file(original, block)


def looks_like_whole_file(original: str, block: str) -> bool:
    """Whether the block, parsed, has a counterpart for every top-level statement of the file: the whole file
    restated, however much of it changed."""
    file, given = parse(original, dedent=False), parse(block, dedent=True)
    return file is not None and given is not None and statement_keys(file[1]) <= statement_keys(given[1])


def parts_by_file(block: str, files: Mapping[str, str], label: str | None = None) -> dict[str, str]:
    """The block split by where its definitions live among `files` (path: Python source): each top-level
    statement goes to the file defining its name (as a top-level name, else as the method of exactly one class);
    a name several files define goes to `label` (the file the reply names) if it is one of them. New definitions
    go to `label`, else to the file most of the block's definitions live in; imports go to every part."""
    given = parse(block, dedent=True)
    trees = {p: t for p, s in files.items() if (t := parse(s, dedent=False)) is not None}
    if given is None:
        return {}
    lines, tree = given
    homes = {id(node): _home(node, trees, label) for node in tree.body}
    counts = Counter(h for h in homes.values() if h is not None)
    main = label if label in trees else (counts.most_common(1)[0][0] if counts else None)
    if main is None:
        return {}
    parts: dict[str, list[str]] = {path: [] for path in {main, *counts}}
    for node in tree.body:
        start, end = line_span(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            destinations = list(parts)
        else:
            destinations = [homes[id(node)] or main] if definition_key(node) is not None else []
        for path in destinations:
            parts[path].append("".join(lines[start:end]))
    return {path: "\n".join(part) for path, part in parts.items()}


class _Merge:
    """Splices planned against the original file's lines, applied at once by `text`."""

    def __init__(self, lines: list[str], tree: ast.Module) -> None:
        self.lines, self.tree = lines, tree
        self.top = by_key(tree.body)
        self.replacements: dict[int, tuple[int, str]] = {}  # first line index: (end index, new text)
        self.inserts: dict[int, list[str]] = {}
        self.appended: list[str] = []
        self.placed: list[ast.stmt] = []
        self.replaced: list[str] = []
        self.added: list[str] = []
        self.seen: Counter[tuple[str, str]] = Counter()

    def take(self, node: ast.stmt, source: list[str]) -> None:
        key = definition_key(node)
        if key is None or not stands_alone(node, source):
            return
        owner = only_class_with(self.tree, key) if key not in self.top and isinstance(node, FUNCTION) else None
        classes = [c for c in self.tree.body if isinstance(c, ast.ClassDef)]
        if key in self.top:
            self._member(node, source, self.top, None)
        elif owner is not None:
            self._member(node, source, by_key(owner.body), owner)
        elif isinstance(node, DEF) and not is_method(node):
            self.appended.append(reindented(node, source, ""))
            self._placed(node, node.name, self.added)
        elif isinstance(node, DEF) and len(classes) == 1:  # a new method, and only one class it can be for
            self._add_to_class(node, source, classes[0], f"{classes[0].name}.{node.name}")

    def take_support(self, body: list[ast.stmt], source: list[str]) -> None:
        """Imports and single-name assignments the placed definitions use and the file does not bind."""
        missing = set().union(*(free_names(p) for p in self.placed)) - bound_names(self.tree.body)
        statements = []
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom) and (kept := trimmed_import(node, missing)):
                statements.append(ast.unparse(kept) + "\n")
            elif (
                isinstance(node, ast.Assign | ast.AnnAssign)
                and definition_key(node) in missing
                and stands_alone(node, source)
            ):
                statements.append(reindented(node, source, ""))
        if statements:  # after the file's imports: where a reader looks for them, and before any use
            self.inserts.setdefault(self._support_index(), []).extend(statements)

    def text(self) -> str:
        if self.appended:
            self._append_tail()
        crlf = bool(self.lines) and self.lines[0].endswith("\r\n")

        def new(text: str) -> str:
            return text.replace("\r\n", "\n").replace("\n", "\r\n") if crlf else text

        out: list[str] = []
        index = 0
        while True:
            out.extend(new(t) for t in self.inserts.get(index, []))
            if index >= len(self.lines):
                return "".join(out)
            if index in self.replacements:
                index, replacement = self.replacements[index]
                out.append(new(replacement))
            else:
                out.append(self.lines[index])
                index += 1

    def _member(self, node: ast.stmt, source: list[str], members: dict[str, list[ast.stmt]], owner: Def | None) -> None:
        key, scope = definition_key(node) or "", owner.name if owner else ""
        nth, self.seen[scope, key] = self.seen[scope, key], self.seen[scope, key] + 1
        name = f"{scope}.{definition_name(node)}" if scope else definition_name(node)
        targets = members.get(key, [])
        if nth >= len(targets):
            if owner is not None and isinstance(node, DEF):
                self._add_to_class(node, source, owner, name)
            elif owner is not None and stands_alone(owner.body[0], self.lines):
                self._add_attribute(node, source, owner, name)
            return
        target = targets[nth]
        if isinstance(node, ast.ClassDef) and isinstance(target, ast.ClassDef) and owner is None:
            for member in node.body:
                if definition_key(member) is not None and stands_alone(member, source):
                    self._member(member, source, by_key(target.body), target)
        elif _changes(node, target) and stands_alone(target, self.lines):
            start, end = line_span(target)
            if not getattr(node, "decorator_list", True):  # a definition given bare keeps the file's decorators
                start = target.lineno - 1
            self.replacements[start] = (end, reindented(node, source, indentation(self.lines[start])))
            self._placed(node, name, self.replaced)

    def _add_to_class(self, node: Def, source: list[str], owner: Def, name: str) -> None:
        first = owner.body[0]
        if not stands_alone(first, self.lines):  # `class C: pass`: a body on the header line has no place for more
            return
        end = line_span(owner)[1]
        self.inserts.setdefault(end, []).append(
            "\n" + reindented(node, source, indentation(self.lines[line_span(first)[0]]))
        )
        self._placed(node, name, self.added)

    def _add_attribute(self, node: ast.stmt, source: list[str], owner: Def, name: str) -> None:
        """A new class attribute goes after the class's docstring and attributes, before its first method."""
        leading = owner.body[: next((i for i, s in enumerate(owner.body) if isinstance(s, DEF)), len(owner.body))]
        index = line_span(leading[-1])[1] if leading else line_span(owner.body[0])[0]
        text = reindented(node, source, indentation(self.lines[line_span(owner.body[0])[0]]))
        self.inserts.setdefault(index, []).append(text if leading else text + "\n")
        self._placed(node, name, self.added)

    def _placed(self, node: ast.stmt, name: str, names: list[str]) -> None:
        self.placed.append(node)
        names.append(name)

    def _support_index(self) -> int:
        body = self.tree.body
        imports = [n for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
        if imports:
            return line_span(imports[-1])[1]
        if body and ast.get_docstring(self.tree, clean=False) is not None:
            return line_span(body[0])[1]
        return line_span(body[0])[0] if body else len(self.lines)

    def _append_tail(self) -> None:
        """New definitions go at the end of the module, before a closing `if __name__ == "__main__":`."""
        body, texts = self.tree.body, "\n\n".join(self.appended)
        if body and is_main_guard(body[-1]):
            self.inserts.setdefault(line_span(body[-1])[0], []).append(texts + "\n\n")
            return
        blank = 0
        while blank < len(self.lines) and not self.lines[-1 - blank].strip():
            blank += 1
        ending = "\n" if self.lines and not self.lines[-1].endswith(("\n", "\r")) else ""
        prefix = ending + "\n" * max(0, 2 - blank) if self.lines else ""
        self.inserts.setdefault(len(self.lines), []).append(prefix + texts)


def _changes(node: ast.stmt, target: ast.stmt) -> bool:
    """Whether `node` says something new about `target`, not merely restating it (decorators aside, when it
    gives none) or leaving its body out."""
    if isinstance(node, DEF) and isinstance(target, DEF) and not node.decorator_list:
        target = copy.copy(target)
        target.decorator_list = []
    if ast.dump(node) == ast.dump(target) or (elided(node) and not elided(target)):
        return False
    return not (isinstance(node, ast.AnnAssign) and node.value is None and getattr(target, "value", None))


def _home(node: ast.stmt, trees: Mapping[str, tuple[list[str], ast.Module]], label: str | None) -> str | None:
    """The file a block's statement belongs in: the one defining its name, the labelled one among several."""
    key = definition_key(node)
    if key is None:
        return None
    homes = [p for p, (_, t) in trees.items() if key in by_key(t.body)]
    if not homes and isinstance(node, FUNCTION):
        homes = [p for p, (_, t) in trees.items() if only_class_with(t, key) is not None]
    if label in homes:
        return label
    return homes[0] if homes else None
