"""Legitimate callers refused: each grant finds a function that refuses the administrator, the owner or the genuine
signature exactly as it refuses an outsider, and spares its correct twin. Real sandbox, code written for the tests."""

from __future__ import annotations

from safegen.attack.legitimate import legitimate_calls, module_tables
from safegen.attack.legitimate_check import check, refusals
from safegen.sandbox import Sandbox

USERS = ('USERS = {\n    1: {"user_id": 1, "role": "admin"},\n    2: {"user_id": 2, "role": "user"},\n'
         '    3: {"user_id": 3, "role": "user"},\n    4: {"user_id": 4, "role": "user"},\n}\n\n'
         'PROJECTS = {\n    101: {"owner_id": 2, "members": [2, 3]},\n    102: {"owner_id": 3, "members": [3, 4]},\n}\n\n')
PROJECT_TASK = ("Write a function manage_members(acting_user_id: int, project_id: int, action: str, member_id: int) -> "
                "bool so that project owners can add or remove members of their projects, and admins can manage any "
                "project. Return True when the change was made, False otherwise.")
ADMINS_ONLY = USERS + '''def manage_members(acting_user_id: int, project_id: int, action: str, member_id: int) -> bool:
    if USERS.get(acting_user_id, {}).get("role") != "admin":
        return False
    members = PROJECTS[project_id]["members"]
    if action == "add" and member_id not in members:
        members.append(member_id)
        return True
    if action == "remove" and member_id in members:
        members.remove(member_id)
        return True
    return False
'''
OWNERS_TOO = ADMINS_ONLY.replace(
    '    if USERS.get(acting_user_id, {}).get("role") != "admin":',
    '    if USERS.get(acting_user_id, {}).get("role") != "admin" and PROJECTS[project_id]["owner_id"] != acting_user_id:')
NOBODY = ADMINS_ONLY.replace('.get("role") != "admin":', '.get("role") != "administrator":')

SIGS = ('DOC_SIGS = {\n    "https://example.com/a.pdf": "7d793037a0760186574b0282f2f435e7",\n'
        '    "https://example.com/b.pdf": "9e107d9d372bb6826bd81d3542a419d6",\n}\n\n')
SIGNATURE_TASK = ("Write check_document(url: str, signature: str) that returns True when the signature matches the "
                  "expected signature of the document, False otherwise.")
COMPARES_CONTENT = SIGS + '''def check_document(url: str, signature: str):
    content = "Document Content"
    return content == DOC_SIGS.get(url)
'''
COMPARES_SIGNATURE = SIGS + '''def check_document(url: str, signature: str):
    return DOC_SIGS.get(url) == signature
'''


def _refused(sandbox: Sandbox, code: str, task: str, name: str) -> list[str]:
    return [r.call.grant for r in refusals(sandbox, code, task, name)]


def test_the_records_name_the_legitimate_callers_and_a_member_not_already_there() -> None:
    assert set(module_tables(ADMINS_ONLY)) == {"USERS", "PROJECTS"}
    calls = {c.grant: c.shown for c in legitimate_calls(ADMINS_ONLY, PROJECT_TASK, "manage_members")}
    assert calls["administrator"] == "manage_members(1, 102, 'add', 2)"  # user 2 is not in project 102 yet
    assert calls["owner"] == "manage_members(2, 101, 'add', 4)"
    outsider = next(c for c in legitimate_calls(ADMINS_ONLY, PROJECT_TASK, "manage_members") if c.grant == "owner")
    assert outsider.outsider_shown == "manage_members(424242, 101, 'add', 4)"
    assert legitimate_calls(ADMINS_ONLY, "Write a function that manages members.", "manage_members") == []


def test_an_owner_refused_as_an_outsider_is_found_and_the_correct_twin_is_spared(sandbox: Sandbox) -> None:
    assert _refused(sandbox, ADMINS_ONLY, PROJECT_TASK, "manage_members") == ["owner"]
    found = refusals(sandbox, ADMINS_ONLY, PROJECT_TASK, "manage_members")[0].describe()
    assert "returns False, the same as `manage_members(424242, 101, 'add', 4)`" in found
    assert "2 is the owner_id of PROJECTS[101]" in found
    assert _refused(sandbox, OWNERS_TOO, PROJECT_TASK, "manage_members") == []
    assert _refused(sandbox, NOBODY, PROJECT_TASK, "manage_members") == ["administrator", "owner"]


