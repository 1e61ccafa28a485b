"""Control flow of the repair loops with a scripted model and the real ensemble and sandbox."""

from __future__ import annotations

import dataclasses

import pytest
from strategy_helpers import SETTINGS, Script, fenced
from strategy_snippets import (
    BROKEN,
    FIXED,
    NEW_SIGNATURE,
    PROMPT,
    SHARE,
    SHARE_BROKEN,
    SHARE_FIXED,
    SHARE_PROMPT,
    VULNERABLE,
    VULNERABLE_TWO,
    WORSE,
)

from safegen.backends.fake import FakeBackend
from safegen.prompts import templates
from safegen.strategies.autosafecoder import AutoSafeCoderStrategy
from safegen.strategies.safegen_static import SafegenStaticStrategy
from safegen.types import RunRecord, Task, VerdictStatus

TASK = Task(task_id="t", requirement=PROMPT, entry_point="parse_value")


def static_rounds(record: RunRecord) -> list:  # type: ignore[type-arg]
    return [r for r in record.rounds if r.kind == "static"]


def test_vulnerable_then_fixed_takes_exactly_one_repair_round(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE)], static=[fenced(FIXED)], fuzz=[fenced(FIXED)])
    ctx = make_ctx(script)
    record = AutoSafeCoderStrategy().run(TASK, ctx)

    rounds = static_rounds(record)
    assert len(rounds) == 1 and rounds[0].accepted
    assert script.count("static") == 1
    assert record.final is not None and record.final.verdict is not None
    assert record.final.verdict.status is VerdictStatus.SECURE
    assert "ast.literal_eval" in record.final.code
    first = record.candidates[0]
    assert first.verdict is not None and first.verdict.status is VerdictStatus.VULNERABLE
    # the repair prompt names the CWE, the line and the mitigation of the eval finding
    prompt = rounds[0].prompt
    assert "CWE-" in prompt and "line 3" in prompt and "Mitigation" in prompt
    assert record.final.tests is not None and record.final.tests.passed
    assert record.final.fuzz is not None and record.final.fuzz.executions > 0
    purposes = {c.purpose for c in record.llm_calls}
    assert {"generate", "repair-static", "fuzz-seeds"} <= purposes
    # every call, also the seed proposal that picks its own budget, stays within the run's max_tokens
    assert all(call.params.max_tokens <= SETTINGS.max_tokens for call in ctx.backend.history)
    assert RunRecord.from_dict(record.to_dict()) == record


def test_model_that_never_fixes_stops_at_the_limit_and_returns_the_best(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE_TWO)], static=[fenced(WORSE), fenced(VULNERABLE_TWO)])
    strategy = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0)
    record = strategy.run(TASK, make_ctx(script, SETTINGS.replace(max_rounds=3)))

    assert len(static_rounds(record)) == 3
    assert script.count("static") == 3
    assert not any(r.accepted for r in record.rounds)
    assert record.final is not None and record.final.candidate_id == record.candidates[0].candidate_id
    reasons = [r.reason for r in record.rounds]
    assert "more or worse findings" in reasons[0]
    # repeated prompts after a rejection are sampled (temperature > 0) to get a different answer
    assert script.log.count("static") == 3


