"""Code that cannot run as written: names it reads but nothing defines, placeholder functions it calls.

Small models leave helpers as ``pass`` ("implement the parsing here") or call helpers they never wrote; such
an answer fails every call, and no security check notices. Both are read from the syntax tree (with the
module's setup code in front), so the check costs no model call and no sandbox run. With the ``completion``
flag (strategies/verify_options.py) an incomplete answer ranks below a complete one and gets one repair round
that names the missing parts; the repair must keep everything and leave fewer of them.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from safegen.astutil import FUNCTIONS, free_names, parse, with_context
from safegen.prompts import templates
from safegen.strategies.state import RunState
from safegen.types import Candidate

MAX_NAMED = 6  # missing parts named in one repair prompt


@functools.lru_cache(maxsize=512)
def missing_parts(code: str, context: str = "") -> tuple[str, ...]:
    """What keeps ``code`` (run after ``context``) from running, one sentence each; () when nothing does or the
    code does not parse (other checks say so). A ``from m import *`` hides what is bound, so names are not
    checked then; methods of classes are not checked (an abstract method's ``pass`` is its design)."""
    tree = parse(with_context(context, code))
    if tree is None:
        return ()
    parts = []
    if not _star_import(tree):
        parts += [f"`{name}` is used but never defined or imported" for name in sorted(free_names(tree))]
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    parts += [f"`{function.name}` is called but only a placeholder (its body does nothing)"
              for function in _functions(tree) if function.name in called and _placeholder(function.body)]
    return tuple(parts)


def _star_import(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
               for node in ast.walk(tree))


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions at module level and nested in functions (not class methods), in source order."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, FUNCTIONS):
            found.append(node)
            found += _functions(node)
        elif not isinstance(node, ast.ClassDef):
            found += _functions(node)
    return found


def _placeholder(body: list[ast.stmt]) -> bool:
    """Only a docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or ...
        if isinstance(statement, ast.Raise) and statement.exc is not None and "NotImplementedError" in ast.unparse(
                statement.exc):
            continue
        return False
    return True


def candidate_parts(state: RunState, candidate: Candidate) -> tuple[str, ...]:
    """The missing parts of a candidate's code in the task's module."""
    return missing_parts(candidate.code, state.task.context or "") if candidate.code else ()


def incomplete(state: RunState, candidate: Candidate) -> int:
    """1 when the code cannot run as written (the completion flag's ranking key), else 0."""
    return 1 if state.verify.completion and candidate_parts(state, candidate) else 0


@dataclass(frozen=True)
class MissingParts:
    """Names nothing defines and placeholder functions the code calls; a repair must keep everything and leave
    fewer of them."""

    kind: str = "complete"
    repairs_best: bool = False

    def feedback(self, state: RunState, candidate: Candidate) -> str | None:
        parts = candidate_parts(state, candidate)
        if not parts:
            return None
        from safegen.strategies.repair import required_signature

        listed = "\n".join(f"- {part}" for part in parts[:MAX_NAMED])
        return ("Your code cannot run as written:\n\n"
                f"{listed}\n\n"
                "Write the complete code: define or import every name it uses and implement every function it "
                "calls, so that it does what the task asks."
                + templates.keep_entry(state.entry_point, required_signature(state, candidate))
                + " Answer with the complete corrected code in one ```python block.")

    def examine(self, state: RunState, candidate: Candidate) -> Candidate:
        return candidate

    def judge(self, state: RunState, parent: Candidate, child: Candidate) -> str | None:
        from safegen.strategies.repair import judge_kept

        reason = judge_kept(state, parent, child)
        before, after = len(candidate_parts(state, parent)), len(candidate_parts(state, child))
        if reason is None and after >= before:
            return f"missing parts not reduced ({after} >= {before})"
        return reason


MISSING_PARTS = MissingParts()
