"""Candidates run after the task's setup (``Task.context``) wherever they run, as they will be used: the visible
tests, fuzzing and the fuzz repair's replay on the parent (the attacks: test_verification.py).

The sandbox and the fuzzer are real; the model is scripted (it only proposes no seeds).
"""

from __future__ import annotations

import dataclasses

from strategy_helpers import Script

from safegen.strategies import sources, stages
from safegen.strategies.base import NoOptions
from safegen.strategies.state import RunState
from safegen.types import Candidate, Task

SETUP = "FACTOR = 1.5\n"
PER_ITEM = "def per_item(total: float, count: int) -> float:\n    return round(total / count * FACTOR, 2)\n"
HANDLES_NONE = ("def per_item(total: float, count: int) -> float:\n    if count <= 0:\n        return 0.0 * FACTOR\n"
                "    return round(total / count * FACTOR, 2)\n")
BREAKS_ON_NONE = ("def per_item(total: float, count: int) -> float:\n"
                  "    return round(total / count * FACTOR, 2) if count > 0 else [][0]\n")
TASK = Task("per-item", "Write per_item(total: float, count: int) -> float: the total per item, times FACTOR.",
            entry_point="per_item", context=SETUP, tests="def test_two():\n    assert per_item(4.0, 2) == 3.0\n")


def _state(make_ctx, task: Task = TASK) -> RunState:  # type: ignore[no-untyped-def]
    return RunState(task, make_ctx(Script()), "autosafecoder", NoOptions())


def test_visible_tests_run_after_the_setup(make_ctx) -> None:  # type: ignore[no-untyped-def]
    outcome = stages.check_tests(_state(make_ctx), PER_ITEM)
    assert outcome is not None and outcome.passed
    alone = stages.check_tests(_state(make_ctx, dataclasses.replace(TASK, context="")), PER_ITEM)
    assert alone is not None and not alone.passed and "FACTOR" in alone.message


def test_fuzzing_runs_after_the_setup_with_lines_in_the_answers_terms(make_ctx) -> None:  # type: ignore[no-untyped-def]
    state = _state(make_ctx)
    report = stages.fuzz(state, state.add(Candidate(candidate_id="c0", code=PER_ITEM, origin="generate"))).fuzz
    assert report is not None
    found = {(d.exception_type, d.location) for d in report.defects}
    assert ("ZeroDivisionError", "target.py:2") in found  # the answer's line 2, not the module's 4th
    assert not any(d.exception_type == "NameError" for d in report.defects)
    alone = _state(make_ctx, dataclasses.replace(TASK, context=""))
    report = stages.fuzz(alone, alone.add(Candidate(candidate_id="c0", code=PER_ITEM, origin="generate"))).fuzz
    assert report is not None and "NameError" in {d.exception_type for d in report.defects}  # every ordinary call


def test_a_fuzz_repair_is_replayed_on_its_parent_after_the_setup(make_ctx) -> None:  # type: ignore[no-untyped-def]
    parent = Candidate(candidate_id="c0", code=HANDLES_NONE, origin="generate")
    for task, blamed in ((TASK, True), (dataclasses.replace(TASK, context=""), False)):
        state = _state(make_ctx, task)
        child = stages.fuzz(state, state.add(Candidate(candidate_id="c1", code=BREAKS_ON_NONE, origin="repair",
                                                        parent="c0")))
        assert child.fuzz is not None and {d.exception_type for d in child.fuzz.defects} >= {"IndexError"}
        reason = sources.fuzz_regression(state, parent, child)
        # the parent handles count <= 0 with FACTOR from the setup: without it the replay fails on the parent too
        assert (reason is not None and "which its parent handled" in reason) is blamed


ALLOW_LIST = "from urllib.parse import urljoin\n\nTRUSTED_DOMAINS = ['partner.example.org']\n"
REDIRECT = "def build_redirect(base_url: str, next_url: str) -> str:\n    return urljoin(base_url, next_url)\n"


def test_an_exploit_fix_finds_the_allow_list_in_the_setup(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from strategy_helpers import fenced

    from safegen.registry import STRATEGIES

    task = Task("redirect", "Write build_redirect(base_url: str, next_url: str) -> str: the URL to redirect the user "
                            "to after login, from the site's base URL and the next url parameter.",
                entry_point="build_redirect", context=ALLOW_LIST)
    record = STRATEGIES.get("safegen")().run(task, make_ctx(Script(code=[fenced(REDIRECT)], other=[fenced(REDIRECT)])))
    first, final = record.candidates[0], record.final
    assert first.attacks is not None and first.attacks.confirmed  # the redirect leads anywhere
    assert final is not None and final.origin == "exploit-fix" and "'partner.example.org'" in final.code
    assert final.attacks is not None and not final.attacks.confirmed and "TRUSTED_DOMAINS =" not in final.code
