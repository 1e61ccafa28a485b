"""Which functions of a test file count as tests: the one rule the worker runs and the host counts by.

Standard library only: the sandbox worker imports it too.
"""

from __future__ import annotations

import ast

CHECK = "check"  # HumanEval's check(candidate), called with the entry point


def is_test(name: str, required: int) -> bool:
    """A function named ``test*`` that needs no argument."""
    return name.startswith("test") and required == 0


def is_check(name: str, entry: str | None) -> bool:
    """``check`` counts when there is an entry point to hand it (whatever its own arguments)."""
    return name == CHECK and bool(entry)


def count_tests(source: str, entry: str | None) -> int:
    """How many checks ``source`` holds: top-level asserts, then the tests and ``check`` it defines.

    A later definition of the same name replaces an earlier one, as it does when the file runs.
    Raises SyntaxError when ``source`` is not Python.
    """
    tree = ast.parse(source)
    asserts = 0
    required: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Assert):
            asserts += 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = len(node.args.posonlyargs) + len(node.args.args)
            required[node.name] = positional - len(node.args.defaults)
    return asserts + sum(is_test(name, needs) or is_check(name, entry) for name, needs in required.items())
