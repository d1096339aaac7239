"""The error hierarchy: what the user must fix, what stops a job for later, and (everything else) bugs.

`UserError` and the leaf packages' own roots (`state.DatabaseError`, `sandbox.SandboxError`, which
cannot import this module) make one line saying what to do and exit code 2. An `Interruption` ends
a running job as `interrupted`: `sparkwright resume` carries on from its last checkpoint.
"""

from __future__ import annotations

from sandbox import SandboxError
from state import DatabaseError, LeaseLost


class UserError(Exception):
    """Bad input, or a state only the user can change; the message is one line saying what to do."""


class Interruption(Exception):
    """A job cannot go on now but can be resumed (the user stopped it, the model server is down)."""


USER_ERRORS: tuple[type[Exception], ...] = (UserError, DatabaseError, SandboxError)
"""What the CLI turns into one line and exit code 2."""
INTERRUPTIONS: tuple[type[BaseException], ...] = (Interruption, SandboxError, KeyboardInterrupt, LeaseLost)
"""What ends a running job as interrupted, to be resumed (or, with its lease lost, left to its new holder)."""
