"""Functional judge: the dataset's hidden tests (HumanEval's ``check``) run against the code in the sandbox."""

from __future__ import annotations

import time
from typing import Any, Sequence

from safegen.bench.judges.interface import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    Judge,
    JudgeItem,
    JudgeVerdict,
    Protocol,
    no_code_verdicts,
)
from safegen.config import Settings
from safegen.errors import SafegenError

PROTOCOL = "functional"


class FunctionalJudge(Judge):
    """Pass/fail from hidden tests run in safegen's sandbox; tasks without hidden tests get ``n/a``."""

    name = "functional"
    independent = True

    def __init__(self, settings: Settings | None = None, sandbox: Any = None, timeout: float = 20.0) -> None:
        self.settings = settings or Settings()
        self.timeout = timeout
        self._sandbox = sandbox
        self._owned = False

    @property
    def sandbox(self) -> Any:
        if self._sandbox is None:
            from safegen.sandbox import Sandbox

            sandbox = Sandbox.create(self.settings)
            sandbox.__enter__()
            self._sandbox, self._owned = sandbox, True
        return self._sandbox

    @classmethod
    def from_settings(cls, settings: Settings) -> "FunctionalJudge":
        return cls(settings)

    def protocols(self) -> tuple[Protocol, ...]:
        return (Protocol(PROTOCOL, "hidden unit tests in the sandbox", kind="functional"),)

    def version(self) -> str:
        return "hidden tests (safegen sandbox)"

    def _one(self, item: JudgeItem) -> JudgeVerdict:
        data = item.data
        if data is None or not data.tests or not data.entry_point:
            return JudgeVerdict(PROTOCOL, self.name, self.version(), True, NOT_APPLICABLE,
                                message="the task has no hidden tests")
        if not item.code:
            return no_code_verdicts(self)[0]
        from safegen.sandbox.tests import run_tests

        start = time.perf_counter()
        try:
            outcome = run_tests(self.sandbox, item.code, data.tests, entry_point=data.entry_point,
                                timeout=self.timeout)
        except SafegenError as exc:  # fail closed: tests that could not run did not pass
            return JudgeVerdict(PROTOCOL, self.name, self.version(), True, ERROR, message=str(exc),
                                seconds=time.perf_counter() - start)
        passed = bool(outcome.passed) and outcome.failed == 0
        return JudgeVerdict(PROTOCOL, self.name, self.version(), True, PASSED if passed else FAILED,
                            message="" if passed else outcome.message[:2000], seconds=time.perf_counter() - start)

    def judge(self, items: Sequence[JudgeItem]) -> list[list[JudgeVerdict]]:
        return [[self._one(item)] for item in items]

    def close(self) -> None:
        if self._owned and self._sandbox is not None:
            self._sandbox.__exit__(None, None, None)
            self._sandbox, self._owned = None, False
