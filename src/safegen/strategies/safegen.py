"""safegen (the default, v15): four answers of the plain model, kept by executed evidence, then the checks of v14.

Chosen on the SecCodePLT dev samples, where executable tests judge, and confirmed once on the test split: four
answers to a plain prompt (the first greedy, three sampled); tests derived from the requirement are run on all of
them and trusted where the answers agree (CodeT's dual agreement); an answer that refuses a legitimate caller (the
administrator, a record's owner, the genuine signature, plain arithmetic) or lets its outsider twin in ranks below
one that does neither; ties keep the first answer. The answer kept is then handled as v14 handles its one answer: a
URL it tests whole against the module's list of host names is compared by its host (url_hosts.py), it is attacked
in the sandbox (appended to the task's setup, as it will run), a confirmed exploit is fixed mechanically where its
probe has a fix and the model repairs what is left with the reproducer (never worse; a second mechanical pass
follows), and the verified rule fixes apply to the findings left. About five LLM calls a task; ``--option
answers=1 --option derived_tests=false --option legitimate_rank=false`` gives v14 back (one call a task).
docs/results/README.md gives the runs behind the choice; the former default, driven by static findings, is
``safegen-static``.
"""

from __future__ import annotations

from safegen.strategies.verified import VerifiedStrategy


class SafegenStrategy(VerifiedStrategy):
    """``verified`` with the defaults chosen on dev: four plain answers kept by derived tests and legitimate callers,
    attacks and exploit fixes, rule fixes."""

    name = "safegen"
    summary = ("four answers of the plain model, kept by the tests derived from the requirement they agree on and "
               "by the legitimate callers they let in, then attacked in the sandbox: confirmed exploits fixed "
               "mechanically where a probe has a fix, the rest repaired with their reproducer (never worse), verified "
               "rule fixes for the findings left; --option answers=1 --option derived_tests=false --option "
               "legitimate_rank=false is v14; "
               "--option inner=NAME wraps another strategy (the former default: safegen-static)")

    def __init__(self, *, inner: str = "baseline", attacks: bool = True, derived_tests: bool = True,
                 rule_fixes: bool = True, evidence_first: bool = True, attack_agent: bool = False,
                 attack_repairs: int | None = 2, fixes_first: bool = True, completion: bool = False,
                 host_lists: bool = True, legitimate_callers: bool = False, answers: int = 4,
                 most_tests: bool = False, more_tests: bool = False,
                 legitimate_rank: bool = True) -> None:
        super().__init__(inner=inner, attacks=attacks, derived_tests=derived_tests, rule_fixes=rule_fixes,
                         evidence_first=evidence_first, attack_agent=attack_agent, attack_repairs=attack_repairs,
                         fixes_first=fixes_first, completion=completion, host_lists=host_lists,
                         legitimate_callers=legitimate_callers, answers=answers, most_tests=most_tests,
                         more_tests=more_tests, legitimate_rank=legitimate_rank)
