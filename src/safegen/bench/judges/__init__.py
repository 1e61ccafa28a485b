"""Benchmark judges, kept apart from the analyzers of the pipeline under test (safegen.registry.JUDGES)."""

from __future__ import annotations

from safegen.bench.judges.interface import (
    Judge,
    JudgeFinding,
    JudgeItem,
    JudgeVerdict,
    Protocol,
)
from safegen.config import Settings
from safegen.errors import InputError
from safegen.registry import JUDGES

DEFAULT_JUDGES = ("bandit", "icd", "inloop", "functional")

__all__ = ["DEFAULT_JUDGES", "default_judges", "Judge", "JudgeFinding", "JudgeItem", "JudgeVerdict", "Protocol", "create_judge",
           "judge_names"]


def default_judges(dataset: str) -> tuple[str, ...]:
    """The judges a run of ``dataset`` uses unless told otherwise."""
    from safegen.bench.datasets import get_dataset

    return get_dataset(dataset).spec.judges or DEFAULT_JUDGES


def judge_names() -> list[str]:
    return JUDGES.names()


def create_judge(name: str, settings: Settings) -> Judge:
    """The registered judge ``name``, built from the settings."""
    factory = JUDGES.get(name)
    judge = factory.from_settings(settings) if hasattr(factory, "from_settings") else factory()
    if not isinstance(judge, Judge):
        raise InputError(f"judge {name!r} is not a safegen.bench.judges.Judge")
    return judge
