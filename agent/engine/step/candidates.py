"""Which candidates a tier tries on a step, in order. Different formats and prompts fix different bugs, so a
failing step tries several, each judged by its check. Small local models edit best by rewriting a short file
whole; hosted models by tool calls."""

from __future__ import annotations

from collections.abc import Mapping

from agent.config import Candidate, Settings
from agent.engine.step.formats import edit_format
from agent.models.llm import is_local
from state import Tier

FOR_LOCAL_MODELS = (
    # Greedy first (a server's default is often 0.8): the single prompt's fix, never lost. Then the same prompt
    # sampled: with real 1.5B models it fixed 6 of 22 steps every other candidate had failed, more than any other
    # wording; then other wordings, which fix other bugs at temperature 0, then those sampled. A Python file too
    # long to rewrite whole gets only the changed definitions asked for, and SEARCH/REPLACE.
    Candidate(format="single_prompt", temperature=0),
    Candidate(format="single_prompt", temperature=0.8),
    Candidate(format="definitions", temperature=0, failure_in_brief=True),
    Candidate(format="whole_file", temperature=0, failure_in_brief=True),
    Candidate(format="whole_file", temperature=0.8, failure_in_brief=True),
    Candidate(format="search_replace", temperature=0, failure_in_brief=True),
    Candidate(format="definitions", temperature=0.8, failure_in_brief=True),
)
FOR_HOSTED_MODELS = (Candidate(failure_in_brief=True),)
# A small local worker under a stronger local planner: the worker's single prompt, then the planner's model runs the
# local candidates, long before an escalation would reach it (in real runs of a 0.5B under a 1.5B the 0.5B's single
# prompt fixed 4 of 37 steps, its other candidates 1 of 51, at 28-43 s each).
WORKER_FIRST = Candidate(format="single_prompt", temperature=0)


def candidates(settings: Settings, tier: str, specs: Mapping[str, str], files: Mapping[str, str]) -> list[Candidate]:
    """The candidates a tier tries on a step with these files, in order; at least one. `specs`: each tier's model."""
    configured = settings.fast_candidates if tier == "fast" else settings.deep_candidates
    default = list(FOR_LOCAL_MODELS if is_local(specs[tier]) else FOR_HOSTED_MODELS)
    if tier == "fast" and deep_helps(specs):
        default = [WORKER_FIRST, *(c.model_copy(update={"tier": "deep"}) for c in FOR_LOCAL_MODELS)]
    usable = [c for c in (configured or default) if edit_format(c.format).usable(files)]
    return (usable or [Candidate()])[: settings.max_candidates]


def deep_helps(specs: Mapping[str, str]) -> bool:
    """Two different local models: the planner's, stronger and as near, gets the worker's requests after its first
    failed one. (A hosted planner is slower and dearer, and a hosted worker strong enough.)"""
    return specs["deep"] != specs["fast"] and all(map(is_local, specs.values()))


def tier_of(candidate: Candidate, executor: Tier) -> Tier:
    """The tier whose model runs the candidate: its own, else the step's executor's."""
    return candidate.tier or executor


def one_prompt(candidate: Candidate) -> bool:
    """The single prompt, greedy: what one prompt to its model gives (by either tier in a split)."""
    return candidate.format == "single_prompt" and candidate.temperature == 0


def describe(candidate: Candidate) -> str:
    temperature = f", temperature {candidate.temperature:g}" if candidate.temperature is not None else ""
    by = f", by the {candidate.tier} tier" if candidate.tier else ""
    brief = ", failure shown first" if candidate.failure_in_brief else ""
    return f"{candidate.format}{temperature}{brief}{by}"
