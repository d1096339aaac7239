"""Python source read for merging by name: its lines as the parser counts them, a statement's span and what it
defines, and a statement's text moved to another indentation."""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from collections import Counter
from collections.abc import Iterable

DEF = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)
Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""Lines as the parser counts them: a form feed, unlike for `str.splitlines`, is not a line break."""


def only_class_with(tree: ast.Module, key: str) -> ast.ClassDef | None:
    """The one class of the file with a method of this name: small models give a method without its class."""
    owners = [c for c in tree.body if isinstance(c, ast.ClassDef) and key in by_key(c.body)]
    return owners[0] if len(owners) == 1 else None


def parse(source: str, dedent: bool) -> tuple[list[str], ast.Module] | None:
    """The lines and tree of `source`; a block indented as a whole (copied from a class body) is read dedented."""
    for text in (source, textwrap.dedent(source)) if dedent else (source,):
        try:
            with warnings.catch_warnings():  # an invalid escape in a model's code is its problem, not a warning here
                warnings.simplefilter("ignore")
                return _LINE.findall(text), ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            continue
    return None


def compiles(text: str) -> bool:
    """Parses, and passes the compiler's checks the parser leaves out (`return` outside a function…)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<merged>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError):
        return False


def definition_key(node: ast.stmt) -> str | None:
    """What a statement defines, when it is a definition: a property's getter and setter are two."""
    if isinstance(node, DEF):
        roles = [d.attr for d in node.decorator_list if isinstance(d, ast.Attribute)]
        roles += [d.id for d in node.decorator_list if isinstance(d, ast.Name)]
        role = next((r for r in roles if r in ("setter", "deleter", "overload")), "")
        return f"{node.name}@{role}" if role else node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def definition_name(node: ast.stmt) -> str:
    return (definition_key(node) or "").split("@")[0]


def by_key(body: Iterable[ast.stmt]) -> dict[str, list[ast.stmt]]:
    """The definitions of a body by key, in order: a name defined twice (overloads) has two."""
    found: dict[str, list[ast.stmt]] = {}
    for node in body:
        if (key := definition_key(node)) is not None:
            found.setdefault(key, []).append(node)
    return found


def elided(node: ast.stmt) -> bool:
    """A definition whose body is only a docstring, `...` or `pass`: how a model says "unchanged"."""
    if not isinstance(node, DEF):
        return False
    body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and is_ellipsis(s.value)) for s in body)


def is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def is_method(node: Def) -> bool:
    args = node.args.posonlyargs + node.args.args if isinstance(node, FUNCTION) else []
    return bool(args) and args[0].arg in ("self", "cls")


def is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test)


def line_span(node: ast.stmt) -> tuple[int, int]:
    """Line indexes [start, end) of a statement with its decorators."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first - 1, node.end_lineno or node.lineno


def stands_alone(node: ast.stmt, lines: list[str]) -> bool:
    """Nothing else on the statement's lines (`x = 1; y = 2`, `class C: x = 1`), so whole lines are its own."""
    start, end = line_span(node)
    first = lines[start].encode()
    if isinstance(node, DEF) and node.decorator_list:
        alone_before = first.lstrip().startswith(b"@")
    else:
        alone_before = not first[: node.col_offset].strip()
    after = lines[end - 1].encode()[node.end_col_offset or 0 :].strip()
    return alone_before and (not after or after.startswith(b"#"))


def indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def reindented(node: ast.stmt, source: list[str], indent: str) -> str:
    """The statement's lines from `source`, moved to `indent`. Lines inside a string literal keep their text,
    which is the string's value; a docstring's lines move with the code."""
    start, end = line_span(node)
    lines = source[start:end]
    old = indentation(lines[0])
    if old == indent:
        return "".join(lines) if lines[-1].endswith("\n") else "".join(lines) + "\n"
    kept = inside_strings(node)
    out = []
    for number, line in enumerate(lines, start=start + 1):
        if not line.strip():
            out.append("\n")
        elif number in kept:
            out.append(line)
        else:
            out.append(indent + line[min(len(old), len(indentation(line))) :])
    return "".join(out).rstrip("\r\n") + "\n"


def inside_strings(node: ast.stmt) -> set[int]:
    """Line numbers a multi-line string literal continues onto, docstrings excepted."""
    docstrings = {
        id(d.body[0].value)
        for d in ast.walk(node)
        if isinstance(d, DEF) and ast.get_docstring(d, clean=False) is not None and isinstance(d.body[0], ast.Expr)
    }
    return {
        number
        for s in ast.walk(node)
        if isinstance(s, ast.Constant | ast.JoinedStr) and id(s) not in docstrings and s.end_lineno
        for number in range(s.lineno + 1, s.end_lineno + 1)
    }


def free_names(node: ast.stmt) -> set[str]:
    """Names a definition reads and does not bind itself (roughly its globals: builtins are in, nothing is bound
    by them)."""
    read: set[str] = set()
    bound: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            (read if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    return read - bound


def bound_names(body: list[ast.stmt]) -> set[str]:
    """Names the module binds at top level."""
    names = set()
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif (key := definition_key(node)) is not None:
            names.add(key.split("@")[0])
    return names


def trimmed_import(node: ast.Import | ast.ImportFrom, missing: set[str]) -> ast.stmt | None:
    """The import with only the names in `missing`; none for `__future__` or `*`."""
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return None
    names = [a for a in node.names if a.name != "*" and (a.asname or a.name).split(".")[0] in missing]
    if not names:
        return None
    if isinstance(node, ast.Import):
        return ast.Import(names=names)
    return ast.ImportFrom(module=node.module, names=names, level=node.level)


def statement_keys(tree: ast.Module) -> set[str]:
    """A module's top-level statements as what they are, so two versions of one file can be told alike: a
    definition by its name (a class's members too), an import by each name, other statements by their kind and
    count."""
    keys, others = set(), Counter[str]()
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            keys |= {"import " + (a.asname or a.name) for a in node.names}
        elif (key := definition_key(node)) is not None:
            keys.add(key)
            members = node.body if isinstance(node, ast.ClassDef) else []
            keys |= {f"{key}.{k}" for k in by_key(members)}  # a class restated with a method left out is a part
        elif index == 0 and ast.get_docstring(tree, clean=False) is not None:
            keys.add("docstring")
        else:
            others[type(node).__name__] += 1
            keys.add(f"{type(node).__name__} {others[type(node).__name__]}")
    return keys
