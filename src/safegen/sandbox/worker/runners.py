"""The harnesses run in the execution process: a call, a script, a test file, the prompt's examples."""

from __future__ import annotations

import ast
import builtins
import linecache
import os
import types
from typing import Any

from .oracle import Oracle
from .results import clip, exc_name, safe_str
from .testrule import CHECK, is_check, is_test


def call_entry(module: types.ModuleType, entry: str, item: Any) -> Any:
    args, kwargs = item
    return getattr(module, entry)(*args, **kwargs)


def run_script(source: str) -> None:
    code = compile(source, Oracle.target, "exec")
    namespace = {"__name__": "__main__", "__file__": Oracle.target, "__builtins__": builtins}
    exec(code, namespace)


def _required(function: types.FunctionType) -> int:
    return function.__code__.co_argcount - len(function.__defaults__ or ())


def run_tests(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """Top-level asserts, then zero-argument test_* functions, then HumanEval's check(candidate)."""
    source: str = item["tests"]
    entry: str | None = item.get("entry")
    path = os.path.join(Oracle.cwd, "tests.py")
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    namespace = module.__dict__
    total = failed = 0
    messages: list[str] = []

    def fail(what: str, exc: BaseException) -> None:
        nonlocal failed
        failed += 1
        if len(messages) < 5:
            messages.append(f"{what}: {type(exc).__name__}: {safe_str(exc)[:300]}".rstrip(": "))

    tree = ast.parse(source, path)
    for node in tree.body:
        code = compile(ast.Module(body=[node], type_ignores=[]), path, "exec")
        counted = isinstance(node, ast.Assert)
        total += counted
        try:
            exec(code, namespace)
        except Exception as exc:
            if not counted:
                total += 1
            fail(f"tests line {node.lineno}", exc)
    for name, obj in list(namespace.items()):
        if not (isinstance(obj, types.FunctionType) and obj.__code__.co_filename == path
                and is_test(name, _required(obj))):
            continue
        total += 1
        try:
            obj()
        except Exception as exc:
            fail(name, exc)
    check = namespace.get(CHECK)
    if is_check(CHECK, entry) and isinstance(check, types.FunctionType) and check.__code__.co_filename == path:
        total += 1
        try:
            check(getattr(module, str(entry)))
        except Exception as exc:
            fail(f"check({entry})", exc)
    return {"total": total, "failed": failed, "message": "; ".join(messages)}


def _comparison(source: str) -> tuple[str, str] | None:
    """``(call) == (expected)`` split into its two sides, None for any other example."""
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        return ast.unparse(node.left), ast.unparse(node.comparators[0])
    return None


def run_doctests(module: types.ModuleType, item: dict[str, Any]) -> dict[str, Any]:
    """The prompt's examples; each failure reads "call / expected / got" (the actual value, not True/False)."""
    import doctest  # loaded once per job by the module process (see kinds.py), not by the worker

    examples = [doctest.Example(src, want, lineno=line) for src, want, line in item["examples"]]
    test = doctest.DocTest(examples, dict(module.__dict__), item.get("name", "prompt"), "prompt", 0, None)
    failures: list[str] = []

    class Runner(doctest.DocTestRunner):
        def report_failure(self, out: Any, test: Any, example: Any, got: str) -> None:
            sides = _comparison(example.source) if example.want.strip() == "True" else None
            if sides is None:
                failures.append(f"{example.source.strip()}\n    expected: {example.want.strip()}\n"
                                f"    got: {got.strip()}")
                return
            try:
                actual = clip(repr(eval(sides[0], test.globs)), 300)
            except BaseException as exc:
                actual = f"raises {exc_name(exc)}: {clip(safe_str(exc), 200)}"
            failures.append(f"{sides[0]}\n    expected: {sides[1]}\n    got: {actual}")

        def report_unexpected_exception(self, out: Any, test: Any, example: Any, exc_info: Any) -> None:
            sides = _comparison(example.source)
            shown = sides[0] if sides else example.source.strip()
            failures.append(f"{shown}\n    raises {exc_name(exc_info[1])}: {clip(safe_str(exc_info[1]), 300)}")

    runner = Runner(verbose=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    counts = runner.run(test, out=lambda text: None, clear_globs=False)
    return {"total": counts.attempted, "failed": counts.failed, "message": clip("\n".join(failures), 2000)}
