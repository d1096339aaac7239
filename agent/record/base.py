"""The base of every event model, and the vocabularies events share."""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict


class AttemptOutcome(enum.StrEnum):
    """How a worker attempt ended."""

    PASSED = "passed"
    STUCK = "stuck"
    BUDGET = "budget"
    LOOP = "loop"
    NO_EDIT = "no_edit"
    """A text format's reply held no edit the files could take."""
    CHECK_FAILED = "check_failed"
    STOPPED = "stopped"
    """Run at once with others, it was stopped when another decided the step (or the job was stopped)."""


class ReviewDecision(enum.StrEnum):
    """What the final review decided."""

    FINISH = "finish"
    ADD_STEPS = "add_steps"


class PlanPath(enum.StrEnum):
    """Who made a job's first plan."""

    PLANNED = "planned"
    QUICK = "quick"
    FALLBACK = "fallback"


class EventModel(BaseModel):
    """One kind of event in a job's record; `kind` is the name it is stored under."""

    model_config = ConfigDict(extra="forbid")
    kind: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        """The fields as stored and printed. Only the fields the emitter gave (or the stored payload had) are
        written, so a payload keeps the keys it always had and a reader fills in the defaults; each model lists
        its fields in the order the emitters give them, so the JSON keeps its key order too."""
        return self.model_dump(mode="json", exclude_unset=True)

    @classmethod
    def read(cls, fields: dict[str, Any]) -> Self:
        """A stored payload as this model. Keys it does not know (from a newer sparkwright) are left out."""
        return cls.model_validate({key: value for key, value in fields.items() if key in cls.model_fields})


class PlannedStep(BaseModel):
    """A step as the `plan` and `feedback` events list it."""

    model_config = ConfigDict(extra="forbid")
    id: int
    """The step's id in the record."""
    title: str
    """Its title, which becomes the commit subject."""
    check: str
    """The command that must pass once the step is done."""
