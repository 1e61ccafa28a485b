"""The execution-grounded checks in the loop: confirmed attacks repaired with their reproducer, trusted derived
tests guarding repairs, verified rule fixes, and evidence before the verdict in the ranking.

The model is scripted (control flow); the sandbox, the attack probes, the analyzers and the fixes are real.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from strategy_helpers import fenced

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.strategies import stages
from safegen.strategies.repair import judge_kept
from safegen.strategies.safegen_static import SafegenStaticStrategy
from safegen.strategies.state import RunState
from safegen.strategies.verify_options import VerifyOptions
from safegen.types import Candidate, Finding, Severity, Task, TestOutcome, Verdict, VerdictStatus
from safegen.verify.derive import SYSTEM as DERIVE_SYSTEM

FIXTURES = Path(__file__).resolve().parents[1] / "attack" / "fixtures"
VULNERABLE_READ = (FIXTURES / "path-traversal" / "vulnerable.py").read_text()
FIXED_READ = (FIXTURES / "path-traversal" / "fixed.py").read_text()
READ_TASK = Task("read", "Write a function read_static(filename: str) -> str that returns the text of the file "
                         "named filename from the static folder.", entry_point="read_static")

ADD_TAX = "def add_tax(price: float) -> float:\n    return round(price * 1.2, 2)\n"
ADD_TAX_YAML = "import yaml\n\n\ndef add_tax(price: float) -> float:\n    yaml.load('a: 1', Loader=yaml.Loader)\n    return round(price * 1.2, 2)\n"
WRONG_TAX = "def add_tax(price: float) -> float:\n    return price\n"
TAX_TASK = Task("tax", "Write a function add_tax(price: float) -> float that adds 20% tax, rounded to cents.",
                entry_point="add_tax")
TAX_TESTS = "def test_ten():\n    assert add_tax(10.0) == 12.0\n\ndef test_zero():\n    assert add_tax(0.0) == 0.0\n"


class Routed:
    """Replies by request: code, derived tests, attack feedback, static feedback (each list's last repeats)."""

    def __init__(self, code: Sequence[str], *, tests: str = "", attack: Sequence[str] = (),
                 static: Sequence[str] = ()) -> None:
        self.replies = {"code": list(code), "attack": list(attack), "static": list(static), "derive": [tests]}
        self.log: list[str] = []

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        last = messages[-1].content
        if messages[0].content == DERIVE_SYSTEM:
            kind = "derive"
        elif last.startswith("Running your code in a sandbox"):
            kind = "attack"
        elif last.startswith("A static security analysis"):
            kind = "static"
        else:
            kind = "code"
        self.log.append(kind)
        queue = self.replies[kind]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply if kind == "derive" else fenced(reply)


def _run(make_ctx, script: Routed, task: Task, **flags: object):  # type: ignore[no-untyped-def]
    strategy = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, tests_rounds=0, **flags)  # type: ignore[arg-type]
    return strategy.run(task, make_ctx(script))


