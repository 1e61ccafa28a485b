"""Functional judge: the dataset's hidden tests (HumanEval's ``check``) run against the code in the sandbox."""

from __future__ import annotations

import time
from typing import Sequence

from safegen.bench.judges.interface import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    JudgeItem,
    JudgeVerdict,
    Protocol,
    no_code_verdicts,
)
from safegen.bench.judges.sandboxed import SandboxedJudge
from safegen.errors import SafegenError

PROTOCOL = "functional"


class FunctionalJudge(SandboxedJudge):
    """Pass/fail from hidden tests run in safegen's sandbox; tasks without hidden tests get ``n/a``."""

    name = "functional"
    independent = True

    default_timeout = 20.0

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
