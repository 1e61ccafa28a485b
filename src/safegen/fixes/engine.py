"""The fix engine: apply rule fixes, keep those that parse, analyze clean and still run in the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from safegen.analyzers import cwe as cwe_catalog
from safegen.astutil import with_context
from safegen.analyzers.interface import SourceFile
from safegen.fixes.interface import (
    AppliedFix,
    Edit,
    FixOutcome,
    FixSpec,
    RejectedFix,
    Rewrite,
)
from safegen.fixes.registry import compute, default_fixes, fixes_for
from safegen.fixes.source import SourceIndex, apply_edits, import_edit, line_mapper
from safegen.types import Finding, Verdict

if TYPE_CHECKING:
    from safegen.analyzers.ensemble import Ensemble
    from safegen.sandbox.core import Sandbox

IMPORT_CHECK = "assert True\n"  # a test that only needs the module to import


@dataclass(eq=False)
class _Plan:
    """One fix to apply at one place, and the findings it answers."""

    spec: FixSpec
    rewrite: Rewrite
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Run:
    """Result of running code in the sandbox: whether it imported, and how many tests failed."""

    imports: bool
    failed: int
    message: str


def _variant(index: SourceIndex, plans: Sequence[_Plan]) -> tuple[str, list[Edit]]:
    edits = [e for p in plans for e in p.rewrite.edits]
    imports = import_edit(index, [m for p in plans for m in p.rewrite.imports])
    if imports is not None:
        edits.append(imports)
    return apply_edits(index.code, edits), edits


def _parses(code: str) -> bool:
    try:
        compile(code, "<fixed>", "exec", flags=0x400, dont_inherit=True)  # PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _same_issue(before: Finding, after: Finding, lines: dict[int, int]) -> bool:
    if lines.get(before.line, before.line) != after.line:
        return False
    return before.rule_id == after.rule_id or cwe_catalog.related(before.cwe, after.cwe)


class _Engine:
    def __init__(self, code: str, findings: Sequence[Finding], specs: Sequence[FixSpec], ensemble: Ensemble,
                 sandbox: Sandbox | None, tests: str | None, entry_point: str | None, path: str,
                 timeout: float, context: str = "") -> None:
        self.code, self.findings, self.specs = code, tuple(findings), tuple(specs)
        self.context = context  # code the module starts with when it runs (a task's setup)
        self.ensemble, self.sandbox, self.tests, self.entry_point = ensemble, sandbox, tests, entry_point
        self.path, self.timeout = path, timeout
        self.index = SourceIndex(code)
        self.rejected: list[RejectedFix] = []
        self.unfixable: list[Finding] = []
        self._verdicts: dict[str, Verdict] = {}

    def reject(self, plans: Sequence[_Plan], reason: str) -> None:
        self.rejected.extend(RejectedFix(p.spec.id, f, reason) for p in plans for f in p.findings)

    # ------------------------------------------------------------ planning

    def plan(self) -> list[_Plan]:
        plans: list[_Plan] = []
        for finding in self.findings:
            found: tuple[FixSpec, Rewrite] | None = None
            for spec in fixes_for(finding, self.specs):
                try:
                    rewrite = compute(self.index, finding, spec)
                except Exception as exc:  # noqa: BLE001 - one fix failing never stops the others
                    self.rejected.append(RejectedFix(spec.id, finding, f"the fix crashed: {type(exc).__name__}: {exc}"))
                    continue
                if rewrite is not None and rewrite.edits:
                    found = (spec, rewrite)
                    break
            if found is None:
                self.unfixable.append(finding)
                continue
            spec, rewrite = found
            same = next((p for p in plans if set(p.rewrite.edits) == set(rewrite.edits)), None)
            if same is not None:
                same.findings.append(finding)
                continue
            clash = next((p for p in plans if any(a.overlaps(b) for a in p.rewrite.edits for b in rewrite.edits)), None)
            if clash is not None:
                self.rejected.append(RejectedFix(spec.id, finding, f"overlaps fix {clash.spec.id} for line "
                                                                   f"{clash.findings[0].line}"))
                continue
            plans.append(_Plan(spec, rewrite, [finding]))
        return plans

    def syntax(self, plans: list[_Plan]) -> list[_Plan]:
        """Plans whose code parses alone, then together (greedily, in order, when the whole set does not)."""
        alone = [p for p in plans if _parses(_variant(self.index, [p])[0])]
        self.reject([p for p in plans if p not in alone], "the fixed code does not parse")
        if _parses(_variant(self.index, alone)[0]):
            return alone
        kept: list[_Plan] = []
        for plan in alone:
            if _parses(_variant(self.index, [*kept, plan])[0]):
                kept.append(plan)
            else:
                self.reject([plan], "the fixed code does not parse together with the other fixes")
        return kept

    # ------------------------------------------------------------ analysis

    def verdicts(self, codes: Sequence[str]) -> list[Verdict]:
        missing = list(dict.fromkeys(c for c in codes if c not in self._verdicts))
        if missing:
            for code, verdict in zip(missing, self.ensemble.scan([SourceFile(self.path, c) for c in missing])):
                self._verdicts[code] = verdict
        return [self._verdicts[c] for c in codes]

    def problem(self, plans: Sequence[_Plan], verdict: Verdict, before: Verdict) -> str | None:
        """Why a variant is not better: analysis failed, a target finding remains or a new one appeared."""
        if verdict.errors:
            return "re-analysis failed: " + "; ".join(f"{e.tool}: {e.message}" for e in verdict.errors)[:300]
        lines = line_mapper(self.code, _variant(self.index, plans)[1])
        for plan in plans:
            for target in plan.findings:
                if any(_same_issue(target, after, lines) for after in verdict.findings):
                    return f"{target.rule_id} at line {target.line} remains after the fix"
        new = [a for a in verdict.findings if not any(_same_issue(b, a, lines) for b in before.findings)]
        if new:
            return "new findings: " + ", ".join(f"{a.rule_id} (line {a.line})" for a in new)
        return None

    def analyze(self, plans: list[_Plan], before: Verdict) -> list[_Plan]:
        """Plans whose fix removes their findings and adds none: each alone, then all together."""
        if not plans:
            return plans
        singles = [_variant(self.index, [p])[0] for p in plans]
        combined = _variant(self.index, plans)[0]
        verdicts = self.verdicts([combined, *singles] if len(plans) > 1 else [combined])
        single_verdicts = verdicts[1:] if len(plans) > 1 else verdicts
        kept = []
        for plan, verdict in zip(plans, single_verdicts):
            reason = self.problem([plan], verdict, before)
            if reason is None:
                kept.append(plan)
            else:
                self.reject([plan], reason)
        while kept:
            reason = self.problem(kept, self.verdicts([_variant(self.index, kept)[0]])[0], before)
            if reason is None:
                break
            self.reject([kept[-1]], f"together with the other fixes: {reason}")
            kept.pop()
        return kept

    # ------------------------------------------------------------ execution

    def run(self, code: str) -> _Run:
        from safegen.sandbox.tests import run_tests

        assert self.sandbox is not None
        code = with_context(self.context, code)
        imported = run_tests(self.sandbox, code, IMPORT_CHECK, timeout=self.timeout)
        if not imported.passed:
            return _Run(False, 0, imported.message)
        if not self.tests:
            return _Run(True, 0, "")
        outcome = run_tests(self.sandbox, code, self.tests, entry_point=self.entry_point, timeout=self.timeout)
        return _Run(True, outcome.failed if outcome.total else 1, outcome.message)

    def execute(self, plans: list[_Plan]) -> tuple[list[_Plan], bool, str]:
        """Plans whose fixed code still imports (and fails no more tests than the original) in the sandbox."""
        if self.sandbox is None:
            return plans, False, "not run: no sandbox was given"
        if not plans:
            return plans, False, "not run: nothing to fix"
        baseline = self.run(self.code)
        if not baseline.imports:
            return plans, False, f"not run: the original code does not import either ({baseline.message[:200]})"

        def worse(result: _Run) -> str | None:
            if not result.imports:
                return f"the fixed code no longer imports: {result.message[:200]}"
            if result.failed > baseline.failed:
                return f"the fixed code fails {result.failed} tests, the original {baseline.failed}: " \
                       f"{result.message[:200]}"
            return None

        if worse(self.run(_variant(self.index, plans)[0])) is None:
            return plans, True, "imports" + (" and passes the tests" if self.tests else "")
        kept = []
        for plan in plans:
            reason = worse(self.run(_variant(self.index, [plan])[0]))
            if reason is None:
                kept.append(plan)
            else:
                self.reject([plan], reason)
        if kept and worse(self.run(_variant(self.index, kept)[0])) is not None:
            self.reject(kept, "the fixes break the code when applied together")
            kept = []
        return kept, True, "imports" + (" and passes the tests" if self.tests else "")

    # ------------------------------------------------------------ all of it

    def outcome(self) -> FixOutcome:
        plans = self.syntax(self.plan())
        before = self.verdicts([self.code])[0]
        if plans and before.errors:
            self.reject(plans, "the original code could not be analyzed, so no fix can be checked")
            plans = []
        plans = self.analyze(plans, before)
        plans, executed, execution = self.execute(plans)
        code = _variant(self.index, plans)[0] if plans else self.code
        verdict = self.verdicts([code])[0] if plans else before
        fixed = tuple(AppliedFix(p.spec.id, f) for p in plans for f in p.findings)
        return FixOutcome(original=self.code, code=code, fixed=fixed, remaining=verdict.findings,
                          unfixable=tuple(self.unfixable), rejected=tuple(self.rejected), verdict=verdict,
                          executed=executed and bool(plans), execution=execution)


def apply_rule_fixes(code: str, findings: Sequence[Finding], *, ensemble: Ensemble, sandbox: Sandbox | None = None,
                     tests: str | None = None, entry_point: str | None = None, path: str = "candidate.py",
                     fixes: Sequence[FixSpec] | None = None, timeout: float = 10.0,
                     context: str = "") -> FixOutcome:
    """Apply the rule fixes that answer ``findings`` and keep only those that are verified.

    A fix is kept when the fixed code parses, the ensemble no longer reports the finding it answers
    and reports nothing new, and, with a ``sandbox``, the code still imports there and fails no more
    of ``tests`` (test code as ``sandbox.tests.run_tests`` takes it, with ``entry_point`` for a
    HumanEval ``check``) than the original did, run after ``context`` (code the module starts with, such as
    a task's setup). Findings no fix applies to are ``unfixable``;
    fixes dropped are ``rejected`` with the reason. Code that does not parse is returned unchanged.
    """
    specs = default_fixes() if fixes is None else tuple(fixes)
    try:
        engine = _Engine(code, findings, specs, ensemble, sandbox, tests, entry_point, path, timeout, context)
    except (SyntaxError, ValueError, RecursionError):
        return FixOutcome(original=code, code=code, remaining=tuple(findings), unfixable=tuple(findings),
                          execution="not run: the code does not parse")
    return engine.outcome()
