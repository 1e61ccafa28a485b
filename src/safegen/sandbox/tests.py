"""Run visible tests against code inside the sandbox: test files, HumanEval ``check``, prompt examples."""

from __future__ import annotations

import ast
import doctest
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from safegen.errors import InputError
from safegen.sandbox.interface import SandboxLike
from safegen.sandbox.result import ExecResult
from safegen.sandbox.worker.testrule import count_tests
from safegen.textscan import closing
from safegen.types import TestOutcome



@lru_cache(maxsize=1)
def _arrow() -> re.Pattern[str]:
    """The tail of an example line, "ARROW expected", with the arrows of data/example_arrows.yaml (in order)."""
    import yaml

    text = resources.files("safegen.sandbox").joinpath("data", "example_arrows.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)["arrows"]
    if any(not e.get("arrow") or not str(e.get("reason", "")).strip() for e in entries):
        raise ValueError("example_arrows.yaml: every arrow needs a one-line reason")
    alternatives = "|".join(str(e["arrow"]) for e in entries)
    return re.compile(rf"^\s*({alternatives})\s*(.+?)\s*[.,;]?\s*$")


def _failure_outcome(result: ExecResult, total: int, what: str) -> TestOutcome:
    detail = result.message or result.status
    if result.exception_type and not detail.startswith("importing"):
        detail = f"{result.exception_type}: {detail}"
    if result.location:
        detail += f" at {result.location}"
    return TestOutcome(passed=False, total=max(total, 1), failed=max(total, 1), message=f"{what} {result.status}: {detail}")


def _outcome(raw: dict[str, Any], total_guess: int, what: str) -> TestOutcome:
    result = ExecResult.from_worker(raw)
    data = raw.get("data")
    if result.status != "ok" or not isinstance(data, dict):
        return _failure_outcome(result, total_guess, what)
    total, failed = data.get("total"), data.get("failed")
    if not isinstance(total, int) or not isinstance(failed, int):
        return _failure_outcome(result, total_guess, what)
    message = str(data.get("message", ""))[:2000]
    if total == 0:
        return TestOutcome(passed=False, total=0, failed=0, message=f"no {what} found")
    return TestOutcome(passed=failed == 0, total=total, failed=failed, message=message)


def run_tests(sandbox: SandboxLike, code: str, tests: str, *, entry_point: str | None = None,
              timeout: float = 10.0) -> TestOutcome:
    """Run ``tests`` (top-level asserts, zero-argument ``test_*`` functions, HumanEval ``check(candidate)``)."""
    try:
        total = count_tests(tests, entry_point)
    except SyntaxError as exc:
        raise InputError(f"the tests are not valid Python: {exc.msg} (line {exc.lineno})",
                         hint="fix the test code") from None
    raw = sandbox.run_job("tests", code, [{"tests": tests, "entry": entry_point}], timeout=timeout,
                          entry=entry_point)[0]
    return _outcome(raw, total, "tests")


def _docstring(prompt: str, entry_point: str) -> str:
    """The entry point's docstring if the prompt parses, else the whole prompt text."""
    for attempt in (prompt, prompt + "\n    pass\n"):
        try:
            tree = ast.parse(attempt)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
                return ast.get_docstring(node, clean=True) or ""
        return prompt
    return prompt


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _arrow_parts(line: str, entry_point: str) -> tuple[str, str, str] | None:
    """(call, operator, expected) as written on a "f(args) == expected" style line, unchecked."""
    match = re.search(rf"(?<![\w.]){re.escape(entry_point)}\s*\(", line)
    if match is None or line.lstrip().startswith(">>>"):
        return None
    end = closing(line, line.index("(", match.start()))
    if end is None:
        return None
    tail = _arrow().match(line[end:])
    if tail is None:
        return None
    return line[match.start():end], tail.group(1), tail.group(2)


def _literal_example(call: str, expected: str) -> tuple[str, str] | None:
    """(call, expected) normalized when both are literal (reliability first), else None."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or not all(_is_literal(ast.unparse(a)) for a in node.args):
        return None
    if node.keywords or not _is_literal(expected):
        return None
    return ast.unparse(node), ast.unparse(ast.parse(expected, mode="eval"))  # drops trailing comments


def _value_example(source: str, want: str, line: int) -> tuple[str, str, int]:
    """Compare values, not text, where the example allows it: `"21"` and `'21'` are the same answer."""
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return source, want, line
    if isinstance(node, ast.Compare) and want.strip() not in ("True", "False"):
        return source, "True\n", line  # ">>> f(x) == y" written without its True (prose may follow)
    if want.strip() and _is_literal(want.strip()) and not isinstance(node, ast.Compare):
        expected = ast.unparse(ast.parse(want.strip(), mode="eval"))
        return f"({ast.unparse(node)}) == ({expected})\n", "True\n", line
    return source, want, line


def prompt_examples(prompt: str, entry_point: str) -> list[tuple[str, str, int]]:
    """Examples in the prompt's docstring as (source, expected output, line) for doctest."""
    text = _docstring(prompt, entry_point)
    examples: list[tuple[str, str, int]] = []
    try:
        for example in doctest.DocTestParser().get_examples(text):
            examples.append(_value_example(example.source, example.want, example.lineno))
    except ValueError:  # malformed doctest block: fall back to the arrow lines only
        examples = []
    seen = {source.strip() for source, _, _ in examples}
    arrows = [(number, parts[1], _literal_example(parts[0], parts[2]))
              for number, line in enumerate(text.splitlines()) if (parts := _arrow_parts(line, entry_point))]
    # "f(n) = 1 + n / 2" anywhere: the docstring defines by equations, so its "f(1) = 3" lines are not results
    equations = any(operator == "=" and literal is None for _, operator, literal in arrows)
    for number, operator, literal in arrows:
        if literal is None or operator == "=" and equations:
            continue
        call, expected = literal
        source = f"({call}) == ({expected})\n"
        if source.strip() not in seen:
            seen.add(source.strip())
            examples.append((source, "True\n", number))
    return examples


def run_doctests(sandbox: SandboxLike, code: str, prompt: str, entry_point: str,
                 timeout: float = 10.0) -> TestOutcome | None:
    """Check ``code`` against the examples in the prompt's docstring; None when the prompt has none."""
    examples = prompt_examples(prompt, entry_point)
    if not examples:
        return None
    raw = sandbox.run_job("doctests", code, [{"examples": examples, "name": entry_point}], timeout=timeout,
                          entry=entry_point)[0]
    return _outcome(raw, len(examples), "examples")
