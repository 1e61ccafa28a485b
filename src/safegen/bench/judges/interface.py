"""The judge interface: code produced for benchmark tasks in, one verdict per protocol and item out.

Judges decide benchmark results. They are kept apart from the analyzers of the pipeline under test:
independent judges run pinned tools in their own environments; the in-loop judge says it is not independent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from safegen.bench.datasets.interface import JudgeData
from safegen.config import Settings
from safegen.serde import Record

# Outcomes of a security protocol, and of the functional one.
VULNERABLE, SECURE, ERROR, NO_CODE = "vulnerable", "secure", "error", "no-code"
PASSED, FAILED, NOT_APPLICABLE = "pass", "fail", "n/a"


@dataclass(frozen=True)
class JudgeItem:
    """One piece of generated code to judge; ``data`` is the task's hidden judge data, if any."""

    key: str
    task_id: str
    code: str | None
    data: JudgeData | None = None


@dataclass(frozen=True)
class JudgeFinding(Record):
    """One issue a judge reported."""

    rule_id: str
    cwe: int | None
    severity: str
    line: int
    message: str = ""
    analyzer: str = ""


@dataclass(frozen=True)
class JudgeVerdict(Record):
    """One protocol's verdict on one item. ``protocol`` names the column (e.g. ``bandit-any``)."""

    protocol: str
    judge: str
    tool_version: str
    independent: bool
    outcome: str
    findings: tuple[JudgeFinding, ...] = ()
    message: str = ""
    seconds: float = 0.0

    @property
    def cwes(self) -> tuple[int, ...]:
        return tuple(sorted({f.cwe for f in self.findings if f.cwe is not None}))


@dataclass(frozen=True)
class Protocol:
    """A column a judge fills: its id, a label for figures, and whether it judges security or function."""

    id: str
    label: str
    kind: str = "security"  # or "functional"


class Judge(ABC):
    """A benchmark judge. Never raises for one bad item: that item's verdict is ``error`` (fail closed)."""

    name: str = "judge"
    independent: bool = True

    @abstractmethod
    def protocols(self) -> tuple[Protocol, ...]:
        """The columns this judge produces, in order."""

    @abstractmethod
    def version(self) -> str:
        """The judging tool and its version, e.g. ``bandit 1.7.10``."""

    @abstractmethod
    def judge(self, items: Sequence[JudgeItem]) -> list[list[JudgeVerdict]]:
        """Judge a batch (one tool run for all of it); for each item, one verdict per protocol."""

    def close(self) -> None:
        """Release what the judge holds (a sandbox, a worker). Safe to call twice."""


class ExternalToolJudge(Judge):
    """A judge that runs a pinned tool from its own environment in the user cache, with a batch timeout."""

    def __init__(self, cache_dir: str | Path | None = None, timeout: float = 300.0) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(cache_dir=settings.cache_dir)


def no_code_verdicts(judge: Judge, seconds: float = 0.0) -> list[JudgeVerdict]:
    """Verdicts for an item without code: the strategy produced nothing to judge."""
    return [JudgeVerdict(protocol=p.id, judge=judge.name, tool_version=judge.version(), independent=judge.independent,
                         outcome=NO_CODE, message="no code was produced", seconds=seconds)
            for p in judge.protocols()]


def error_verdicts(judge: Judge, message: str) -> list[JudgeVerdict]:
    """Verdicts for an item the judge could not decide: counted as not secure / not passed."""
    return [JudgeVerdict(protocol=p.id, judge=judge.name, tool_version=judge.version(), independent=judge.independent,
                         outcome=ERROR, message=message) for p in judge.protocols()]
