"""Which files are tests: the judge of a step, so a step may not weaken them and review lists them first."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs"})
TEST_NAME = re.compile(
    r"^(test_.*\.py|.*_test\.(py|go|rb|rs)|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?|"
    r".*Tests?\.(java|kt|cs|swift)|.*_spec\.rb)$"
)


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and (TEST_NAME.match(parts[-1]) is not None or any(p in TEST_DIRS for p in parts[:-1]))


def normalized(path: str) -> str:
    return PurePosixPath(path.strip()).as_posix().removeprefix("./").lstrip("/")
