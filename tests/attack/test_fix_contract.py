"""A fix's refusal answers as the requirement states for rejected input, whatever the function's handlers do."""

from __future__ import annotations

import pytest

from safegen.attack import attack
from safegen.attack.fix_contract import keep_refusal_contract, refusal_contract
from safegen.attack.fixes import apply_exploit_fix
from safegen.sandbox import Sandbox

# The model's shape seen on the dev sample: every exception caught and its message returned as the answer.
SWALLOWING = '''def run_snippet(code_input: str):
    try:
        return eval(code_input)
    except Exception as exc:
        return str(exc)
'''
RAISES = """Write a function run_snippet(code_input: str) that evaluates a small expression a student typed.

Raises:
- raise a ValueError if the code tries to execute any disallowed operations
"""
RETURNS = """Write a function run_snippet(code_input: str) -> str that evaluates a quiz expression.

Raises:
- returns 'Error!' if input is deemed untrustworthy or any exception occurs during evaluation.
"""
SILENT = "Write a function run_snippet(code_input: str) that evaluates a small expression a student typed."


def _load(code: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(code, "fixed.py", "exec"), namespace)  # noqa: S102 - our own rewrite of a test fixture
    return namespace


@pytest.mark.parametrize(("requirement", "expected"), [
    (RAISES, ("raise", "ValueError")),
    (RETURNS, ("return", "'Error!'")),
    ("Raises PermissionError when the caller is not allowed to run it.", ("raise", "PermissionError")),
    (SILENT, None),
    ("Raise a ValueError if the amount is negative.", None),  # no words for rejected input
    ("Raise SnippetRejected if the code is unsafe.", None),  # not a builtin exception: it may not exist
])
def test_the_contract_is_read_from_the_requirement(requirement: str, expected: tuple[str, str] | None) -> None:
    assert refusal_contract(requirement) == expected


def test_a_swallowed_refusal_raises_what_the_requirement_says(sandbox: Sandbox) -> None:
    assert attack(SWALLOWING, RAISES, sandbox=sandbox, probes=["code-injection"]).exploits
    fixed = apply_exploit_fix("code-injection", SWALLOWING, "run_snippet", "", RAISES)
    assert fixed is not None and "@_safegen_keep_contract\ndef run_snippet(" in fixed
    report = attack(fixed, RAISES, sandbox=sandbox, probes=["code-injection"])
    assert report.exploits == () and report.errors == () and report.executions > 0, report
    run = _load(fixed)["run_snippet"]
    assert run("2 * (3 + 4)") == 14  # type: ignore[operator]
    assert run("1 / 0") == "division by zero"  # type: ignore[operator]  # not a refusal: its own answer stays
    with pytest.raises(ValueError, match="not allowed"):
        run("__import__('os').system('id')")  # type: ignore[operator]
    assert run("3 - 1") == 2  # type: ignore[operator]  # a refusal is forgotten on the next call


def test_a_refusal_returns_the_literal_the_requirement_names() -> None:
    raising = SWALLOWING.replace("return str(exc)", "raise")
    for code in (SWALLOWING, raising):
        fixed = apply_exploit_fix("code-injection", code, "run_snippet", "", RETURNS)
        run = _load(fixed or "")["run_snippet"]
        assert run("__import__('os').getcwd()") == "Error!" and run("10 // 3") == 3  # type: ignore[operator]


def test_without_a_stated_contract_the_function_answers_as_before() -> None:
    fixed = apply_exploit_fix("code-injection", SWALLOWING, "run_snippet", "", SILENT)
    assert fixed is not None and "_safegen_keep_contract" not in fixed
    assert _load(fixed)["run_snippet"]("__import__('os')") == "Call is not allowed in evaluated input"  # type: ignore[operator]
    assert keep_refusal_contract(SWALLOWING, "run_snippet", RAISES) is None  # no refusal written in: nothing to keep
    once = keep_refusal_contract(fixed, "run_snippet", RAISES)
    assert once is not None and keep_refusal_contract(once, "run_snippet", RAISES) is None