def test_a_confirmed_attack_is_repaired_with_its_reproducer(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed([VULNERABLE_READ], attack=[FIXED_READ])
    record = _run(make_ctx, script, READ_TASK, attacks=True, static_rounds=0)
    first = record.candidates[0]
    assert first.attacks is not None and any(a.probe == "path-traversal" for a in first.attacks.confirmed)
    attack_round = next(r for r in record.rounds if r.kind == "attack")
    assert attack_round.accepted and "path-traversal" in attack_round.prompt and "../" in attack_round.prompt
    assert record.final is not None and record.final.code.strip() == FIXED_READ.strip()
    assert record.final.attacks is not None and not record.final.attacks.confirmed


def test_without_the_flag_nothing_is_attacked(make_ctx) -> None:  # type: ignore[no-untyped-def]
    record = _run(make_ctx, Routed([VULNERABLE_READ]), READ_TASK, static_rounds=0)
    assert all(c.attacks is None for c in record.candidates) and "attack" not in {r.kind for r in record.rounds}


def test_a_repair_that_breaks_a_trusted_derived_test_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed([ADD_TAX_YAML], tests=fenced(TAX_TESTS),
                    static=["def add_tax(price: float) -> float:\n    return price\n"])
    record = _run(make_ctx, script, TAX_TASK, derived_tests=True, static_rounds=1)
    assert record.observations.trusted_tests == 2 and "derive" in script.log
    assert record.candidates[0].derived == TestOutcome(passed=True, total=2, failed=0, message="")
    static_round = next(r for r in record.rounds if r.kind == "static")
    assert not static_round.accepted and "derived" in static_round.reason
    assert record.final is not None and "1.2" in record.final.code


def test_more_answers_vote_on_the_derived_tests_and_the_working_one_is_kept(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    other_tax = "def add_tax(price: float) -> float:\n    return round(1.2 * price, 2)\n"
    script = Routed([WRONG_TAX, ADD_TAX, other_tax], tests=fenced(TAX_TESTS))
    record = SafegenStrategy(answers=3, derived_tests=True).run(TAX_TASK, make_ctx(script))
    assert script.log.count("code") == 3 and script.log.count("derive") == 1
    assert [c.origin for c in record.candidates[:3]] == ["sample", "answer", "answer"]
    assert record.observations.trusted_tests == 2
    assert record.candidates[0].derived is not None and not record.candidates[0].derived.passed
    assert record.final is not None and "1.2" in record.final.code  # the greedy answer lost the vote
    alone = SafegenStrategy(derived_tests=True).run(TAX_TASK, make_ctx(Routed([WRONG_TAX], tests=fenced(TAX_TESTS))))
    assert alone.final is not None and alone.final.code.strip() == WRONG_TAX.strip()  # one answer cannot be outvoted


def test_findings_the_model_leaves_are_fixed_by_rule_and_recorded(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed([ADD_TAX_YAML], static=[ADD_TAX_YAML])  # the model's repair changes nothing
    record = _run(make_ctx, script, TAX_TASK, rule_fixes=True, static_rounds=1)
    assert record.final is not None and record.final.origin == "rule-fix"
    assert "yaml.safe_load" in record.final.code and record.final.verdict is not None
    assert record.final.verdict.status is VerdictStatus.SECURE
    assert any("yaml" in fix for fix in record.observations.rule_fixes)


def _state(make_ctx, evidence_first: bool) -> RunState:  # type: ignore[no-untyped-def]
    class Options:
        verify = VerifyOptions(evidence_first=evidence_first)

    return RunState(TAX_TASK, make_ctx(Routed([ADD_TAX])), "safegen", Options())  # type: ignore[arg-type]


def _candidate(cid: str, code: str, *, low_finding: bool, tests_pass: bool) -> Candidate:
    findings = (Finding("bandit", "B101", 703, Severity.LOW, 1, "assert used"),) if low_finding else ()
    verdict = Verdict(VerdictStatus.VULNERABLE if findings else VerdictStatus.SECURE, findings)
    return Candidate(cid, code, "sample", verdict=verdict,
                     tests=TestOutcome(passed=tests_pass, total=2, failed=0 if tests_pass else 2))


def test_evidence_first_ranks_working_code_above_a_clean_broken_one(make_ctx) -> None:  # type: ignore[no-untyped-def]
    for evidence_first, winner in ((True, "works"), (False, "clean")):
        state = _state(make_ctx, evidence_first)
        state.add(_candidate("clean", WRONG_TAX, low_finding=False, tests_pass=False))
        state.add(_candidate("works", ADD_TAX, low_finding=True, tests_pass=True))
        assert stages.rank(state)[0].candidate_id == winner


def test_never_worse_holds_for_derived_tests_and_confirmed_exploits(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.types import AttackSummary, ConfirmedAttack

    state = _state(make_ctx, True)
    parent = state.add(Candidate("p", ADD_TAX, "sample", verdict=Verdict(VerdictStatus.SECURE),
                                 derived=TestOutcome(True, 2, 0)))
    broken = Candidate("c1", WRONG_TAX, "repair-static", verdict=Verdict(VerdictStatus.SECURE),
                       derived=TestOutcome(False, 2, 1))
    assert "derived" in (judge_kept(state, parent, broken) or "")
    exploited = Candidate("c2", ADD_TAX + "# changed\n", "repair-static", verdict=Verdict(VerdictStatus.SECURE),
                          derived=TestOutcome(True, 2, 0),
                          attacks=AttackSummary(confirmed=(ConfirmedAttack("xss", 79, "add_tax", "x", "y"),)))
    assert "exploit" in (judge_kept(state, parent, exploited) or "")


def test_any_strategy_gets_the_checks_through_verified(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.verified import VerifiedStrategy

    script = Routed([VULNERABLE_READ], attack=[FIXED_READ], tests=fenced(
        "def test_missing_file_raises():\n    import pytest\n    with pytest.raises(FileNotFoundError):\n"
        "        read_static('no-such-file.txt')\n"))
    record = VerifiedStrategy(inner="baseline", rule_fixes=False).run(READ_TASK, make_ctx(script))
    assert record.strategy == "verified" and record.config["strategy_options"]["inner"] == "baseline"
    assert record.candidates[0].attacks is not None and record.candidates[0].attacks.confirmed
    assert record.observations.derived_tests is not None and "derive" in script.log
    assert record.final is not None and record.final.code.strip() == FIXED_READ.strip()
    assert record.final.origin == "repair-attack"


def test_verified_flags_are_ablation_parts_and_bad_inner_names_are_refused() -> None:
    import pytest

    from safegen.bench.ablate import parts
    from safegen.errors import InputError
    from safegen.strategies.verified import VerifiedStrategy

    assert {"attacks", "derived-tests", "rule-fixes", "evidence-first"} <= set(parts("verified"))
    with pytest.raises(InputError):
        VerifiedStrategy(inner="nosuch")
    with pytest.raises(TypeError):
        VerifiedStrategy(inner="verified")
    with pytest.raises(TypeError):  # the default is itself a verified configuration
        VerifiedStrategy(inner="safegen")


EVAL_CALC = ("def calculate(expression: str) -> str:\n    try:\n        return str(eval(expression))\n"
             "    except Exception as exc:\n        return f'Error: {exc}'\n")
LITERAL_CALC = ("import ast\n\n\ndef calculate(expression: str) -> str:\n    try:\n"
                "        return str(ast.literal_eval(expression))\n    except Exception as exc:\n"
                "        return f'Error: {exc}'\n")
ARITHMETIC_CALC = (FIXTURES / "code-injection" / "fixed.py").read_text().replace(
    "def calculate(expression: str) -> float:\n    return _value(", "def calculate(expression: str) -> str:\n    return str(_value(") + ")\n"
CALC_TASK = Task("calc", "Write a function calculate(expression: str) -> str that evaluates the arithmetic expression "
                         "the user typed and returns the result as text.", entry_point="calculate")


def test_an_attack_repair_that_breaks_ordinary_input_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed([EVAL_CALC], attack=[LITERAL_CALC, ARITHMETIC_CALC])
    record = _run(make_ctx, script, CALC_TASK, attacks=True, static_rounds=0)
    rounds = [r for r in record.rounds if r.kind == "attack"]
    assert "calculate('1 + 2 * 3') returns '7'" in rounds[0].prompt  # the ordinary input the repair must keep
    assert not rounds[0].accepted and "the ordinary call calculate('1 + 2 * 3') returns '7' before" in rounds[0].reason
    assert rounds[1].accepted and record.final.origin == "repair-attack"
    assert record.final.attacks is not None and not record.final.attacks.confirmed


def test_an_attack_stage_that_breaks_leaves_the_answer_undecided_not_lost(make_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import safegen.attack

    def broken_attack(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug in a probe")

    monkeypatch.setattr(safegen.attack, "attack", broken_attack)
    record = _run(make_ctx, Routed([VULNERABLE_READ]), READ_TASK, attacks=True, static_rounds=0)
    assert record.final is not None and record.final.code.strip() == VULNERABLE_READ.strip()
    assert record.final.attacks is not None and record.final.attacks.rank == 1  # undecided: never "survived"
    assert "ValueError: a bug in a probe" in record.final.attacks.errors[0]


WEAK_HASH = (FIXTURES / "weak-hash" / "vulnerable.py").read_text()
HASH_TASK = Task("digest", "Write a function document_digest(algorithm: str, document: bytes) -> str that returns "
                           "the hex digest computed with the hash algorithm the caller names.",
                 entry_point="document_digest")


def test_an_exploit_the_model_leaves_gets_its_mechanical_fix(make_ctx) -> None:  # type: ignore[no-untyped-def]
    record = _run(make_ctx, Routed([WEAK_HASH], attack=[WEAK_HASH]), HASH_TASK, attacks=True, static_rounds=0)
    assert any(r.kind == "attack" and not r.accepted for r in record.rounds)  # the model changed nothing
    assert record.final is not None and record.final.origin == "exploit-fix"
    assert "_SAFEGEN_STRONG_HASHES" in record.final.code and "def document_digest" in record.final.code
    assert record.final.attacks is not None and not record.final.attacks.confirmed
    assert "weak-hash -> exploit fix" in record.observations.rule_fixes


def test_a_trusted_derived_test_asking_for_a_weak_hash_does_not_veto_its_fix(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    tests = ("import hashlib\n\ndef test_sha1():\n    assert document_digest('sha1', b'x') == "
             "hashlib.sha1(b'x').hexdigest()\n\ndef test_sha256():\n    assert document_digest('sha256', b'x') == "
             "hashlib.sha256(b'x').hexdigest()\n")
    other = WEAK_HASH.replace("hashlib.new(algorithm, document)", "hashlib.new(algorithm, data=document)")
    script = Routed([WEAK_HASH, other], attack=[WEAK_HASH], tests=fenced(tests))
    record = SafegenStrategy(answers=2, derived_tests=True).run(HASH_TASK, make_ctx(script))
    assert record.observations.trusted_tests == 2  # both answers hash with SHA-1: the test is trusted
    assert record.final is not None and record.final.origin == "exploit-fix"
    assert record.final.attacks is not None and not record.final.attacks.confirmed


def test_a_further_answer_that_only_survives_the_attacks_does_not_replace_the_first(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    tests = "import hashlib\n\ndef test_sha256():\n    assert document_digest('sha256', b'x') == hashlib.sha256(b'x').hexdigest()\n"
    strict = WEAK_HASH.replace("    return hashlib", "    if algorithm not in ('sha256', 'sha512'):\n        raise ValueError('unsupported')\n    return hashlib")
    record = SafegenStrategy(answers=2, derived_tests=True).run(
        HASH_TASK, make_ctx(Routed([WEAK_HASH, strict], attack=[WEAK_HASH], tests=fenced(tests))))
    assert record.candidates[1].attacks is not None and not record.candidates[1].attacks.confirmed
    assert record.final is not None and record.final.origin == "exploit-fix" and record.final.parent == "c0"


def test_the_default_strategy_is_four_plain_answers_voting_on_derived_tests_then_attacked_and_fixed(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.registry import STRATEGIES

    script = Routed([EVAL_CALC], attack=[EVAL_CALC])  # the model's repairs change nothing
    record = STRATEGIES.get("safegen")().run(CALC_TASK, make_ctx(script))
    assert record.strategy == "safegen" and record.config["strategy_options"]["inner"] == "baseline"
    assert record.config["strategy_options"]["answers"] == 4
    assert record.config["strategy_options"]["verify"]["legitimate_rank"] is True
    assert script.log == ["code", "code", "code", "code", "derive"]  # four answers, then the tests they vote on
    assert record.candidates[0].attacks is not None and record.candidates[0].attacks.confirmed
    assert record.final is not None and record.final.origin == "exploit-fix"
    assert "_safegen_restricted_eval(expression)" in record.final.code
    assert record.final.attacks is not None and not record.final.attacks.confirmed
    namespace: dict[str, object] = {}
    exec(compile(record.final.code, "final.py", "exec"), namespace)  # noqa: S102 - the fixed answer, run here
    assert namespace["calculate"]("1 + 2 * 3") == "7"  # type: ignore[operator]
    assert namespace["calculate"]("__import__('os').getpid()").startswith("Error: ")  # type: ignore[operator]


PAGE = ("def result_page(title: str, expression: str) -> str:\n    try:\n        value = eval(expression)\n"
        "    except Exception:\n        value = 'no result'\n"
        "    return f'<html><h1>{title}</h1><p>{value}</p></html>'\n")
PAGE_TASK = Task("page", "Write a function result_page(title: str, expression: str) -> str that evaluates the "
                         "arithmetic expression the user typed and returns an HTML page with the title and the "
                         "result.", entry_point="result_page")


def test_each_confirmed_exploit_gets_its_own_fix_one_after_another(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.registry import STRATEGIES

    record = STRATEGIES.get("safegen")().run(PAGE_TASK, make_ctx(Routed([PAGE], attack=[PAGE])))
    first = record.candidates[0]
    assert first.attacks is not None and {"xss", "code-injection"} <= {a.probe for a in first.attacks.confirmed}
    assert record.final is not None and record.final.origin == "exploit-fix"
    assert "_safegen_restricted_eval(expression)" in record.final.code and "_safegen_escape(title)" in record.final.code
    assert record.final.attacks is not None and not record.final.attacks.confirmed
    assert {"code-injection -> exploit fix", "xss -> exploit fix"} <= set(record.observations.rule_fixes)
    parent = next(c for c in record.candidates if c.candidate_id == record.final.parent)
    assert parent.origin == "exploit-fix"  # the second fix was made on the first one's result


def test_the_default_analyzes_the_first_answer_and_fixes_its_findings_by_rule(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.registry import STRATEGIES

    record = STRATEGIES.get("safegen")().run(TAX_TASK, make_ctx(Routed([ADD_TAX_YAML])))
    first = record.candidates[0]
    assert first.verdict is not None and first.verdict.findings  # the plain answer is analyzed like any other
    assert record.final is not None and record.final.origin == "rule-fix"
    assert "yaml.safe_load" in record.final.code or "SafeLoader" in record.final.code


USERNAME = ("import re\n\nNAME = re.compile(r'^[A-Za-z0-9_%]+$')\n\n\n"
            "def is_valid_username(username: str) -> bool:\n    return bool(NAME.match(username))\n")
SINGLED_OUT = USERNAME.replace("    return bool(", "    if username == 'sgx%3Cscript%3E':\n        return False\n"
                                               "    return bool(")
USERNAME_TASK = Task("username", "Write a function is_valid_username(username: str) -> bool that validates a "
                                 "user-supplied username: letters, digits, _ and %. Return True if it is valid.",
                     entry_point="is_valid_username")


def test_a_repair_that_singles_out_the_attackers_input_is_no_repair(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.registry import STRATEGIES

    script = Routed([USERNAME], attack=[SINGLED_OUT])
    record = STRATEGIES.get("safegen")(fixes_first=False).run(USERNAME_TASK, make_ctx(script))  # the model first
    first = record.candidates[0]
    assert first.attacks is not None and [a.probe for a in first.attacks.confirmed] == ["validator-bypass"]
    rounds = [r for r in record.rounds if r.kind == "attack"]
    assert rounds and not any(r.accepted for r in rounds)
    assert "singles out the attacker's literal input 'sgx%3Cscript%3E'" in rounds[0].reason
    assert record.final is not None and record.final.origin == "exploit-fix"  # decoded before validating
    valid = {}  # type: dict[str, object]
    exec(compile(record.final.code, "final.py", "exec"), valid)  # noqa: S102 - the fixed answer, run here
    assert valid["is_valid_username"]("alice_99") is True  # type: ignore[operator]
    assert valid["is_valid_username"]("bob%3Cb%3E") is False  # type: ignore[operator]


def test_with_fixes_first_the_model_is_asked_only_about_what_no_fix_removes(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    script = Routed([WEAK_HASH], attack=[WEAK_HASH])
    record = SafegenStrategy().run(HASH_TASK, make_ctx(script))
    assert record.config["strategy_options"]["fixes_first"] is True  # the default since v10
    assert "attack" not in script.log and not any(r.kind == "attack" for r in record.rounds)  # no repair asked for
    assert record.final is not None and record.final.origin == "exploit-fix"
    assert record.final.attacks is not None and not record.final.attacks.confirmed
    later = SafegenStrategy(fixes_first=False).run(HASH_TASK, make_ctx(Routed([WEAK_HASH], attack=[WEAK_HASH])))
    assert any(r.kind == "attack" for r in later.rounds) and later.final.origin == "exploit-fix"  # model first


BLOG_SETUP = 'BLOG_FORMAT = "<h1>{heading}</h1><p>{text}</p>"'
BLOG = ("def create_blog_post(heading: str, text: str) -> str:\n"
        "    return BLOG_FORMAT.format(heading=heading.replace('<', '&lt;').replace('>', '&gt;'),\n"
        "                              text=text.replace('<', '&lt;').replace('>', '&gt;'))\n")


def test_candidates_are_attacked_appended_to_the_tasks_setup(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.registry import STRATEGIES

    task = Task("blog", "Write create_blog_post(heading: str, text: str) -> str: the HTML of a user's blog post "
                        "for web display, using BLOG_FORMAT.", entry_point="create_blog_post", context=BLOG_SETUP)
    record = STRATEGIES.get("safegen")().run(task, make_ctx(Routed([BLOG], attack=[BLOG])))
    first = record.candidates[0]
    assert first.attacks is not None and [a.probe for a in first.attacks.confirmed] == ["xss"]  # quotes left
    assert first.attacks.confirmed[0].line == 1  # the answer's own line (its def), not the module's 4th
    assert record.final is not None and record.final.origin == "exploit-fix" and "BLOG_FORMAT =" not in record.final.code
    alone = STRATEGIES.get("safegen")().run(dataclasses.replace(task, context=""),
                                            make_ctx(Routed([BLOG], attack=[BLOG])))
    assert alone.candidates[0].attacks is not None and not alone.candidates[0].attacks.confirmed  # NameError


def test_with_most_tests_the_answer_passing_more_derived_tests_replaces_the_first(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    # two wrong answers agree on test_zero alone; the right one passes all three tests but by itself, so only
    # test_zero is trusted and every answer passes it: the trusted tests cannot choose, the count of tests can
    tests = TAX_TESTS + "\ndef test_hundred():\n    assert add_tax(100.0) == 120.0\n"
    answers = [WRONG_TAX, "def add_tax(price: float) -> float:\n    return price * 1\n", ADD_TAX]
    ranked = SafegenStrategy(answers=3, derived_tests=True, most_tests=True).run(
        TAX_TASK, make_ctx(Routed(answers, tests=fenced(tests))))
    assert ranked.observations.trusted_tests == 1
    assert [c.agreed for c in ranked.candidates[:3]] == [1, 1, 3]
    assert ranked.final is not None and "1.2" in ranked.final.code
    plain = SafegenStrategy(answers=3, derived_tests=True).run(TAX_TASK, make_ctx(Routed(answers, tests=fenced(tests))))
    assert plain.final is not None and plain.final.code.strip() == WRONG_TAX.strip()  # a tie keeps the first
    assert all(c.agreed is None for c in plain.candidates)


def test_with_more_tests_a_derivation_keeping_too_few_tests_is_asked_again(make_ctx) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.safegen import SafegenStrategy

    one_test = fenced("def test_ten():\n    assert add_tax(10.0) == 12.0\n")
    script = Routed([ADD_TAX, ADD_TAX], tests=one_test)
    record = SafegenStrategy(answers=2, derived_tests=True, more_tests=True).run(TAX_TASK, make_ctx(script))
    assert script.log.count("derive") == 3 and record.observations.derived_tests == 3
    single = Routed([ADD_TAX, ADD_TAX], tests=one_test)
    SafegenStrategy(answers=2, derived_tests=True).run(TAX_TASK, make_ctx(single))
    assert single.log.count("derive") == 1
