"""The demo a model appends after the function it was asked for, found and dropped.

Small models end many answers with ``print(f(3))`` lines, a ``check()`` function full of asserts and its
call, or an ``if __name__ == "__main__":`` block of the same. That code runs whenever the module is
imported: every analyzer, fuzz input and caller would run it too, and its asserts are findings (B101).
Only statements after the entry point's definition that do nothing but print or assert results of the
answer's own functions, or call its check functions (``check*``, ``test*``, ...), are dropped, with the
functions and values only they used; a script (no entry point) and anything else, such as ``main()`` or
``app.run()``, stay.
"""

from __future__ import annotations

import ast

from safegen.astutil import DEFINITIONS, names_read, parse, target_names
from safegen.strategies import heuristics


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _block_is_demo(body: list[ast.stmt], own: set[str]) -> bool:
    """Every statement of a nested block exercises ``own`` names; simple assignments bind more of them."""
    allowed = set(own)
    for stmt in body:
        bound = _assigned(stmt, allowed)
        if bound is not None:
            allowed |= bound
        elif not _is_demo(stmt, allowed):
            return False
    return bool(body)


def _is_demo(stmt: ast.stmt, own: set[str]) -> bool:
    """Does ``stmt`` only exercise the names in ``own`` (the answer's functions and values the demo bound)?"""
    if isinstance(stmt, ast.Assert):
        return bool(names_read(stmt) & own)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if isinstance(func, ast.Name) and func.id in own and func.id.startswith(heuristics.check_prefixes()):
            return True  # ``check_solution()``; never ``main()``, which may be the program itself
        return isinstance(func, ast.Name) and func.id == "print" and names_read(stmt) - {"print"} <= own
    if isinstance(stmt, ast.For) and not stmt.orelse:
        bound = target_names([stmt.target])
        return (bound is not None and names_read(stmt.iter) <= own
                and _block_is_demo(stmt.body, own | bound))
    if isinstance(stmt, ast.If) and _is_main_guard(stmt.test) and not stmt.orelse:
        return _block_is_demo(stmt.body, own)
    return False


def _assigned(stmt: ast.stmt, own: set[str]) -> set[str] | None:
    """The names a plain ``a, b = <expression of own names and constants>`` binds, else None."""
    if not isinstance(stmt, ast.Assign) or not names_read(stmt.value) <= own:
        return None
    return target_names(stmt.targets)


def _reads_outside_itself(stmt: ast.stmt) -> set[str]:
    """Names a statement reads, less its own name when it is a definition (a recursive helper)."""
    names = names_read(stmt)
    if isinstance(stmt, DEFINITIONS):
        names.discard(stmt.name)
    return names


def _first_line(stmt: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _demo(tree: ast.Module, entry_point: str | None) -> list[ast.stmt]:
    """The top-level statements after the entry point's (last) definition that form the demo, in order."""
    entries = [i for i, s in enumerate(tree.body) if isinstance(s, DEFINITIONS) and s.name == entry_point]
    if not entry_point or not entries:
        return []
    tail = tree.body[entries[-1] + 1:]
    own = {s.name for s in tree.body if isinstance(s, DEFINITIONS)}
    demo: list[ast.stmt] = []
    inputs: dict[ast.stmt, set[str]] = {}  # ``numbers = [1, 2]`` before ``print(f(numbers))``, and what it binds
    for stmt in tail:
        bound = _assigned(stmt, own)
        if bound:
            inputs[stmt] = bound
            own = own | bound
        elif _is_demo(stmt, own):
            demo.append(stmt)
    unused = dict(inputs) if demo else {}
    while unused:  # an input that the code which stays reads stays too, and so may the inputs it reads
        read = set().union(*(_reads_outside_itself(s) for s in tree.body if s not in demo and s not in unused))
        still_read = [s for s, bound in unused.items() if bound & read]
        if not still_read:
            break
        for stmt in still_read:
            del unused[stmt]
    demo += unused
    while demo:  # helpers (check functions) that only the demo calls go with it
        called = set().union(*(names_read(s) for s in demo))
        kept = [s for s in tree.body if s not in demo]
        helpers = [s for s in tail if s not in demo and isinstance(s, DEFINITIONS) and s.name in called
                   and s.name != entry_point
                   and not any(s.name in _reads_outside_itself(k) for k in kept if k is not s)]
        if not helpers:
            break
        demo += helpers
    return sorted(demo, key=_first_line)


def drop_self_tests(code: str, entry_point: str | None) -> tuple[str, list[str]]:
    """``code`` without its demo (and the comment lines right above each dropped statement). Returns the
    code and the first line of each dropped statement; the code unchanged when a dropped statement shares
    a line with one that stays."""
    tree = parse(code)
    if tree is None:
        return code, []
    demo = _demo(tree, entry_point)
    if not demo:
        return code, []
    lines = code.splitlines()
    drop: set[int] = set()
    for stmt in demo:
        start, end = _first_line(stmt), stmt.end_lineno or stmt.lineno
        while start > 1 and lines[start - 2].lstrip().startswith("#"):
            start -= 1
        drop |= set(range(start, end + 1))
    if any(_first_line(s) in drop or (s.end_lineno or s.lineno) in drop for s in tree.body if s not in demo):
        return code, []
    kept: list[str] = []
    after_drop = False
    for number, line in enumerate(lines, 1):
        if number in drop:
            after_drop = True
            continue
        blank = not line.strip()
        if after_drop and blank and (not kept or not kept[-1].strip()):
            continue  # no second blank line where a statement went
        kept.append(line)
        after_drop = after_drop and blank
    text = "\n".join(kept).rstrip() + "\n"
    return text, [lines[_first_line(s) - 1].strip() for s in demo]
