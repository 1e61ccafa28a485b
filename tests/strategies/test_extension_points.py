"""New kinds of feedback and new answer clean-ups plug in as small objects, without editing the loop or the stage."""

from __future__ import annotations

from dataclasses import dataclass

from strategy_helpers import Script, fenced
from strategy_snippets import FIXED, PROMPT, VULNERABLE

from safegen.prompts import templates
from safegen.strategies import repair, stages
from safegen.strategies.base import NoOptions
from safegen.strategies.baseline import BaselineStrategy
from safegen.strategies.postprocess import FixImports
from safegen.strategies.state import RunState
from safegen.types import Candidate, Task

TASK = Task(task_id="t", requirement=PROMPT, entry_point="parse_value")


@dataclass(frozen=True)
class ConfirmedAttacks:
    """A made-up source standing for the attack stage: an exploit "succeeds" while the code calls eval."""

    kind: str = "attack"
    repairs_best: bool = False

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        return "An attack succeeded: parse_value('__import__(\"os\")') ran code." if " eval(" in candidate.code else None

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return candidate

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        return repair.judge_kept(state, parent, child) or ("still attackable" if " eval(" in child.code else None)


def test_a_new_feedback_source_drives_the_same_loop(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Script(code=[fenced(VULNERABLE), fenced(FIXED)])
    state, _ = BaselineStrategy().new_state(TASK, make_ctx(script, with_sandbox=False))
    base = templates.generation_messages(TASK.requirement, entry_point=TASK.entry_point)
    first = stages.analyze(state, stages.generate(state, base), tests=False)[0]

    final = repair.repair_loop(state, first, base, ConfirmedAttacks(), max_rounds=3)

    assert [(r.kind, r.accepted) for r in state.rounds] == [("attack", True)]  # nothing left to act on after
    assert "ast.literal_eval" in final.code and final.parent == first.candidate_id
    assert [c.purpose for c in state.calls] == ["generate", "repair-attack"]


@dataclass(frozen=True)
class MarkReviewed:
    """A made-up clean-up standing for a rule's autofix."""

    name: str = "mark_reviewed"

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]:
        return code + f"# reviewed: {entry_point}\n", [f"marked {entry_point}"]


def test_answer_steps_run_in_order_and_their_notes_are_recorded(make_ctx) -> None:  # type: ignore[no-untyped-def]
    state = RunState(TASK, make_ctx(Script(), with_sandbox=False), "custom", NoOptions(),
                     answer_steps=(FixImports(), MarkReviewed()))
    answer = fenced("def parse_value(text: str):\n    return literal_eval(text) if sqrt(4) else None\n")

    code, error = stages.answer_code(state, "c0", answer)

    assert error is None
    assert code.splitlines()[0] == "from math import sqrt" and code.endswith("# reviewed: parse_value\n")
    assert state.errors == ["c0: imports the code used without importing added: from math import sqrt",
                            "c0: marked parse_value"]
