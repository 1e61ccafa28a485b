"""Visible tests and prompt examples, run against code in the sandbox."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from safegen.errors import InputError
from safegen.sandbox import Sandbox
from safegen.sandbox.tests import prompt_examples, run_doctests, run_tests
from safegen.sandbox.worker.testrule import count_tests

CODE = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
HUMANEVAL = Path("/work/shared/datasets/humaneval/HumanEval.jsonl.gz")


@pytest.mark.parametrize("tests, total, failed", [
    ("assert add(1, 2) == 3\nassert add(0, 0) == 0\n", 2, 0),
    ("def test_small():\n    assert add(1, 1) == 2\ndef test_neg():\n    assert add(-1, 1) == 0\n", 2, 0),
    ("def check(candidate):\n    assert candidate(2, 2) == 4\n    assert candidate(1, 0) == 1\n", 1, 0),
    ("import math\nx = add(1, 2)\nassert x == 3\nassert math.isclose(add(0.1, 0.2), 0.3)\n", 2, 0),
])
def test_passing_tests(sandbox: Sandbox, tests: str, total: int, failed: int) -> None:
    outcome = run_tests(sandbox, CODE, tests, entry_point="add")
    assert (outcome.passed, outcome.total, outcome.failed) == (True, total, failed), outcome


@pytest.mark.parametrize("tests, entry", [
    ("assert add(1, 2) == 3\nx = 1\n", None),
    ("def test_a():\n    pass\ndef test_b(x=1):\n    pass\ndef test_c(x):\n    pass\n", None),
    ("def test_a(x, /):\n    pass\ndef helper():\n    pass\ndef testing():\n    pass\n", None),
    ("def test_a():\n    pass\ndef test_a():\n    pass\n", None),  # a redefinition replaces the first
    ("def check(candidate):\n    assert candidate(1, 1) == 2\n", "add"),
    ("def check(candidate):\n    assert candidate(1, 1) == 2\n", None),  # no entry point: nothing to check
])
def test_host_and_worker_count_tests_alike(sandbox: Sandbox, tests: str, entry: str | None) -> None:
    outcome = run_tests(sandbox, CODE, tests, entry_point=entry)
    assert outcome.total == count_tests(tests, entry)


def test_failing_tests_are_counted(sandbox: Sandbox) -> None:
    tests = "assert add(1, 2) == 3\nassert add(2, 2) == 4\ndef test_x():\n    assert add(0, 0) == 0\n"
    outcome = run_tests(sandbox, WRONG, tests)
    assert (outcome.passed, outcome.total, outcome.failed) == (False, 3, 2)
    assert "line 1" in outcome.message and "AssertionError" in outcome.message


def test_broken_code_fails_every_test(sandbox: Sandbox) -> None:
    outcome = run_tests(sandbox, "def add(a, b):\n    return 1 / 0\nraise RuntimeError('at import')\n",
                        "assert add(1, 2) == 3\nassert add(1, 1) == 2\n")
    assert (outcome.passed, outcome.total, outcome.failed) == (False, 2, 2)
    assert "RuntimeError" in outcome.message


def test_hanging_code_times_out(sandbox: Sandbox) -> None:
    outcome = run_tests(sandbox, "def add(a, b):\n    while True:\n        pass\n", "assert add(1, 2) == 3\n",
                        timeout=0.5)
    assert not outcome.passed and "timeout" in outcome.message


def test_unparsable_tests_are_an_input_error(sandbox: Sandbox) -> None:
    with pytest.raises(InputError):
        run_tests(sandbox, CODE, "assert add(1, 2) ==\n")


def test_no_tests_is_not_a_pass(sandbox: Sandbox) -> None:
    outcome = run_tests(sandbox, CODE, "x = 1\n")
    assert not outcome.passed and outcome.total == 0


PROMPT = '''
def add(a: int, b: int) -> int:
    """Add two numbers.
    >>> add(2, 3)
    5
    >>> add(-1, 1) == 0
    add(10, 5) ➞ 15
    add(1, 1) == 2
    For example: add(2, 2) should return 4.
    add(x, y) is the sum of x and y
    """
'''


def test_prompt_examples_are_parsed() -> None:
    examples = prompt_examples(PROMPT, "add")
    sources = [source.strip() for source, _, _ in examples]
    assert sources == ["(add(2, 3)) == (5)", "add(-1, 1) == 0", "(add(10, 5)) == (15)", "(add(1, 1)) == (2)",
                       "(add(2, 2)) == (4)"]
    assert all(want == "True\n" for _, want, _ in examples)
    assert prompt_examples("def add(a, b):\n    '''Adds.'''\n", "add") == []


def test_equals_lines_are_examples_unless_the_docstring_defines_by_equations() -> None:
    simplify = 'def simplify(x, n):\n    """Product of fractions.\n\n    simplify("1/5", "5/1") = True\n    """\n'
    assert [s.strip() for s, _, _ in prompt_examples(simplify, "simplify")] == ["(simplify('1/5', '5/1')) == (True)"]
    # HumanEval/130 writes the sequence's recurrence with "=": "tri(1) = 3" is a definition, not tri's result
    tri = ('def tri(n):\n    """Tribonacci.\n    tri(1) = 3\n    tri(n) = 1 + n / 2, if n is even.\n'
           '    tri(3) = [1, 3, 2, 8]\n    tri(2) == [1, 3, 2]\n    """\n')
    assert [s.strip() for s, _, _ in prompt_examples(tri, "tri")] == ["(tri(2)) == ([1, 3, 2])"]


