"""Records of derived functional tests: the tests the model wrote, their runs, and which are trusted."""

from __future__ import annotations

from dataclasses import dataclass

from safegen.serde import Record
from safegen.types import LLMCall


@dataclass(frozen=True)
class DerivedTest(Record):
    """One test the model derived from the requirement, as a self-contained test file for the sandbox."""

    __test__ = False  # a record, not a pytest test class

    name: str  # "test_empty_input", or "assert_line7" for a top-level assert
    source: str  # the helpers it needs, then the test: runnable alone by the sandbox's "tests" job


@dataclass(frozen=True)
class DerivedTests(Record):
    """What one derivation produced: the kept tests, why others were dropped, and the LLM call it cost.

    ``call`` is the accounting of the backend call; a caller that passed a recording backend
    (``RunState.backend.for_purpose(...)``) has it logged already and must not append it again.
    """

    entry_point: str | None
    tests: tuple[DerivedTest, ...] = ()
    notes: tuple[str, ...] = ()
    roundtrips: tuple[str, ...] = ()  # the pairs asked for explicitly, "hash/verify"
    call: LLMCall | None = None


@dataclass(frozen=True)
class TestRun(Record):
    """One derived test run against one candidate; anything but a clean pass is a failure (fail closed)."""

    __test__ = False

    name: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class DerivedResult(Record):
    """The trusted derived tests run against one candidate."""

    candidate_id: str
    runs: tuple[TestRun, ...] = ()

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(run.name for run in self.runs if run.passed)

    @property
    def failed(self) -> tuple[TestRun, ...]:
        return tuple(run for run in self.runs if not run.passed)


@dataclass(frozen=True)
class TestVote(Record):
    """Which candidates passed one derived test, and whether the agreement rule trusts it."""

    __test__ = False

    name: str
    passed_by: tuple[str, ...]
    trusted: bool


@dataclass(frozen=True)
class TrustedTests(Record):
    """The outcome of agreement: the trusted tests and each candidate's result on them.

    ``consensus`` are the candidates whose behaviour on the tests agreed best (CodeT's consensus set);
    no trusted test fails any of them. ``results`` hold every candidate's runs of the trusted tests only.
    """

    entry_point: str | None
    tests: tuple[DerivedTest, ...] = ()
    votes: tuple[TestVote, ...] = ()
    consensus: tuple[str, ...] = ()
    results: tuple[DerivedResult, ...] = ()
    notes: tuple[str, ...] = ()

    def result(self, candidate_id: str) -> DerivedResult | None:
        """The candidate's result on the trusted tests, None when it was not among the voters' runs."""
        return next((r for r in self.results if r.candidate_id == candidate_id), None)
