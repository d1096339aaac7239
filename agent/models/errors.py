"""The models' errors, apart from `llm` so that a provider module (`scripted`) can raise them without importing
the module that builds it."""

from __future__ import annotations

from agent.errors import Interruption, UserError


class ModelConfigError(UserError):
    """A model cannot be built or reached as configured; the message says what to set."""


class ModelUnavailable(Interruption):
    """The provider failed mid-job (unreachable, auth, quota); the job can be resumed later."""


class ReplyStopped(Interruption):
    """A reply was cut off mid-stream because its candidate was stopped (another one won the step)."""
