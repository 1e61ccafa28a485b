"""Core records that flow through safegen: task -> candidates -> verdicts -> run record.

All are frozen dataclasses that round-trip through JSON with ``to_dict`` / ``from_dict``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from safegen.serde import Record


class Severity(str, enum.Enum):
    """Severity or confidence level, ordered LOW < MEDIUM < HIGH."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """Accept any case and the usual synonyms (INFO/WARNING/ERROR as semgrep says them)."""
        key = text.strip().lower()
        aliases = {"info": "low", "undefined": "low", "warning": "medium", "error": "high",
                   "critical": "high"}
        return cls(aliases.get(key, key))


class VerdictStatus(str, enum.Enum):
    """Outcome of static analysis. UNKNOWN whenever an analyzer failed: we fail closed."""

    SECURE = "secure"
    VULNERABLE = "vulnerable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Task(Record):
    """One requirement to implement. ``tests`` are visible to strategies; hidden benchmark tests never are."""

    task_id: str
    requirement: str
    entry_point: str | None = None
    source: str = "user"
    cwe: int | None = None
    tests: str | None = None
    context: str = ""  # code the module already starts with (a task's setup): candidates run appended to it


@dataclass(frozen=True)
class Finding(Record):
    """One weakness reported by one analyzer (or merged from several) at one place."""

    tool: str
    rule_id: str
    cwe: int | None
    severity: Severity
    line: int
    message: str
    confidence: Severity = Severity.MEDIUM
    column: int = 0
    end_line: int | None = None
    path: str = ""
    cwe_name: str = ""
    cwe_description: str = ""
    mitigation: str = ""
    also_reported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalyzerFailure(Record):
    """An analyzer that crashed, timed out or could not read the file."""

    tool: str
    message: str
    path: str = ""


@dataclass(frozen=True)
class Verdict(Record):
    """The ensemble's judgement of one piece of code."""

    status: VerdictStatus
    findings: tuple[Finding, ...] = ()
    errors: tuple[AnalyzerFailure, ...] = ()
    analyzers: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def is_secure(self) -> bool:
        return self.status is VerdictStatus.SECURE

    def rank_key(self) -> tuple[int, int, int]:
        """Smaller is better: secure < vulnerable < unknown, then severity mass, then count."""
        order = {VerdictStatus.SECURE: 0, VerdictStatus.VULNERABLE: 1, VerdictStatus.UNKNOWN: 2}
        weight = sum(f.severity.rank ** 2 for f in self.findings)
        return (order[self.status], weight, len(self.findings))


@dataclass(frozen=True)
class Defect(Record):
    """A fuzzing defect: unexpected exception, hang, memory blow-up, crash, or a sandbox oracle."""

    kind: str
    input: str
    message: str
    exception_type: str = ""
    location: str = ""
    reproducer: str = ""
    count: int = 1


@dataclass(frozen=True)
class FuzzReport(Record):
    """What fuzzing one function found."""

    target: str
    executions: int
    seconds: float
    defects: tuple[Defect, ...] = ()
    errors: tuple[str, ...] = ()
    engines: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestOutcome(Record):
    """Result of running visible tests (doctests or user tests) against code in the sandbox."""

    __test__ = False  # a record, not a pytest test class

    passed: bool
    total: int
    failed: int
    message: str = ""


@dataclass(frozen=True)
class LLMCall(Record):
    """Accounting for one backend call."""

    purpose: str
    n: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reasons: tuple[str, ...] = ()  # per completion: "stop", "length" (token limit), "loop" (cut short)


@dataclass(frozen=True)
class ConfirmedAttack(Record):
    """An exploit an oracle confirmed in the sandbox, with what replays it."""

    probe: str
    cwe: int | None
    target: str
    input: str
    evidence: str
    line: int = 0


@dataclass(frozen=True)
class AttackSummary(Record):
    """What the attack stage did to one candidate. Errors mean some probes could not decide (fail closed)."""

    confirmed: tuple[ConfirmedAttack, ...] = ()
    probes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        """0: survived every probe that ran; 1: some probes undecided; 2: an exploit confirmed."""
        return 2 if self.confirmed else 1 if self.errors else 0


@dataclass(frozen=True)
class Candidate(Record):
    """One version of the code: a sample, a repair, or a two-step generation."""

    candidate_id: str
    code: str
    origin: str
    round: int = 0
    parent: str | None = None
    verdict: Verdict | None = None
    fuzz: FuzzReport | None = None
    tests: TestOutcome | None = None
    score: float | None = None
    error: str | None = None
    answer: str | None = None  # the model's answer (clipped), kept when no code could be taken from it
    attacks: AttackSummary | None = None  # the attack stage's probes in the sandbox, when it ran
    derived: TestOutcome | None = None  # the trusted tests derived from the requirement, when they ran
    agreed: int | None = None  # how many derived tests, trusted or not, this answer passed (ranked by them: most_tests)


@dataclass(frozen=True)
class RepairRound(Record):
    """One feedback round: the prompt sent and whether its answer was kept."""

    round: int
    kind: str
    prompt: str
    input_candidate: str
    output_candidate: str | None
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class RunObservations(Record):
    """What a strategy run found out about its task on the way; recorded, never configured."""

    security_topics: tuple[str, ...] | None = None  # strategies/relevance.py, where the strategy asked
    imports: tuple[str, ...] | None = None  # the modules the imports step chose (HexaCoder's first step)
    derived_tests: int | None = None  # tests the model derived from the requirement (after parsing)
    trusted_tests: int | None = None  # of those, trusted by the candidates' agreement
    rule_fixes: tuple[str, ...] = ()  # "rule-id -> fix-id" applied by rule, not by the model


@dataclass(frozen=True)
class RunRecord(Record):
    """Everything one strategy run did, enough to audit or re-score it without the model."""

    task: Task
    strategy: str
    backend: str
    model: str
    final: Candidate | None
    candidates: tuple[Candidate, ...] = ()
    rounds: tuple[RepairRound, ...] = ()
    llm_calls: tuple[LLMCall, ...] = ()
    wall_seconds: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)
    tool_versions: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    started_at: str = ""
    observations: RunObservations = field(default_factory=RunObservations)

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.llm_calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.llm_calls)