def test_doctests(sandbox: Sandbox) -> None:
    passed = run_doctests(sandbox, CODE, PROMPT, "add")
    failed = run_doctests(sandbox, WRONG, PROMPT, "add")
    assert passed is not None and (passed.passed, passed.total, passed.failed) == (True, 5, 0)
    assert failed is not None and (failed.passed, failed.total) == (False, 5) and failed.failed >= 4
    assert run_doctests(sandbox, CODE, "def add(a, b):\n    pass\n", "add") is None


def test_doctest_output_and_quotes(sandbox: Sandbox) -> None:
    prompt = 'def shout(s):\n    """\n    >>> shout("a")\n    "A"\n    >>> print(shout("b"))\n    B\n    """\n'
    outcome = run_doctests(sandbox, "def shout(s):\n    return s.upper()\n", prompt, "shout")
    assert outcome is not None and outcome.passed and outcome.total == 2


@pytest.mark.skipif(not HUMANEVAL.exists(), reason="HumanEval not available")
def test_humaneval_canonical_solutions_pass(sandbox: Sandbox) -> None:
    rows = [json.loads(line) for line in gzip.open(HUMANEVAL, "rt")][::16]
    for row in rows:
        code = row["prompt"] + row["canonical_solution"]
        outcome = run_tests(sandbox, code, row["test"], entry_point=row["entry_point"])
        assert outcome.passed and outcome.total == 1, (row["task_id"], outcome)
        wrong = run_tests(sandbox, row["prompt"] + "    return None\n", row["test"], entry_point=row["entry_point"])
        assert not wrong.passed, row["task_id"]


# Examples in these HumanEval docstrings contradict the task's own tests (a known flaw of the dataset).
WRONG_DOCSTRING_EXAMPLES = {"HumanEval/47", "HumanEval/116", "HumanEval/148"}


@pytest.mark.skipif(not HUMANEVAL.exists(), reason="HumanEval not available")
def test_examples_read_from_humaneval_prompts_hold_for_the_canonical_solutions(sandbox: Sandbox) -> None:
    rows = [json.loads(line) for line in gzip.open(HUMANEVAL, "rt")]
    covered, failing = 0, set()
    for row in rows:
        outcome = run_doctests(sandbox, row["prompt"] + row["canonical_solution"], row["prompt"], row["entry_point"])
        if outcome is None:
            continue
        covered += 1
        if not outcome.passed:
            failing.add(row["task_id"])
    assert failing == WRONG_DOCSTRING_EXAMPLES
    assert covered >= 135  # ">>>" doctests and arrow lines, "f(x) = y" included (HumanEval/102, 135, 144, 161)


def test_every_arrow_of_the_data_table_reads_an_example() -> None:
    from importlib import resources

    import yaml

    table = yaml.safe_load(resources.files("safegen.sandbox").joinpath("data", "example_arrows.yaml").read_text())
    for entry in table["arrows"]:
        assert entry["reason"].strip() and "\n" not in entry["reason"]
        arrow = entry["arrow"].replace("\\s+", " ")
        prompt = f'def f(x):\n    """Double x.\n\n    f(2) {arrow} 4\n    """\n'
        assert [source for source, _, _ in prompt_examples(prompt, "f")] == ["(f(2)) == (4)\n"], arrow
