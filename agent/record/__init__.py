"""What sparkwright records, typed: one model per event kind, the failure report a failed step leaves for the
planner, and the job and review records that `show --json` and `review --format json` print.

Emitters construct an event's model (`ctx.record.emit(StepDone(...))`); readers get the same models back
(`read_events(store, job_id, StepDone)`). The stored JSON is each model's `payload()`."""

from agent.record.base import AttemptOutcome, EventModel, PlannedStep, PlanPath, ReviewDecision
from agent.record.call_events import CalledTool, ModelCall, Steering, ToolCall
from agent.record.events import EVENT_TYPES, Recorded, UnknownEventKind, event_from, read_events, record_event
from agent.record.failure_report import BudgetUsed, FailureReport, ReportedAttempt, ReportedStep
from agent.record.job_events import (
    Approval,
    DeliberationEnded,
    Delivered,
    Feedback,
    JobFinished,
    JobInterrupted,
    JobResumed,
    JobStarted,
    Plan,
    PlanRejected,
    Review,
    SandboxSetup,
    TestRun,
    Triaged,
)
from agent.record.step_events import (
    AttemptFinished,
    AttemptStarted,
    Check,
    Decision,
    Duplicate,
    Escalation,
    PlanCheck,
    StepDone,
    TestsRestored,
    WorkspaceRepaired,
)

__all__ = [
    "AttemptOutcome",
    "EventModel",
    "PlannedStep",
    "PlanPath",
    "ReviewDecision",
    "CalledTool",
    "ModelCall",
    "Steering",
    "ToolCall",
    "EVENT_TYPES",
    "Recorded",
    "UnknownEventKind",
    "event_from",
    "read_events",
    "record_event",
    "BudgetUsed",
    "FailureReport",
    "ReportedAttempt",
    "ReportedStep",
    "Approval",
    "DeliberationEnded",
    "Delivered",
    "Feedback",
    "JobFinished",
    "JobInterrupted",
    "JobResumed",
    "JobStarted",
    "Plan",
    "PlanRejected",
    "Triaged",
    "Review",
    "SandboxSetup",
    "TestRun",
    "AttemptFinished",
    "AttemptStarted",
    "Check",
    "Decision",
    "Duplicate",
    "Escalation",
    "PlanCheck",
    "StepDone",
    "TestsRestored",
    "WorkspaceRepaired",
]