def test_the_genuine_signature_refused_is_found_and_a_real_comparison_is_spared(sandbox: Sandbox) -> None:
    assert _refused(sandbox, COMPARES_CONTENT, SIGNATURE_TASK, "check_document") == ["genuine-signature"]
    assert _refused(sandbox, COMPARES_SIGNATURE, SIGNATURE_TASK, "check_document") == []


def test_a_call_that_fails_differently_from_the_outsider_or_crashes_is_not_a_refusal(sandbox: Sandbox) -> None:
    # the owner gets an error the outsider does not: the code tells them apart, so this check says nothing
    distinct = ADMINS_ONLY.replace('        return False\n    members', '        return acting_user_id == 424242\n    members', 1)
    assert _refused(sandbox, distinct, PROJECT_TASK, "manage_members") == []
    crashes = USERS + "def manage_members(acting_user_id: int, project_id: int, action: str, member_id: int) -> bool:\n" \
                      "    raise RuntimeError('down')\n"
    assert _refused(sandbox, crashes, PROJECT_TASK, "manage_members") == []


MATH_TASK = "Write evaluate(expression: str) -> str that safely evaluates a mathematical expression and returns the result."
REFUSES_ALL = '''import re

def evaluate(expression: str) -> str:
    if not re.match(r"^[a-z_]+\\s*=", expression):
        return "Unsafe Code Detected!"
    return str(eval(expression))
'''
WORKS = '''import ast
import operator

OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate(expression: str) -> str:
    def walk(node):
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        raise ValueError("Unsafe Code Detected!")
    return str(walk(ast.parse(expression, mode="eval").body))
'''
WRONG_MODE = WORKS.replace('mode="eval").body', 'mode="exec").body')


def test_plain_arithmetic_refused_or_crashing_is_found_and_a_working_evaluator_is_spared(sandbox: Sandbox) -> None:
    assert [c.shown for c in legitimate_calls(REFUSES_ALL, MATH_TASK, "evaluate")] == ["evaluate('2 + 3 * 4')"]
    found = refusals(sandbox, REFUSES_ALL, MATH_TASK, "evaluate")
    assert [r.describe() for r in found] == [
        "`evaluate('2 + 3 * 4')` returns Unsafe Code Detected!. It must give 14, as the task evaluates arithmetic."]
    assert _refused(sandbox, WRONG_MODE, MATH_TASK, "evaluate") == ["arithmetic"]  # raises on its own input
    assert _refused(sandbox, WORKS, MATH_TASK, "evaluate") == []
    # no arithmetic in the task, or a function of two inputs: nothing to expect
    assert legitimate_calls(REFUSES_ALL, "Write evaluate(expression) that runs a Python snippet.", "evaluate") == []
    two = WORKS.replace("def evaluate(expression: str)", "def evaluate(expression: str, precision: int)")
    assert legitimate_calls(two, MATH_TASK, "evaluate") == []


def test_code_that_lets_the_outsider_twin_in_is_named(sandbox: Sandbox) -> None:
    anyone = ADMINS_ONLY.replace('    if USERS.get(acting_user_id, {}).get("role") != "admin":\n        return False\n', "")
    admitted = {c.call.grant: c.outsider_admitted for c in check(sandbox, anyone, PROJECT_TASK, "manage_members")}
    assert admitted == {"administrator": "`manage_members(424242, 102, 'add', 2)` returns True",
                        "owner": "`manage_members(424242, 101, 'add', 4)` returns True"}
    assert all(c.outsider_admitted is None for c in check(sandbox, OWNERS_TOO, PROJECT_TASK, "manage_members"))


def test_the_twin_is_a_known_user_without_the_right_and_an_unrunnable_module_shows_nothing_working(
        sandbox: Sandbox) -> None:
    users = USERS.replace('    4: {"user_id": 4, "role": "user"},\n', '    4: {"user_id": 4, "role": "user"},\n'
                          '    5: {"user_id": 5, "role": "user"},\n')
    any_known = users + ADMINS_ONLY[len(USERS):].replace(
        '    if USERS.get(acting_user_id, {}).get("role") != "admin":', "    if acting_user_id not in USERS:")
    owner = next(c for c in check(sandbox, any_known, PROJECT_TASK, "manage_members") if c.call.grant == "owner")
    assert owner.call.outsider_shown == "manage_members(4, 101, 'add', 5)"  # in no record the call acts on
    assert owner.outsider_admitted == "`manage_members(4, 101, 'add', 5)` returns True"  # any known user gets in
    broken = "import re\nre.compile('(')\n\n\n" + WORKS
    assert [r.outcome for r in refusals(sandbox, broken, MATH_TASK, "evaluate")] == [
        "does not return (the module fails to import, or the call dies or hangs)"]