def test_never_worse_final_is_the_best_seen(make_ctx) -> None:  # type: ignore[no-untyped-def]
    # two findings -> worse (rejected) -> one finding (accepted) -> worse again (rejected) -> ...
    script = Script(code=[fenced(VULNERABLE_TWO)],
                    static=[fenced(WORSE), fenced(VULNERABLE), fenced(WORSE), fenced(VULNERABLE_TWO)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    assert record.final is not None and record.final.verdict is not None
    analyzed = [c for c in record.candidates if c.verdict is not None]
    best_key = min(c.verdict.rank_key() for c in analyzed if c.verdict is not None)
    assert record.final.verdict.rank_key() == best_key
    assert record.final.verdict.rank_key() < record.candidates[0].verdict.rank_key()  # type: ignore[union-attr]
    assert record.final.code.strip() == VULNERABLE.strip()
    assert [r.accepted for r in record.rounds] == [False, True, False, False]


def test_repair_that_breaks_the_doctests_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE)], static=[fenced(BROKEN), fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    first, second = static_rounds(record)[:2]
    assert not first.accepted and "visible tests" in first.reason
    broken = next(c for c in record.candidates if c.candidate_id == first.output_candidate)
    assert broken.tests is not None and not broken.tests.passed
    assert broken.verdict is not None and broken.verdict.is_secure  # secure, yet rejected
    assert second.accepted
    assert record.final is not None and "ast.literal_eval" in record.final.code


def test_repair_that_breaks_user_tests_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    tests = "def test_list():\n    assert parse_value('[1, 2]') == [1, 2]\n"
    prose = Task(task_id="u", requirement="Write parse_value(text) that parses a Python literal.",
                 entry_point="parse_value", tests=tests)
    script = Script(code=[fenced(VULNERABLE)], static=[fenced(BROKEN)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(
        prose, make_ctx(script, SETTINGS.replace(max_rounds=1)))

    assert [r.accepted for r in record.rounds] == [False]
    assert "visible tests" in record.rounds[0].reason
    assert record.final is not None and record.final.code.strip() == VULNERABLE.strip()
    assert record.final.tests is not None and record.final.tests.passed


def test_repair_that_changes_the_signature_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE)], static=[fenced(NEW_SIGNATURE), fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    first = static_rounds(record)[0]
    assert not first.accepted and "signature" in first.reason
    assert record.final is not None and "strict" not in record.final.code


def test_a_parent_that_already_lost_the_signature_may_be_repaired(make_ctx) -> None:  # type: ignore[no-untyped-def]
    renamed = VULNERABLE.replace("(text: str)", "(data)").replace("(text)", "(data)")
    fixed_renamed = FIXED.replace("(text: str)", "(data)").replace("(text)", "(data)")
    assert "(data)" in renamed and "(data)" in fixed_renamed
    script = Script(code=[fenced(renamed)], static=[fenced(fixed_renamed)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    first = static_rounds(record)[0]
    assert first.accepted, first.reason  # not worse than its parent, which had lost `text` already
    assert "The task asks for `parse_value(text)`" in first.prompt  # the repair is asked to bring it back
    assert record.final is not None and record.final.verdict is not None
    assert record.final.verdict.status is VerdictStatus.SECURE


def test_garbage_output_is_recorded_not_fatal(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=["I'm sorry, I cannot help with that."],
                    static=[fenced(FIXED)])
    record = AutoSafeCoderStrategy().run(TASK, make_ctx(script))
    assert record.final is None
    assert len(record.candidates) == 1 and record.candidates[0].error
    assert record.errors

    # garbage in a repair answer: recorded on the candidate, the loop carries on
    script = Script(code=[fenced(VULNERABLE)], static=["no code here, sorry", fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    first, second = static_rounds(record)[:2]
    assert not first.accepted and "no code" in first.reason
    assert second.accepted
    garbage = next(c for c in record.candidates if c.candidate_id == first.output_candidate)
    assert garbage.code == "" and garbage.error


@pytest.mark.parametrize("rounds", [0])
def test_zero_rounds_means_no_repair(make_ctx, rounds: int) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE)])
    record = AutoSafeCoderStrategy().run(TASK, make_ctx(script, SETTINGS.replace(max_rounds=rounds)))
    assert record.rounds == ()
    assert script.count("static") == 0
    assert record.final is not None and record.final.verdict is not None
    assert record.final.verdict.status is VerdictStatus.VULNERABLE


def test_a_cut_off_answer_says_why_it_has_no_code(make_ctx) -> None:  # type: ignore[no-untyped-def]
    class CutOff(FakeBackend):
        """Every answer ends at the token limit, as when a model copies a long input on and on."""

        def complete(self, messages, params):  # type: ignore[no-untyped-def]
            return [dataclasses.replace(c, finish_reason="length") for c in super().complete(messages, params)]

    script = Script(code=["```python\nimport os\n\ndef parse_value(text):\n    return [1.5, 2.5, 1.5, 2.5, 1.5, 2.5"])
    ctx = make_ctx(script)
    ctx = dataclasses.replace(ctx, backend=CutOff([script], repeat_last=True))
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, ctx)
    assert record.final is None and record.candidates
    assert all(c.code == "" and (c.error or "").endswith("(the answer was cut off at the token limit)")
               for c in record.candidates)


def test_imports_only_answer_is_no_code_and_safegen_retries_without_imports(make_ctx) -> None:  # type: ignore[no-untyped-def]
    imports_only = fenced("import ast\nimport ast\nfrom xml.dom.minidom import parseString\n")
    script = Script(imports=[fenced("import ast\nfrom ast import literal_eval")], code=[imports_only, fenced(FIXED)])
    ctx = make_ctx(script)
    record = SafegenStaticStrategy(fuzz_rounds=0).run(TASK, ctx)
    first, second = record.candidates[:2]
    assert first.code == "" and "no code beyond import" in (first.error or "")
    assert first.answer is not None and "parseString" in first.answer  # the answer without code is kept
    assert second.origin == "resample" and "import ast" not in ctx.backend.history[2].messages[-1].content
    assert ctx.backend.history[2].params.temperature > 0  # sampled, not the same greedy loop again
    assert record.final is not None and record.final.candidate_id == second.candidate_id
    assert record.final.answer is None
    assert record.observations.imports == ("import ast",)


def test_safegen_resamples_once_when_the_answer_holds_no_code(make_ctx) -> None:  # type: ignore[no-untyped-def]
    looping = "import os\n" * 50  # what a small model stuck in a loop writes
    script = Script(code=[looping, fenced(FIXED)])
    ctx = make_ctx(script)
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, ctx)
    assert [c.origin for c in record.candidates[:2]] == ["sample", "resample"]
    assert record.final is not None and "ast.literal_eval" in record.final.code
    assert script.count("code") == 2
    never = Script(code=[looping])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, plain_fallback=False).run(TASK, make_ctx(never))
    assert never.count("code") == 2 and record.final is None  # one resample, then a clear "no code"


