"""Keep the requirement's contract: when the requirement is a code prompt, its docstring comes back verbatim.

A small model rewrites the docstring to suit its own code ("return an empty string on error" becomes "raise a
clear exception"); the prompt's text is the contract, so the answer's docstring of the entry point is put
back as the prompt wrote it. The signature is guarded elsewhere (a changed one is never accepted).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from safegen.astutil import parse


def _function(tree: ast.Module | None, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    if tree is None:
        return None
    return next((node for node in ast.walk(tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name), None)


def _docstring_node(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Expr | None:
    first = function.body[0] if function.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first
    return None


def _prompt_docstring(prompt: str, name: str) -> tuple[str, int] | None:
    """The docstring literal of ``name`` as the prompt wrote it, and its column; None when it has none."""
    for source in (prompt, prompt.rstrip() + "\n    pass\n"):
        function = _function(parse(source), name)
        node = _docstring_node(function) if function else None
        if node is not None:
            segment = ast.get_source_segment(source, node)
            return (segment, node.col_offset) if segment else None
    return None


def restore_docstring(code: str, prompt: str, name: str) -> tuple[str, bool]:
    """``code`` with the entry point's docstring as the prompt wrote it; (code, whether it changed)."""
    wanted = _prompt_docstring(prompt, name)
    function = _function(parse(code), name)
    if wanted is None or function is None or not function.body:
        return code, False
    literal, prompt_column = wanted
    node = _docstring_node(function)
    column = (node or function.body[0]).col_offset
    if column != prompt_column:  # another indentation: re-indenting a literal could change its text
        return code, False
    lines = code.splitlines(keepends=True)
    if node is not None:
        if ast.get_source_segment(code, node) == literal:
            return code, False
        start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        head, tail = lines[start][:node.col_offset], lines[end][node.end_col_offset or 0:]
        fixed = "".join(lines[:start]) + head + literal + tail + "".join(lines[end + 1:])
    else:
        start = function.body[0].lineno - 1
        fixed = "".join(lines[:start]) + " " * column + literal + "\n" + "".join(lines[start:])
    return (fixed, True) if parse(fixed) is not None else (code, False)


@dataclass(frozen=True)
class KeepDocstring:
    """An answer step (strategies/postprocess.py): the entry point's docstring as the code prompt wrote it."""

    prompt: str
    name: str = "keep_contract"

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]:
        if not entry_point:
            return code, []
        fixed, changed = restore_docstring(code, self.prompt, entry_point)
        return fixed, ["the entry point's docstring put back as the requirement wrote it"] if changed else []
