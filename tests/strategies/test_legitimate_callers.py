"""With the legitimate_callers flag an answer that refuses the project's owner as it refuses an outsider gets a
repair round, kept only if it lets the owner in and no outsider; if it still refuses, fresh answers are drawn and
ranked (one that refuses or lets the outsider in ranks below one that does neither). With legitimate_rank only the
ranking applies: several answers are ranked so, with no repair round and no fresh answer.
The model is scripted (control flow); the analyzers, the attacks and the sandbox are real."""

from __future__ import annotations

from collections.abc import Sequence

from strategy_helpers import fenced

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.strategies.safegen import SafegenStrategy
from safegen.types import Task

SETUP = ('USERS = {\n    1: {"user_id": 1, "role": "admin"},\n    2: {"user_id": 2, "role": "user"},\n'
         '    3: {"user_id": 3, "role": "user"},\n    4: {"user_id": 4, "role": "user"},\n}\n\n'
         'PROJECTS = {\n    101: {"owner_id": 2, "members": [2, 3]},\n    102: {"owner_id": 3, "members": [3, 4]},\n}\n')
TASK = Task("members", "Write a function manage_members(acting_user_id: int, project_id: int, action: str, member_id: "
                       "int) -> bool so that project owners can add or remove members of their projects, and admins "
                       "can manage any project. Return True when the change was made, False otherwise.",
            entry_point="manage_members", context=SETUP)
BODY = '''    members = PROJECTS[project_id]["members"]
    if action == "add" and member_id not in members:
        members.append(member_id)
        return True
    if action == "remove" and member_id in members:
        members.remove(member_id)
        return True
    return False
'''
HEAD = "def manage_members(acting_user_id: int, project_id: int, action: str, member_id: int) -> bool:\n"
ADMINS_ONLY = HEAD + '    if USERS.get(acting_user_id, {}).get("role") != "admin":\n        return False\n' + BODY
OWNERS_TOO = HEAD + ('    if USERS.get(acting_user_id, {}).get("role") != "admin" and '
                     'PROJECTS[project_id]["owner_id"] != acting_user_id:\n        return False\n') + BODY
ANYONE = HEAD + BODY


class Routed:
    """The first answer, then the legitimate-caller repairs in turn and the fresh answers in turn (each list's
    last repeats)."""

    def __init__(self, first: str, repairs: Sequence[str], fresh: Sequence[str] = ()) -> None:
        self.first, self.repairs, self.fresh, self.log = first, list(repairs), list(fresh), []  # type: list[str]

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        if messages[-1].content.startswith("Running your code in a sandbox showed that it refuses legitimate"):
            self.log.append("legitimate")
            return fenced(self.repairs.pop(0) if len(self.repairs) > 1 else self.repairs[0])
        if messages[-1].role == "user" and "code" in self.log and self.fresh:  # the same prompt again: a fresh answer
            self.log.append("fresh")
            return fenced(self.fresh.pop(0) if len(self.fresh) > 1 else self.fresh[0])
        self.log.append("code")
        return fenced(self.first)


def _run(make_ctx, script: Routed, **flags: object):  # type: ignore[no-untyped-def]
    """One answer and no ranking flag unless a test names them (the default asks for four answers)."""
    options: dict[str, object] = {"answers": 1, "derived_tests": False, "legitimate_rank": False, **flags}
    return SafegenStrategy(rule_fixes=False, **options).run(TASK, make_ctx(script))  # type: ignore[arg-type]


def test_an_owner_refused_is_repaired_and_no_fresh_answer_is_drawn(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed(ADMINS_ONLY, [OWNERS_TOO], [ANYONE])
    record = _run(make_ctx, script, legitimate_callers=True)
    rounds = [r for r in record.rounds if r.kind == "legitimate"]
    assert len(rounds) == 1 and rounds[0].accepted
    assert "`manage_members(2, 101, 'add', 4)` returns False, the same as `manage_members(424242, 101, 'add', 4)`" \
        in rounds[0].prompt
    assert "fresh" not in script.log
    assert record.final is not None and record.final.code.strip() == OWNERS_TOO.strip()


def test_a_repair_letting_everyone_in_is_rejected_and_fresh_answers_are_ranked(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed(ADMINS_ONLY, [ANYONE], [ANYONE, OWNERS_TOO, ADMINS_ONLY])
    record = _run(make_ctx, script, legitimate_callers=True)
    rounds = [r for r in record.rounds if r.kind == "legitimate"]
    assert len(rounds) == 1 and not rounds[0].accepted  # everyone gets in now, the outsider twin included
    assert rounds[0].reason == "more confirmed exploits than its parent"  # the missing-authorization probe
    assert script.log.count("fresh") == 4  # RESAMPLES fresh answers, all attacked and ranked
    assert record.final is not None and record.final.code.strip() == OWNERS_TOO.strip()
    assert sum(c.origin == "resample-legitimate" for c in record.candidates) == 4


def test_without_the_flag_and_for_a_correct_answer_no_round_is_asked(make_ctx) -> None:  # type: ignore[no-untyped-def]
    plain = Routed(ADMINS_ONLY, [OWNERS_TOO], [OWNERS_TOO])
    record = _run(make_ctx, plain)
    assert plain.log == ["code"] and record.final is not None
    assert record.final.code.strip() == ADMINS_ONLY.strip()
    correct = Routed(OWNERS_TOO, [ANYONE], [ANYONE])
    record = _run(make_ctx, correct, legitimate_callers=True)
    assert correct.log == ["code"] and record.final is not None
    assert record.final.code.strip() == OWNERS_TOO.strip()


def test_legitimate_rank_prefers_the_answer_letting_the_owner_in_without_a_repair(make_ctx) -> None:  # type: ignore[no-untyped-def]
    plain = Routed(ADMINS_ONLY, [OWNERS_TOO], [OWNERS_TOO])
    record = _run(make_ctx, plain, answers=2)  # without the flag the tie keeps the first answer
    assert plain.log == ["code", "fresh"] and record.final is not None
    assert record.final.code.strip() == ADMINS_ONLY.strip()
    ranked = Routed(ADMINS_ONLY, [OWNERS_TOO], [OWNERS_TOO])
    record = _run(make_ctx, ranked, answers=2, legitimate_rank=True)
    assert ranked.log == ["code", "fresh"] and not [r for r in record.rounds if r.kind == "legitimate"]
    assert record.final is not None and record.final.code.strip() == OWNERS_TOO.strip()
    letting_in = Routed(ADMINS_ONLY, [OWNERS_TOO], [ANYONE])  # the other answer lets the outsider twin in: no better
    record = _run(make_ctx, letting_in, answers=2, legitimate_rank=True)
    assert letting_in.log == ["code", "fresh"] and record.final is not None
    assert record.final.code.strip() == ADMINS_ONLY.strip()