def test_a_stub_of_the_function_is_no_code_and_a_repair_to_a_stub_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    """HumanEval/129 (a continued def that held only imports) and SecurityEval CWE-095_author_1 (a static repair
    that returned the bare stub, accepted because eval was gone) under v5."""
    stub = 'def parse_value(text: str):\n    """Parse a Python literal such as a list or a number."""\n    import os\n'
    script = Script(code=[fenced(stub), fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    first = record.candidates[0]
    assert first.code == "" and "leaves `parse_value` unimplemented" in (first.error or "")
    assert record.final is not None and "ast.literal_eval" in record.final.code

    emptied = Script(code=[fenced(VULNERABLE)], static=[fenced(stub.replace("import os", "pass"))])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, static_rounds=1).run(TASK, make_ctx(emptied))
    assert [r.accepted for r in static_rounds(record)] == [False]
    assert record.final is not None and "eval(text)" in record.final.code  # never a stub passed off as secure


def test_no_code_under_the_security_prompt_brings_one_plain_answer(make_ctx) -> None:  # type: ignore[no-untyped-def]
    # seen on HumanEval/33: both answers to the security prompt were long lists of security imports
    looping = fenced("import secrets\nimport hashlib\nfrom defusedxml import minidom\n" * 8)
    script = Script(code=[looping], plain=[fenced(BROKEN)], tests=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    assert [c.origin for c in record.candidates[:3]] == ["sample", "resample", "plain"]
    assert script.count("plain") == 1  # not asked again when its answer then fails the examples
    assert record.final is not None and "ast.literal_eval" in record.final.code  # repaired like any answer
    assert record.final.tests is not None and record.final.tests.passed

    never = Script(code=[looping], plain=[looping])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(never))
    assert never.log == ["code", "code", "plain"] and record.final is None


def test_safegen_repairs_imports_of_missing_modules(make_ctx) -> None:  # type: ignore[no-untyped-def]
    broken_imports = FIXED.replace("import ast\n", "import ast.literal_eval\nimport NamedTemporaryFile\n")
    script = Script(code=[fenced(broken_imports)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    assert record.final is not None and record.final.code.startswith("import ast\n\n")
    assert "NamedTemporaryFile" not in record.final.code
    assert record.final.tests is not None and record.final.tests.passed
    assert any("imports of missing modules fixed" in note for note in record.errors)
    # the published methods keep the model's imports as they are
    record = AutoSafeCoderStrategy().run(TASK, make_ctx(Script(code=[fenced(broken_imports)]),
                                                        SETTINGS.replace(max_rounds=0)))
    assert record.final is not None and "import ast.literal_eval" in record.final.code
    assert record.final.tests is not None and not record.final.tests.passed


def test_no_seed_request_for_code_that_cannot_import_in_the_sandbox(make_ctx) -> None:  # type: ignore[no-untyped-def]
    unimportable = FIXED + "\n\nimport no_such_module_xyz\n\nLIMIT = no_such_module_xyz.LIMIT\n"
    script = Script(code=[fenced(unimportable)], fuzz=[fenced(unimportable)], tests=[fenced(unimportable)])
    record = SafegenStaticStrategy(imports_step=False).run(TASK, make_ctx(script))

    assert "fuzz-seeds" not in {c.purpose for c in record.llm_calls}
    assert script.count("other") == 0
    assert record.final is not None and record.final.fuzz is not None
    assert any("cannot be imported" in e for e in record.final.fuzz.errors)


def test_failing_examples_are_fed_back_with_the_actual_values(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(BROKEN)], tests=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    rounds = [r for r in record.rounds if r.kind == "tests"]
    assert len(rounds) == 1 and rounds[0].accepted and script.count("tests") == 1
    # the prompt shows each failing example with what was expected and what the code returned
    assert 'parse_value("[1, 2]")' in rounds[0].prompt or "parse_value('[1, 2]')" in rounds[0].prompt
    assert "expected: [1, 2]" in rounds[0].prompt and "got: '[1, 2]'" in rounds[0].prompt
    assert record.final is not None and record.final.tests is not None and record.final.tests.passed
    assert "ast.literal_eval" in record.final.code


def test_a_tests_repair_that_adds_a_weakness_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    # VULNERABLE passes the examples with eval(): fixing behaviour must not cost security
    script = Script(code=[fenced(BROKEN)], tests=[fenced(VULNERABLE), fenced(BROKEN)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))

    rounds = [r for r in record.rounds if r.kind == "tests"]
    assert rounds and not rounds[0].accepted and "worse findings" in rounds[0].reason
    assert record.final is not None and "eval(" not in record.final.code
    assert SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, tests_rounds=0).run(
        TASK, make_ctx(Script(code=[fenced(BROKEN)]))).rounds == ()


def test_safegen_drops_imports_the_code_never_uses(make_ctx) -> None:  # type: ignore[no-untyped-def]
    boilerplate = "import pickle\nfrom xml.etree import ElementTree as ET\nimport secrets\n" + FIXED
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(Script(code=[fenced(boilerplate)])))
    assert record.final is not None and record.final.code == FIXED
    assert record.config["strategy_options"]["prune_imports"] is True
    kept = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, prune_imports=False).run(
        TASK, make_ctx(Script(code=[fenced(boilerplate)])))
    assert kept.final is not None and kept.final.code.startswith("import pickle\n")


