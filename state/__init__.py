"""sparkwright's own record: jobs, plan revisions, steps, attempts, events. A leaf package."""

from state.models import (
    Attempt,
    AttemptStatus,
    DecisionKind,
    Event,
    FailureReport,
    Job,
    JobBranch,
    JobStatus,
    Lease,
    PlanRevision,
    RevisionKind,
    Steering,
    Step,
    StepStatus,
    Tier,
)
from state.store import DatabaseError, JobNotFound, LeaseHeld, LeaseLost, SqlStore, StepSpec

__all__ = [
    "Attempt",
    "AttemptStatus",
    "DecisionKind",
    "Event",
    "FailureReport",
    "Job",
    "JobBranch",
    "JobStatus",
    "Lease",
    "PlanRevision",
    "RevisionKind",
    "Step",
    "StepStatus",
    "Tier",
    "Steering",
    "DatabaseError",
    "JobNotFound",
    "LeaseHeld",
    "LeaseLost",
    "SqlStore",
    "StepSpec",
]
