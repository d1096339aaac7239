"""The Celery app of a `submit` or a `worker`: broker settings for hour-long jobs, the tasks, the sweep's beat.

Celery's own defaults assume short tasks. A job runs for minutes to hours, so: one message reserved at a time
per process (prefetch 1), acknowledged only when the task ends (acks_late) and given back when the process
running it dies (reject_on_worker_lost). A broker may then deliver a job twice; the job's lease lets one run."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from typing import Any

from celery import Celery
from celery.beat import Scheduler
from celery.signals import worker_process_init

from agent.config import ConfigError, Settings
from agent.errors import UserError
from agent.queue.tasks import run_delivery, sweep
from agent.repo import safe_url

RUN = "sparkwright.run"
SWEEP = "sparkwright.sweep"
QUEUE = "sparkwright"
log = logging.getLogger("sparkwright.worker")
VISIBILITY_TIMEOUT = 6 * 3600
"""Redis gives an unacknowledged message back after this long. Only the death of the whole worker (its
pool processes too) leaves a message unacknowledged; the sweep resumes such a job long before."""


class QueueError(UserError):
    """The queue cannot be reached or used; the message says what to do."""


def make_app(settings: Settings) -> Celery:
    app = Celery("sparkwright", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        beat_scheduler=SweepingScheduler,
        beat_schedule={"sweep": {"task": SWEEP, "schedule": settings.sweep_seconds}},
    )
    app.sparkwright_settings = settings

    @app.task(name=RUN)
    def run(job_id: str) -> str:
        return run_delivery(settings, job_id)

    return app


class SweepingScheduler(Scheduler):
    """Celery beat that sweeps itself: sent as a task, the sweep would wait for a free pool process, and a busy
    worker's are held by jobs for hours."""

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        if entry.task != SWEEP:
            return super().apply_entry(entry, producer)
        try:
            sweep(self.app.sparkwright_settings, lambda job_id: self.app.send_task(RUN, args=[job_id]))
        except Exception:  # a database away for a moment: the next sweep tries again
            log.exception("the sweep failed")
        return None


def connected_app(settings: Settings) -> Celery:
    """The app of `settings`' broker, once the broker answers: an unreachable one fails here, in one line."""
    if not settings.broker_url:
        raise ConfigError("no broker: pass --broker-url redis://HOST:6379/0 or set SPARKWRIGHT_BROKER_URL")
    app = make_app(settings)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # kombu raises the transport's own errors
        raise QueueError(
            f"cannot reach the broker at {safe_url(settings.broker_url)} ({type(exc).__name__}): "
            "start it, or fix --broker-url"
        ) from None
    return app


def enqueue(app: Celery, job_id: str) -> None:
    app.send_task(RUN, args=[job_id], retry=False)


@worker_process_init.connect
def _die_with_the_worker(**_: Any) -> None:
    """A pool process whose worker was killed stops too (as on a lost host), so the job's heartbeat stops
    and the sweep hands the job to another worker; left running, it would hold a job no worker tracks."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
