"""sparkwright's own record: jobs, plan revisions, steps, attempts, events. A leaf package."""

from state.db import DatabaseError, JobNotFound, LeaseHeld, LeaseLost
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
from state.plan_rows import PlanChange, ReportDecision, StepSpec
from state.store import SqlStore

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
    "PlanChange",
    "ReportDecision",
    "SqlStore",
    "StepSpec",
]
