"""Each strategy's own flow with a scripted model and the real ensemble and sandbox."""

from __future__ import annotations

from strategy_helpers import SETTINGS, Script, fenced
from strategy_snippets import FIXED, PROMPT, PROSE, VULNERABLE, VULNERABLE_TWO

from safegen.prompts import templates
from safegen.strategies.baseline import BaselineStrategy
from safegen.strategies.franc import FrancStrategy
from safegen.strategies.hexacoder import HexaCoderStrategy
from safegen.strategies.prompted import PromptedStrategy
from safegen.strategies.securecoder import SecureCoderStrategy
from safegen.types import Task, VerdictStatus

TASK = Task(task_id="t", requirement=PROMPT, entry_point="parse_value")


def test_baseline_is_one_plain_sample_with_a_reported_verdict(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE)])
    ctx = make_ctx(script)
    record = BaselineStrategy().run(TASK, ctx)
    assert script.log == ["code"]
    assert ctx.backend.history[0].messages[0].content == templates.SYSTEM_PLAIN
    assert record.rounds == () and len(record.candidates) == 1
    assert record.final is not None and record.final.verdict is not None
    assert record.final.verdict.status is VerdictStatus.VULNERABLE


def test_prompted_uses_the_security_prompt(make_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx(Script(code=[fenced(FIXED)]))
    record = PromptedStrategy().run(TASK, ctx)
    assert "Write secure code" in ctx.backend.history[0].messages[0].content
    assert record.final is not None and record.final.verdict is not None and record.final.verdict.is_secure


def test_franc_returns_the_first_sample_that_passes(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE), fenced(FIXED), fenced(FIXED.replace("text)", "text.strip())"))])
    ctx = make_ctx(script)
    record = FrancStrategy().run(TASK, ctx)
    assert script.log == ["code"] * 3
    assert [call.params.seed for call in ctx.backend.history] == [0, 1, 2]
    assert all(call.params.temperature > 0 for call in ctx.backend.history)
    assert record.final is not None and record.final.candidate_id == "c1"
    assert record.rounds == ()


def test_franc_reprompts_once_when_no_sample_passes(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE_TWO), fenced(VULNERABLE)], static=[fenced(FIXED)])
    record = FrancStrategy().run(TASK, make_ctx(script, SETTINGS.replace(samples=2)))
    assert script.log == ["code", "code", "static"]
    assert len(record.rounds) == 1 and record.rounds[0].input_candidate == "c1"  # the better sample is repaired
    assert record.final is not None and record.final.verdict is not None and record.final.verdict.is_secure


class LengthScorer:
    """A stand-in learned scorer for control flow: longer code scores as more vulnerable."""

    def score(self, code: str) -> float:
        return min(1.0, len(code) / 1000)


def test_securecoder_ranks_by_verdict_then_score_and_refines_vulnerable_ones(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE_TWO), fenced(VULNERABLE)],
                    static=[fenced(FIXED)])
    record = SecureCoderStrategy().run(TASK, make_ctx(script, SETTINGS.replace(samples=2), scorer=LengthScorer()))
    assert script.log == ["code", "code", "static", "static"]  # both vulnerable samples refined once
    assert {r.input_candidate for r in record.rounds} == {"c0", "c1"}
    assert all(c.score is not None for c in record.candidates if c.code)
    assert record.final is not None and record.final.verdict is not None and record.final.verdict.is_secure


def test_securecoder_prefers_lower_learned_score_among_equal_verdicts(make_ctx) -> None:  # type: ignore[no-untyped-def]
    padded = FIXED + "\n\n# " + "x" * 400 + "\n"
    script = Script(code=[fenced(padded), fenced(FIXED)])
    record = SecureCoderStrategy().run(TASK, make_ctx(script, SETTINGS.replace(samples=2), scorer=LengthScorer()))
    assert script.log == ["code", "code"]  # a secure sample exists: nothing to refine
    assert record.final is not None and record.final.candidate_id == "c1"


def test_hexacoder_fixes_the_chosen_imports_at_the_top(make_ctx) -> None:  # type: ignore[no-untyped-def]
    prose = Task(task_id="p", requirement=PROSE)
    # the model uses subprocess without importing it; secrets was chosen but is not used
    code = ("import shlex\n\n\ndef run_command(cmd):\n"
            "    return subprocess.run(shlex.split(cmd), capture_output=True, check=False).stdout\n")
    imports = "import subprocess\nimport shlex\nimport secrets\nimport not_a_real_module_xyz\nimport os.not_a_module"
    script = Script(imports=[fenced(imports)],
                    code=[fenced(code)])
    ctx = make_ctx(script)
    record = HexaCoderStrategy().run(prose, ctx)
    assert script.log == ["imports", "code"]
    step2 = ctx.backend.history[1].messages[-1].content
    assert "import subprocess" in step2 and "not_a_real_module_xyz" not in step2
    assert record.observations.imports == ("import subprocess", "import shlex", "import secrets")
    assert record.final is not None
    lines = record.final.code.splitlines()
    assert lines[0] == "import subprocess" and lines.count("import shlex") == 1
    assert "import secrets" not in lines
    assert record.config["entry_point"] == "run_command"


def test_securecoder_score_orders_refinement_but_never_beats_fewer_findings(make_ctx) -> None:  # type: ignore[no-untyped-def]
    padded = VULNERABLE + "\n\n# " + "x" * 600 + "\n"  # one finding, but a high learned score
    script = Script(code=[fenced(VULNERABLE_TWO), fenced(padded)], static=["no code, sorry"])
    record = SecureCoderStrategy().run(TASK, make_ctx(script, SETTINGS.replace(samples=2), scorer=LengthScorer()))
    assert [r.input_candidate for r in record.rounds] == ["c0", "c1"]  # lower score ranked (and refined) first
    assert record.final is not None and record.final.candidate_id == "c1"  # fewer findings wins the final choice