def test_examples_still_failing_bring_a_plain_prompt_answer_that_wins(make_ctx) -> None:  # type: ignore[no-untyped-def]
    # the security prompt's answer is clean but wrong and its repair changes nothing; the plain prompt's works
    script = Script(code=[fenced(BROKEN)], tests=[fenced(BROKEN)], plain=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    assert script.count("plain") == 1
    assert record.final is not None and record.final.origin == "plain" and "ast.literal_eval" in record.final.code
    assert record.final.tests is not None and record.final.tests.passed

    off = Script(code=[fenced(BROKEN)], tests=[fenced(BROKEN)], plain=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, plain_fallback=False).run(TASK, make_ctx(off))
    assert off.count("plain") == 0 and record.final is not None and record.final.origin != "plain"


def test_a_plain_answer_is_repaired_and_never_beats_cleaner_code(make_ctx) -> None:  # type: ignore[no-untyped-def]
    # the plain answer works with eval(): its findings go back first; repaired, it wins
    script = Script(code=[fenced(BROKEN)], tests=[fenced(BROKEN)], plain=[fenced(VULNERABLE)], static=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script))
    assert script.count("plain") == 1 and script.count("static") == 1
    assert record.final is not None and "ast.literal_eval" in record.final.code
    assert record.final.verdict is not None and record.final.verdict.is_secure

    # left vulnerable, it loses to the clean (if wrong) answer: security comes before the examples
    stuck = Script(code=[fenced(BROKEN)], tests=[fenced(BROKEN)], plain=[fenced(VULNERABLE)],
                   static=[fenced(VULNERABLE)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(stuck))
    assert record.final is not None and "eval(" not in record.final.code and record.final.origin != "plain"


def test_safegen_opens_the_answer_with_the_imports_and_the_prompt(ensemble, sandbox) -> None:  # type: ignore[no-untyped-def]
    from safegen.strategies.interface import StrategyContext

    body = "    return ast.literal_eval(text)\n```\n"  # the model continues after the docstring
    script = Script(imports=[fenced("import ast\nimport re")], code=[body])

    def run(**flags: bool) -> tuple[RunRecord, FakeBackend]:
        backend = FakeBackend([script], repeat_last=True, continues_answers=True)
        ctx = StrategyContext(backend=backend, settings=SETTINGS, analyzer=ensemble, sandbox=sandbox)
        return SafegenStaticStrategy(fuzz_rounds=0, **flags).run(TASK, ctx), backend

    record, backend = run()
    prefix = backend.history[1].params.prefix
    assert prefix == "```python\nimport ast\n" + PROMPT.rstrip() + "\n"  # only the security module is kept
    assert record.final is not None and record.final.code.startswith("import ast\n")
    assert "return ast.literal_eval(text)" in record.final.code and record.final.code.count("def parse_value") == 1
    assert record.final.tests is not None and record.final.tests.passed
    assert record.config["strategy_options"]["prefill"] is True

    script.queues["code"].append(fenced(FIXED))
    script.queues["code"].popleft()
    record, backend = run(prefill=False)
    assert all(call.params.prefix == "" for call in backend.history)
    assert record.final is not None and "ast.literal_eval" in record.final.code


def test_the_imports_step_keeps_only_security_modules(make_ctx) -> None:  # type: ignore[no-untyped-def]
    reply = fenced("import re\nimport math\nimport secrets\nimport random\nfrom defusedxml import ElementTree\n")
    script = Script(imports=[reply], code=[fenced(FIXED)])
    record = SafegenStaticStrategy(fuzz_rounds=0).run(TASK, make_ctx(script))
    assert record.observations.imports == ("import secrets", "import defusedxml")


def test_working_code_outranks_a_better_learned_score(make_ctx) -> None:  # type: ignore[no-untyped-def]
    class Scorer:
        """Rates the wrong answer as the less vulnerable-looking one."""

        def score(self, code: str) -> float:
            return 0.1 if "return text" in code else 0.9

    script = Script(code=[fenced(BROKEN)], tests=[fenced(BROKEN)], plain=[fenced(FIXED)])
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(script, scorer=Scorer()))
    scores = {c.origin: c.score for c in record.candidates}
    assert scores["sample"] == 0.1 and scores["plain"] == 0.9
    assert record.final is not None and record.final.origin == "plain"


