"""The forms `review` prints in, apart from `agent.views.review` so that the command's options load without the
record."""

from __future__ import annotations

import enum


class ReviewFormat(enum.StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
