"""Which derived tests to trust: those the candidates' behaviour agrees with (CodeT's dual agreement).

The rule. Every derived test runs on every candidate in the sandbox, each test as its own item of one
job (the worker imports the candidate once). Voters are the distinct programs (same syntax tree = one
vote) that define the entry point and ran at least one test to its end; a program that cannot even be
imported says nothing about the tests. Voters that pass exactly the same tests form a consensus set,
scored as in CodeT by (programs in the set) x (tests they pass); the best set is the consensus. A test
is **trusted** when

* every program of the consensus passes it, and
* at least ``min(MIN_SUPPORT, voters)`` distinct programs pass it.

So no trusted test fails a consensus program: a wrong test cannot veto the answer the candidates agree
on, and one test never counts on its own word, it needs a program written independently of it to pass
it (two programs when there are two or more). With a single voter the tests it passes are trusted (the
test and the code, written apart, agree) and the tests it fails are not; a later repair of it that
fails one of them has lost function (``newly_fails``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from safegen.astutil import parse, top_level_bound
from safegen.errors import SafegenError
from safegen.sandbox.interface import SandboxLike
from safegen.sandbox.result import ExecResult
from safegen.types import Candidate
from safegen.verify.records import (
    DerivedResult,
    DerivedTest,
    DerivedTests,
    TestRun,
    TestVote,
    TrustedTests,
)

MIN_SUPPORT = 2  # distinct programs that must pass a test before it is trusted (fewer only with fewer voters)
TIMEOUT = 5.0  # seconds per derived test
MESSAGE = 300  # characters of a failure kept: enough for the assertion and the value it saw


def _program_key(code: str) -> str:
    """Programs that differ only in comments or layout are one program (one vote)."""
    try:
        return ast.dump(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code


def _defines(code: str, entry_point: str | None) -> bool:
    """Whether the program defines the entry point at its top level (else its failures say nothing)."""
    tree = parse(code)
    return tree is not None and (entry_point is None or any(entry_point in top_level_bound(s) for s in tree.body))


def _run(raw: dict[str, Any], name: str) -> tuple[TestRun, bool]:
    """One item's outcome as a TestRun, and whether the test ran to its end (the program could be judged)."""
    result = ExecResult.from_worker(raw)
    data = raw.get("data")
    ran = result.status == "ok" and isinstance(data, dict)
    if ran and isinstance(data, dict):
        total, failed = data.get("total"), data.get("failed")
        if isinstance(total, int) and isinstance(failed, int) and total > 0 and failed == 0:
            return TestRun(name, True), True
        return TestRun(name, False, str(data.get("message", "") or "failed")[:MESSAGE]), True
    detail = result.message or result.status
    if result.exception_type and not detail.startswith("importing"):
        detail = f"{result.exception_type}: {detail}"
    return TestRun(name, False, f"{result.status}: {detail}"[:MESSAGE]), False


def run_derived(sandbox: SandboxLike, code: str, tests: Sequence[DerivedTest], entry_point: str | None, *,
                timeout: float = TIMEOUT) -> tuple[tuple[TestRun, ...], bool]:
    """Each test on ``code`` (one job, one item per test); whether any ran to its end. Fails closed."""
    if not tests:
        return (), False
    if not code.strip():
        return tuple(TestRun(t.name, False, "no code") for t in tests), False
    items = [{"tests": t.source, "entry": entry_point} for t in tests]
    try:
        raw = sandbox.run_job("tests", code, items, timeout=timeout, entry=entry_point)
    except SafegenError as exc:
        return tuple(TestRun(t.name, False, f"could not run: {exc}"[:MESSAGE]) for t in tests), False
    outcomes = [_run(r if isinstance(r, dict) else {}, t.name) for r, t in zip(raw, tests)]
    outcomes += [(TestRun(t.name, False, "no result"), False) for t in tests[len(outcomes):]]
    return tuple(run for run, _ in outcomes), any(ran for _, ran in outcomes)


def _consensus(vectors: dict[str, frozenset[str]], order: list[str]) -> list[str]:
    """CodeT: group programs by the tests they pass; the best group has most programs x tests passed."""
    groups: dict[frozenset[str], list[str]] = {}
    for key in order:
        groups.setdefault(vectors[key], []).append(key)
    best = max(groups.items(), key=lambda item: (len(item[1]) * len(item[0]), len(item[1]), len(item[0]),
                                                  -order.index(item[1][0])))
    return best[1] if best[0] else []


def agreement(tests: DerivedTests, candidates: Sequence[Candidate], sandbox: SandboxLike, *,
              timeout: float = TIMEOUT) -> TrustedTests:
    """Run ``tests`` on ``candidates`` and keep the tests their behaviour agrees with (see the module doc).

    Pass independent samples as ``candidates``: repairs of one parent would vote with their parent.
    """
    entry = tests.entry_point
    if not tests.tests:
        return TrustedTests(entry_point=entry, notes=("no derived tests to run",))
    keys = [_program_key(c.code) for c in candidates]
    runs_by_program: dict[str, tuple[TestRun, ...]] = {}
    voters: list[str] = []
    for candidate, key in zip(candidates, keys):
        if key in runs_by_program:
            continue
        runs, ran = run_derived(sandbox, candidate.code, tests.tests, entry, timeout=timeout)
        runs_by_program[key] = runs
        if ran and _defines(candidate.code, entry):
            voters.append(key)
    passed = {key: frozenset(r.name for r in runs_by_program[key] if r.passed) for key in voters}
    notes: list[str] = []
    consensus = _consensus(passed, voters) if voters else []
    need = min(MIN_SUPPORT, len(voters))
    ids: dict[str, list[str]] = {}
    for candidate, key in zip(candidates, keys):
        ids.setdefault(key, []).append(candidate.candidate_id)
    votes = []
    for test in tests.tests:
        support = [key for key in voters if test.name in passed[key]]
        trusted = bool(consensus) and all(test.name in passed[key] for key in consensus) and len(support) >= need
        votes.append(TestVote(test.name, tuple(i for key in support for i in ids[key]), trusted))
    names = {vote.name for vote in votes if vote.trusted}
    if not voters:
        notes.append("no candidate could run the derived tests")
    elif not names:
        notes.append("no derived test is trusted: the candidates do not agree with any")
    results = tuple(DerivedResult(c.candidate_id, tuple(r for r in runs_by_program[key] if r.name in names))
                    for c, key in zip(candidates, keys))
    return TrustedTests(entry_point=entry, tests=tuple(t for t in tests.tests if t.name in names),
                        votes=tuple(votes), consensus=tuple(i for key in consensus for i in ids[key]),
                        results=results, notes=tuple(notes))


def check(trusted: TrustedTests, candidate: Candidate, sandbox: SandboxLike, *,
          timeout: float = TIMEOUT) -> DerivedResult:
    """The trusted tests on one more candidate (a repair); tests that cannot run count as failed."""
    runs, _ran = run_derived(sandbox, candidate.code, trusted.tests, trusted.entry_point, timeout=timeout)
    return DerivedResult(candidate.candidate_id, runs)


def newly_fails(parent: DerivedResult | None, child: DerivedResult | None) -> bool:
    """A repair that fails a trusted derived test its parent passed is rejected (as for the prompt's examples).

    Without a parent result there is nothing to lose; a missing child result loses every test the parent
    passed (fail closed).
    """
    if parent is None:
        return False
    kept = child.passed if child is not None else frozenset()
    return bool(parent.passed - kept)