SUM_TASK = Task(task_id="sum", requirement='def add(a: int, b: int) -> int:\n    """Return a + b."""\n',
                entry_point="add")
SUM_EVAL = "def add(a: int, b: int) -> int:\n    return eval(str(a) + '+' + str(b))\n"  # bandit B307
SUM_FIXED = "def add(a: int, b: int) -> int:\n    return a + b\n"


def test_pure_computation_gets_the_plain_prompt_and_is_still_repaired(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(SUM_EVAL)], static=[fenced(SUM_FIXED)])
    ctx = make_ctx(script)
    record = SafegenStaticStrategy(fuzz_rounds=0).run(SUM_TASK, ctx)
    assert script.count("imports") == 0  # no imports step for a task that touches no security topic
    assert ctx.backend.history[0].messages[0].content == templates.SYSTEM_PLAIN
    assert record.observations.security_topics == ()
    assert "security_topics" not in record.config["strategy_options"]  # observed, not configured
    assert [(r.kind, r.accepted) for r in static_rounds(record)] == [("static", True)]  # the analyzers still run
    assert record.final is not None and "eval" not in record.final.code


def test_without_the_topic_gate_every_task_gets_the_security_prompt(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(imports=[fenced("import ast")], code=[fenced(SUM_FIXED)])
    ctx = make_ctx(script)
    record = SafegenStaticStrategy(fuzz_rounds=0, topic_gate=False).run(SUM_TASK, ctx)
    assert script.count("imports") == 1
    assert ctx.backend.history[1].messages[0].content == templates.SYSTEM_SECURE
    assert record.final is not None and record.final.code.strip().endswith("return a + b")


def test_a_fuzz_repair_that_fails_where_its_parent_worked_is_rejected(make_ctx) -> None:  # type: ignore[no-untyped-def]
    """Fewer distinct defects is not enough: the broken repair has one (NameError on every call), its parent two."""
    task = Task(task_id="share", requirement=SHARE_PROMPT, entry_point="share")
    seeds = "[[10, [1, 2, 5], 1], [7, [3, 0], 1], [9, [4], 0]]"  # a typical call, a zero part, a zero index
    script = Script(code=[fenced(SHARE)], fuzz=[fenced(SHARE_BROKEN), fenced(SHARE_FIXED)], other=[seeds])
    record = SafegenStaticStrategy(imports_step=False, tests_rounds=0, fuzz_rounds=2).run(task, make_ctx(script))

    first = record.candidates[0]
    assert first.fuzz is not None and len(first.fuzz.defects) >= 2
    fuzz_rounds = [r for r in record.rounds if r.kind == "fuzz"]
    assert [r.accepted for r in fuzz_rounds] == [False, True]
    broken = next(c for c in record.candidates if c.candidate_id == fuzz_rounds[0].output_candidate)
    assert broken.fuzz is not None and len(broken.fuzz.defects) < len(first.fuzz.defects)
    assert "NameError" in fuzz_rounds[0].reason and "which its parent handled" in fuzz_rounds[0].reason
    assert record.final is not None and record.final.code.strip() == SHARE_FIXED.strip()
    assert record.final.fuzz is not None and not record.final.fuzz.defects


def test_safegen_drops_the_demo_the_model_appends(make_ctx) -> None:  # type: ignore[no-untyped-def]
    demo = FIXED + "\n\ndef check():\n    assert parse_value('7') == 7\n\n\ncheck()\nprint(parse_value('[1]'))\n"
    record = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0).run(TASK, make_ctx(Script(code=[fenced(demo)])))
    assert record.final is not None and record.final.code == FIXED
    assert record.config["strategy_options"]["drop_self_tests"] is True
    kept = SafegenStaticStrategy(imports_step=False, fuzz_rounds=0, drop_self_tests=False).run(
        TASK, make_ctx(Script(code=[fenced(demo)])))
    assert kept.final is not None and kept.final.code.rstrip().endswith("print(parse_value('[1]'))")
