"""Typed settings: defaults here, then the config file, then SPARKWRIGHT_* env vars, then CLI flags."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from agent.errors import UserError
from sandbox.base import DEFAULT_IMAGE


class ConfigError(UserError):
    """A setting has a value sparkwright cannot use; the message names it and where it may come from."""


class Price(BaseModel):
    input: float = Field(description="Price in dollars per million input tokens.")
    output: float = Field(description="Price in dollars per million output tokens.")


class Candidate(BaseModel):
    """One way to attempt a step; a failing step tries its tier's candidates in order, each from the same start."""

    format: Literal["tools", "single_prompt", "whole_file", "search_replace", "definitions"] = Field(
        default="tools",
        description="tools: edit_file and run calls; single_prompt: the issue and the files in one message, the "
        "whole corrected files back (one good prompt, word for word); whole_file: the corrected file in a code "
        "block, with the step's task; search_replace: SEARCH/REPLACE blocks; definitions: only the changed "
        "functions or classes, merged into the file by name (for Python files too long to rewrite whole).",
    )
    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature; default: the server's."
    )
    failure_in_brief: bool = Field(default=False, description="Show the failing check's output in the first message.")
    tier: Literal["fast", "deep"] | None = Field(
        default=None, description="Which tier's model runs it; default: the step's (the fast tier's, or the deep's)."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPARKWRIGHT_", extra="forbid")

    home: Path = Field(Path("~/.sparkwright").expanduser(), description="Where the DB, worktrees and caches live.")
    db: str | None = Field(
        None,
        description="The job record: a SQLite file, or a database URL (sqlite:///PATH, "
        "postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME); default HOME/sparkwright.db.",
    )

    deep_model: str | None = Field(
        None, description="Planner model as provider:model, e.g. anthropic:claude-sonnet-4-5."
    )
    fast_model: str | None = Field(None, description="Worker model as provider:model, e.g. openai:gpt-4.1-mini.")
    base_url: str | None = Field(None, description="OpenAI-compatible server for both tiers (vLLM, llama.cpp, Ollama).")
    deep_base_url: str | None = Field(None, description="OpenAI-compatible server for the deep model only.")
    fast_base_url: str | None = Field(None, description="OpenAI-compatible server for the fast model only.")
    deep_tool_calls: Literal["auto", "native", "schema"] = Field(
        "auto",
        description="How the deep model calls tools: native (the provider's tool calling), schema (exactly one "
        "call as JSON-schema-constrained output), auto = schema for local servers, native otherwise.",
    )
    fast_tool_calls: Literal["auto", "native", "schema"] = Field(
        "auto", description="How the fast model calls tools; as deep_tool_calls."
    )
    local_servers: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:11434/v1", "http://127.0.0.1:8080/v1"],
        description="OpenAI-compatible servers looked for when no model is configured (Ollama's, llama.cpp's port).",
    )

    sandbox: Literal["auto", "docker", "local"] = Field(
        "auto", description="Where commands run; auto = docker if an engine answers."
    )
    docker_image: str = Field(DEFAULT_IMAGE, description="Image of the Docker sandbox.")
    docker_memory: str = Field("4g", description="Memory limit of the Docker sandbox (512m, 4g).")
    docker_cpus: float = Field(2.0, gt=0, description="CPU cores the Docker sandbox may use.")
    docker_pids_limit: int = Field(1024, gt=0, description="Processes the Docker sandbox may run at once.")
    setup_command: str | None = Field(
        None,
        description="Run once in a new sandbox, network on (e.g. pip install -e .); "
        "default: setup_command of the repo's .sparkwright.toml.",
    )
    setup_timeout: float = Field(1200, gt=0, description="Seconds the setup command may run.")
    network: bool = Field(False, description="Let the sandbox reach the network while the job runs.")
    sandbox_env: list[str] = Field(
        default_factory=list,
        description="Host environment variables passed to local "
        "sandbox commands besides PATH, HOME, LANG, LC_*, TERM, TZ, TMPDIR, VIRTUAL_ENV.",
    )
    keep_sandbox: bool = Field(False, description="Keep the Docker container after the job ends.")

    test_command: str | None = Field(None, description="The repo's full test command; default: the planner's choice.")
    command_timeout: float = Field(120, gt=0, description="Seconds a worker command may run.")
    check_timeout: float = Field(600, gt=0, description="Seconds a step's check or the final test run may run.")

    mode: Literal["auto", "quick", "planned"] = Field(
        "auto",
        description="quick: no planner call, the fast worker starts on the issue at once (the planner only when it "
        "is stuck); planned: the planner plans first; auto: quick when a first test run finds the issue small.",
    )
    plan_retries: int = Field(
        2, ge=0, description="Times an unusable plan goes back to the planner before one fallback step is used."
    )
    planner_max_turns: int = Field(
        30, gt=0, description="Model calls the planner may spend exploring before it must plan."
    )
    worker_max_turns: int = Field(20, gt=0, description="Model calls a worker attempt may make.")
    worker_max_seconds: float = Field(900, gt=0, description="Wall-clock seconds a worker attempt may take.")
    worker_max_tokens: int = Field(300_000, gt=0, description="Tokens (in + out) a worker attempt may spend.")
    check_failures_per_attempt: int = Field(
        3, gt=0, description="Failed checks after 'done' before the step escalates."
    )
    fast_candidates: list[Candidate] | None = Field(
        None, description="How the fast worker attempts a step, in order; default: by provider (see README)."
    )
    deep_candidates: list[Candidate] | None = Field(
        None, description="How the deep model attempts a step it took over; default: by provider."
    )
    max_candidates: int = Field(4, gt=0, description="Candidates tried per step before it escalates.")
    parallel_candidates: int = Field(
        1,
        gt=0,
        description="Candidates a step runs at once after its first failed, each in a copy of the worktree with a "
        "sandbox of its own; 1: one after another. Pays where the server decodes requests side by side without "
        "slowing each (a GPU); on a CPU it slows every one (see README).",
    )
    reproduce_tries: int = Field(
        3,
        ge=0,
        description="With no failing test, tests the fast model writes to reproduce the issue before any fix (the "
        "first that fails on the code as it is joins the step's check); 0 = never.",
    )
    text_edit_tries: int = Field(
        1,
        gt=0,
        description="Replies a text-format candidate gets, each judged by the check with its failure fed back (in "
        "real 0.5B and 1.5B runs a candidate's first reply fixed 138 of 862 steps, a reply after it 11 of 857).",
    )
    max_escalations_per_step: int = Field(2, ge=0, description="Escalations to the planner per step; 0 = fail at once.")
    take_over_first: Literal["auto", "always", "never"] = Field(
        "auto",
        description="When the fast tier has used all its candidates on a step, the deep tier takes it over before any "
        "decision but a split or a revised plan; auto: when the fast model is served locally (a small planner "
        "answers retry to everything).",
    )
    max_escalations_per_job: int = Field(8, ge=0, description="Escalations to the planner per job.")
    approve_plan: bool = Field(
        False, description="Pause after planning until the plan is approved (run --approve-plan; approve, reject)."
    )
    max_review_rounds: int = Field(1, ge=0, description="Final reviews that may add follow-up steps.")

    push: bool = Field(
        False,
        description="Push the job branch to origin when the job succeeds (run --push); "
        "kept with the job, so a resumed or revised job delivers too.",
    )
    pull_request: bool = Field(False, description="Also open a draft pull request for the job's issue (run --pr).")
    results_remote: str | None = Field(
        None,
        description="Push job branches to this git URL or path instead of the repository's origin "
        "(submit --results-remote); not with --pr.",
    )
    github_api: str | None = Field(
        None, description="GitHub (Enterprise) API base URL; default: from the issue URL's host."
    )
    github_hosts: list[str] = Field(
        default_factory=list, description="GitHub Enterprise web hosts whose issue URLs are accepted."
    )

    broker_url: str | None = Field(
        None, description="Celery broker of the job queue (redis://HOST:6379/0 or amqp://…), for submit and worker."
    )
    worker_concurrency: int = Field(1, gt=0, description="Jobs one `sparkwright worker` runs at once.")
    sweep_seconds: float = Field(
        30, gt=0, description="How often a worker's beat looks for queued jobs whose worker died, to resume them."
    )

    prices: dict[str, Price] = Field(
        default_factory=dict, description="Prices per tier ('deep', 'fast') for cost reports."
    )

    @field_validator("home")
    @classmethod
    def _expand_user(cls, path: Path) -> Path:
        """`~` is the user's home wherever a path comes from (a TOML file or a quoted variable is not expanded
        by a shell); left alone it would make a directory named `~` in the current one."""
        return path.expanduser()

    @field_validator("db")
    @classmethod
    def _expand_db_path(cls, db: str | None) -> str | None:
        """A path's `~` as home's; a URL as it is."""
        return db if db is None or "://" in db else str(Path(db).expanduser())

    @property
    def database(self) -> str:
        """The record's database for `SqlStore`: a SQLite file's path or a database URL."""
        return self.db or str(self.home / "sparkwright.db")

    @property
    def worktrees(self) -> Path:
        return self.home / "worktrees"


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Settings from the config file (default HOME/config.toml), env vars, then non-None `flags`."""
    if config_file is not None and not config_file.expanduser().is_file():
        raise ConfigError(f"no config file {config_file}: pass an existing TOML file to --config, or leave it out")
    path = (config_file or Path(os.environ.get("SPARKWRIGHT_HOME", "~/.sparkwright")) / "config.toml").expanduser()

    class _FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path)

    try:
        return _FromFile(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(
            f"bad setting ({problems(exc)}): fix the flag, the SPARKWRIGHT_* variable or {path}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix or remove it") from None


def stored_settings(stored: dict[str, Any], **current: Any) -> Settings:
    """A job's settings as it was started with them (`current` overrides, e.g. today's home and DB)."""
    try:
        return Settings.model_validate({**stored, **current})
    except ValidationError as exc:
        raise ConfigError(f"the job's stored settings are no longer valid ({problems(exc)}): start a new job") from None


def problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
