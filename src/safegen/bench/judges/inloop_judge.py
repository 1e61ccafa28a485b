"""safegen's own analyzer ensemble as a judge, labelled "in-loop": it is the tool the strategies optimise against."""

from __future__ import annotations

import time
from typing import Any, Sequence

from safegen.bench.judges.interface import (
    ERROR,
    SECURE,
    VULNERABLE,
    Judge,
    JudgeFinding,
    JudgeItem,
    JudgeVerdict,
    Protocol,
    error_verdicts,
    no_code_verdicts,
)
from safegen.config import Settings
from safegen.errors import SafegenError
from safegen.types import Verdict, VerdictStatus

PROTOCOL = "inloop"
_OUTCOME = {VerdictStatus.VULNERABLE: VULNERABLE, VerdictStatus.SECURE: SECURE, VerdictStatus.UNKNOWN: ERROR}


class InLoopJudge(Judge):
    """Not independent: the same ensemble that filtered and repaired the code. Shown, never a headline."""

    name = "inloop"
    independent = False

    def __init__(self, settings: Settings | None = None, ensemble: Any = None) -> None:
        self.settings = settings or Settings()
        self._ensemble = ensemble
        self._version = ""

    @property
    def ensemble(self) -> Any:
        if self._ensemble is None:
            from safegen.analyzers.ensemble import Ensemble

            self._ensemble = Ensemble.default(self.settings)
        return self._ensemble

    @classmethod
    def from_settings(cls, settings: Settings) -> "InLoopJudge":
        return cls(settings)

    def protocols(self) -> tuple[Protocol, ...]:
        return (Protocol(PROTOCOL, "safegen ensemble (in-loop, not independent)"),)

    def version(self) -> str:
        if not self._version:
            try:
                versions = self.ensemble.versions() if hasattr(self.ensemble, "versions") else {}
            except SafegenError:
                versions = {}
            self._version = "safegen ensemble (" + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + ")"
        return self._version

    def _verdict(self, verdict: Verdict, seconds: float) -> JudgeVerdict:
        findings = tuple(JudgeFinding(rule_id=f.rule_id, cwe=f.cwe, severity=f.severity.value.upper(), line=f.line,
                                      message=f.message, analyzer=f.tool) for f in verdict.findings)
        message = "; ".join(f"{e.tool}: {e.message}" for e in verdict.errors)
        return JudgeVerdict(PROTOCOL, self.name, self.version(), False, _OUTCOME[verdict.status], findings,
                            message=message, seconds=seconds)

    def judge(self, items: Sequence[JudgeItem]) -> list[list[JudgeVerdict]]:
        from safegen.analyzers.interface import SourceFile

        out: list[list[JudgeVerdict]] = [no_code_verdicts(self) if not item.code else [] for item in items]
        todo = [(i, item) for i, item in enumerate(items) if item.code]
        if not todo:
            return out
        start = time.perf_counter()
        try:
            verdicts = list(self.ensemble.scan([SourceFile(path=f"item_{i:05d}.py", code=item.code or "")
                                                for i, item in todo]))
            if len(verdicts) != len(todo):
                raise SafegenError(f"ensemble returned {len(verdicts)} verdicts for {len(todo)} files")
        except SafegenError as exc:
            for i, _ in todo:
                out[i] = error_verdicts(self, f"ensemble failed: {exc}")
            return out
        seconds = (time.perf_counter() - start) / len(todo)
        for (i, _), verdict in zip(todo, verdicts):
            out[i] = [self._verdict(verdict, seconds)]
        return out

    def close(self) -> None:
        if self._ensemble is not None and hasattr(self._ensemble, "close"):
            self._ensemble.close()
