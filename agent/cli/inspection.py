"""The commands that look at what jobs did, `jobs`, `show` and `review`, and `push`, which hands a reviewed
branch on. `review` and `push` read the job's branch on this host, fetched from the record when the job ran on
another (`on_this_host`)."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.options import ConfigOpt, DbOpt, JobArg, JsonOpt, Opt
from agent.views.review_format import ReviewFormat


def jobs(config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List jobs with status, age and branch."""
    from agent.config import load_settings
    from agent.views import jobs as report
    from state import SqlStore

    with SqlStore(load_settings(config, db=db).database) as store:
        report.print_jobs(store, as_json)


def show(job_id: str, config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The whole story of a job: plan and revisions, steps, attempts, escalations, events, cost."""
    from agent.config import load_settings
    from agent.views import jobs as report
    from state import SqlStore

    with SqlStore(load_settings(config, db=db).database) as store:
        report.print_show(store, store.job(job_id), as_json)


def review(
    job_id: JobArg,
    fmt: Annotated[
        ReviewFormat, Opt("--format", help="text, markdown (a pull-request body) or json.")
    ] = ReviewFormat.TEXT,
    step: Annotated[
        int | None,
        Opt(
            "--step",
            help="Only step K, numbered as `review` lists them (1-based, in plan "
            "order): its diff and its attempts in short.",
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Review a job: outcome, plan and revisions, steps with commits and checks, the diff, cost, doubts."""
    from rich.console import Console

    from agent.config import load_settings
    from agent.github.client import token_from_env
    from agent.github.refs import fixes_number
    from agent.queue.placement import on_this_host
    from agent.views.review import NoSuchStep, print_review
    from state import SqlStore

    settings = load_settings(config, db=db)
    with SqlStore(settings.database) as store:
        try:
            job = on_this_host(store, settings, store.job(job_id), token_from_env())
            print_review(store, job, fmt, Console(), step, fixes=fixes_number(job.issue_url))
        except NoSuchStep as exc:
            raise typer.BadParameter(str(exc), param_hint="--step") from None


def push(
    job_id: JobArg,
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the job's issue.")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Push a finished job's branch to its repo's origin (never forcing); --pr opens a draft pull request."""
    from agent.config import load_settings
    from agent.github.client import token_from_env
    from agent.job_delivery import print_delivery, push_job
    from agent.queue.placement import on_this_host
    from state import SqlStore

    settings = load_settings(config, db=db)
    with SqlStore(settings.database) as store:
        job = on_this_host(store, settings, store.job(job_id), token_from_env())
        print_delivery(push_job(store, settings, job, token_from_env(), pr))
