"""Agreement in the real sandbox: which derived tests are trusted, and the repair rule built on them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from safegen.errors import SandboxError
from safegen.sandbox import Sandbox
from safegen.types import Candidate
from safegen.verify import (
    DerivedResult,
    DerivedTests,
    TestRun,
    TrustedTests,
    agreement,
    check,
    newly_fails,
)
from safegen.verify.testparse import parse_tests

REQ = "Write `clamp(x: int, low: int, high: int) -> int` that returns x limited to the range [low, high]."
GOOD_A = "def clamp(x, low, high):\n    return max(low, min(x, high))\n"
GOOD_B = "def clamp(x, low, high):\n    if x < low:\n        return low\n    if x > high:\n        return high\n    return x\n"
WRONG = "def clamp(x, low, high):\n    return high if x >= low else x\n"  # answers high for anything in range
BROKEN = "import no_such_module_anywhere\n\ndef clamp(x, low, high):\n    return x\n"
TESTS = """```python
def test_inside():
    assert clamp(5, 0, 10) == 5

def test_below():
    assert clamp(-3, 0, 10) == 0

def test_wrong():
    assert clamp(5, 0, 10) == 10

def test_above():
    assert clamp(42, 0, 10) == 10
```"""


def derived(answer: str = TESTS, requirement: str = REQ) -> DerivedTests:
    parsed = parse_tests(answer, "clamp", requirement, limit=8)
    return DerivedTests(entry_point="clamp", tests=parsed.tests, notes=parsed.notes)


def cand(candidate_id: str, code: str) -> Candidate:
    return Candidate(candidate_id=candidate_id, code=code, origin="sample")


def trusted_names(result: TrustedTests) -> list[str]:
    return [t.name for t in result.tests]


def test_a_wrong_test_one_of_three_passes_is_not_trusted_and_right_ones_are(sandbox: Sandbox) -> None:
    # the wrong candidate passes test_wrong and test_above; the good ones pass the three right tests
    result = agreement(derived(), [cand("a", GOOD_A), cand("b", GOOD_B), cand("w", WRONG)], sandbox)
    assert trusted_names(result) == ["test_inside", "test_below", "test_above"]
    assert result.consensus == ("a", "b")
    votes = {v.name: v for v in result.votes}
    assert votes["test_wrong"].passed_by == ("w",) and not votes["test_wrong"].trusted
    assert votes["test_above"].passed_by == ("a", "b", "w") and votes["test_above"].trusted
    good, wrong = result.result("a"), result.result("w")
    assert good is not None and wrong is not None
    assert good.passed == {"test_inside", "test_below", "test_above"} and not good.failed
    assert wrong.passed == {"test_above"}
    assert {r.name for r in wrong.failed} == {"test_inside", "test_below"}
    assert all("assert" in r.message.lower() or "Error" in r.message for r in wrong.failed)
    assert TrustedTests.from_dict(result.to_dict()) == result


def test_no_trusted_test_fails_a_consensus_program_even_when_the_wrong_ones_pass_a_test_together(
        sandbox: Sandbox) -> None:
    # two copies of the same wrong program are one vote; two distinct wrong programs may corroborate a wrong
    # test, but the three agreeing good programs outvote them and the test stays untrusted
    wrong_b = "def clamp(x, low, high):\n    return high if x >= low else low\n"  # passes test_wrong too
    good_c = "def clamp(x, low, high):\n    return sorted((low, x, high))[1]\n"
    pool = [cand("a", GOOD_A), cand("b", GOOD_B), cand("c", good_c), cand("w", WRONG), cand("w2", WRONG),
            cand("v", wrong_b)]
    result = agreement(derived(), pool, sandbox)
    assert set(result.consensus) == {"a", "b", "c"}
    assert "test_wrong" not in trusted_names(result)
    assert {v.name: v.passed_by for v in result.votes}["test_wrong"] == ("w", "w2", "v")
    for member in result.consensus:
        found = result.result(member)
        assert found is not None and not found.failed


def test_with_one_candidate_the_tests_it_passes_are_trusted(sandbox: Sandbox) -> None:
    result = agreement(derived(), [cand("a", GOOD_A)], sandbox)
    assert trusted_names(result) == ["test_inside", "test_below", "test_above"]
    wrong_only = agreement(derived(), [cand("w", WRONG)], sandbox)
    assert trusted_names(wrong_only) == ["test_wrong", "test_above"]  # agreement cannot know better alone


def test_with_two_disagreeing_candidates_only_tests_both_pass_are_trusted(sandbox: Sandbox) -> None:
    result = agreement(derived(), [cand("a", GOOD_A), cand("w", WRONG)], sandbox)
    assert trusted_names(result) == ["test_above"]


def test_a_program_that_cannot_run_does_not_vote(sandbox: Sandbox) -> None:
    result = agreement(derived(), [cand("x", BROKEN), cand("y", BROKEN + "\n# a comment\n"), cand("a", GOOD_A),
                                   cand("e", "")], sandbox)
    assert trusted_names(result) == ["test_inside", "test_below", "test_above"]  # one voter: its passes
    broken = result.result("x")
    assert broken is not None and not broken.passed and "import" in broken.failed[0].message


def test_a_test_whose_own_code_fails_is_never_trusted(sandbox: Sandbox) -> None:
    answer = "```python\ndef test_typo():\n    assert clamp(1, 0, 2) == undefined_name\n```"
    result = agreement(derived(answer), [cand("a", GOOD_A), cand("b", GOOD_B)], sandbox)
    assert result.tests == () and "do not agree" in result.notes[0]


def test_a_repair_that_loses_a_trusted_test_is_caught(sandbox: Sandbox) -> None:
    result = agreement(derived(), [cand("a", GOOD_A), cand("b", GOOD_B)], sandbox)
    parent = result.result("a")
    # a "hardened" repair that invents validation and rejects negative input loses test_below
    repair = cand("a-r1", "def clamp(x, low, high):\n    if x < 0:\n        raise ValueError('negative')\n"
                          "    return max(low, min(x, high))\n")
    child = check(result, repair, sandbox)
    assert child.passed == {"test_inside", "test_above"}
    assert newly_fails(parent, child)
    assert not newly_fails(parent, check(result, cand("a-r2", GOOD_B), sandbox))


@pytest.mark.parametrize("parent, child, lost", [
    (None, None, False),  # nothing known about the parent: nothing to lose
    ((("t1", True), ("t2", False)), (("t1", True), ("t2", False)), False),
    ((("t1", True), ("t2", False)), (("t1", True), ("t2", True)), False),  # fixing a test is fine
    ((("t1", True), ("t2", True)), (("t1", True), ("t2", False)), True),
    ((("t1", True),), None, True),  # the child's tests could not run: fail closed
    ((("t1", False),), None, False),
    ((("t1", True),), (), True),  # the test did not run on the child
])
def test_newly_fails(parent: Sequence[tuple[str, bool]] | None, child: Sequence[tuple[str, bool]] | None,
                     lost: bool) -> None:
    def result(runs: Sequence[tuple[str, bool]] | None) -> DerivedResult | None:
        return None if runs is None else DerivedResult("c", tuple(TestRun(n, p) for n, p in runs))

    assert newly_fails(result(parent), result(child)) is lost


class _DeadSandbox:
    """A sandbox whose worker cannot start: every test must count as not passed."""

    isolated = True
    atheris_available = False

    def run_job(self, kind: str, code: str, items: Sequence[Any], **_: Any) -> list[dict[str, Any]]:
        raise SandboxError("sandbox unavailable")


def test_a_sandbox_failure_fails_closed() -> None:
    dead: Any = _DeadSandbox()
    result = agreement(derived(), [cand("a", GOOD_A), cand("b", GOOD_B)], dead)
    assert result.tests == () and "no candidate could run" in result.notes[0]
    runs = check(TrustedTests(entry_point="clamp", tests=derived().tests[:1]), cand("a", GOOD_A), dead)
    assert runs.passed == frozenset() and "could not run" in runs.runs[0].message


def test_a_program_without_the_entry_point_does_not_vote(sandbox: Sandbox) -> None:
    result = agreement(derived(), [cand("n", "def other(x):\n    return x\n"), cand("a", GOOD_A)], sandbox)
    assert trusted_names(result) == ["test_inside", "test_below", "test_above"]
