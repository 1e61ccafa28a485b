"""Edits the exploit fixes share: find a function, its parameters, and insert lines at the top of its body."""

from __future__ import annotations

import ast

from safegen import astutil

Function = ast.FunctionDef | ast.AsyncFunctionDef


def parameters(function: Function) -> list[ast.arg]:
    """The named parameters (positional-only, ordinary, keyword-only); not ``*args`` or ``**kwargs``."""
    return function.args.posonlyargs + function.args.args + function.args.kwonlyargs


def find_function(tree: ast.Module, name: str) -> Function | None:
    return next((f for f in astutil.top_functions(tree) if f.name == name), None)


def first_line(node: ast.stmt) -> int:
    """The 1-based line a statement starts on, its decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def insert_at_top(code: str, function: Function, lines_at_top: list[str],
                  module_lines: tuple[str, ...] = ()) -> str | None:
    """``code`` with ``lines_at_top`` (unindented) first in the function's body, after its docstring, and
    ``module_lines`` before the function; None when the body shares the def's line or the result does not parse."""
    body = function.body
    first = body[1] if len(body) > 1 and ast.get_docstring(function) is not None else body[0]
    if first.lineno == function.lineno:
        return None
    lines = code.splitlines()
    indent = " " * first.col_offset
    start = first_line(function) - 1
    head, middle, tail = lines[:start], lines[start:first.lineno - 1], lines[first.lineno - 1:]
    fixed = "\n".join(head + list(module_lines) + middle + [indent + line for line in lines_at_top] + tail) + "\n"
    return fixed if astutil.parse(fixed) is not None else None


def answers_bool(function: Function) -> bool:
    """Whether the function answers True/False (its annotation, or a ``return True``/``return False``)."""
    return (isinstance(function.returns, ast.Name) and function.returns.id == "bool") or any(
        isinstance(n, ast.Return) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, bool)
        for n in ast.walk(function))
