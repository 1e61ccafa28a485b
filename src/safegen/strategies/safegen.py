"""safegen (the default, v14): the plain model's answer, then the execution-grounded checks that measured a gain.

Chosen on the SecCodePLT dev sample, where executable tests judge: the answer of a plain prompt (a URL it tests
whole against the module's list of host names compared by its host instead: url_hosts.py), attacked in the
sandbox (appended to the task's setup, as it will run); a confirmed exploit is fixed mechanically where its
probe has a fix, and the model repairs what is left with the reproducer (never worse; a second mechanical pass
follows; a refusal it writes answers as the requirement states for rejected input); the verified rule fixes
apply to the findings left. Fixes first measured the same verdicts as the
model first at two thirds of the LLM calls. Derived tests stay off (with one answer they cannot outvote it).
docs/results/README.md gives the runs behind the choice; the former default, driven by static findings, is
``safegen-static``.
"""

from __future__ import annotations

from safegen.strategies.verified import VerifiedStrategy


class SafegenStrategy(VerifiedStrategy):
    """``verified`` with the defaults chosen on dev: the plain model, attacks and exploit fixes, rule fixes."""

    name = "safegen"
    summary = ("the plain model's answer attacked in the sandbox: confirmed exploits fixed mechanically where a "
               "probe has a fix, the rest repaired with their reproducer (never worse), verified rule fixes for the "
               "findings left; "
               "--option inner=NAME wraps another strategy (the former default: safegen-static)")

    def __init__(self, *, inner: str = "baseline", attacks: bool = True, derived_tests: bool = False,
                 rule_fixes: bool = True, evidence_first: bool = True, attack_agent: bool = False,
                 attack_repairs: int | None = 2, fixes_first: bool = True, completion: bool = False,
                 host_lists: bool = True, legitimate_callers: bool = False, answers: int = 1,
                 most_tests: bool = False, more_tests: bool = False,
                 legitimate_rank: bool = False) -> None:
        super().__init__(inner=inner, attacks=attacks, derived_tests=derived_tests, rule_fixes=rule_fixes,
                         evidence_first=evidence_first, attack_agent=attack_agent, attack_repairs=attack_repairs,
                         fixes_first=fixes_first, completion=completion, host_lists=host_lists,
                         legitimate_callers=legitimate_callers, answers=answers, most_tests=most_tests,
                         more_tests=more_tests, legitimate_rank=legitimate_rank)
