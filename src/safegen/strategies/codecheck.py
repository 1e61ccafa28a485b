"""AST checks on candidate code: which function is the entry point, its signature, and import lines."""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from collections.abc import Callable, Sequence

from safegen.astutil import (
    FUNCTIONS,
    IMPORTS,
    FunctionNode,
    ImportNode,
    alias_binds,
    free_names,
    has_definitions,
    import_binds,
    names_mentioned,
    parse,
    top_functions,
)
from safegen.strategies import heuristics


def guess_entry_point(code: str) -> str | None:
    """For prose requirements: the public top-level function no other top-level function calls (the last one)."""
    tree = parse(code)
    if tree is None:
        return None
    functions = [f for f in top_functions(tree) if not f.name.startswith("_")] or top_functions(tree)
    if not functions:
        return None
    called: set[str] = set()
    for function in functions:
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != function.name:
                called.add(node.func.id)
    roots = [f for f in functions if f.name not in called]
    return (roots or functions)[-1].name


def defines_something(code: str) -> bool:
    """True when the code defines a top-level function or class."""
    tree = parse(code)
    return tree is not None and has_definitions(tree)


def signature(code: str, name: str) -> str | None:
    """The entry point's name, parameters, kinds and defaults as comparable text (annotations ignored).

    A top-level class of that name counts too (its __init__ signature). None when the code does not
    define ``name`` at top level or does not parse.
    """
    tree = parse(code)
    if tree is None:
        return None
    for node in reversed(tree.body):  # the last definition wins at run time
        if isinstance(node, FUNCTIONS) and node.name == name:
            return _describe_args(node)
        if isinstance(node, ast.ClassDef) and node.name == name:
            for item in node.body:
                if isinstance(item, FUNCTIONS) and item.name == "__init__":
                    return "class " + _describe_args(item)
            return "class"
    return None


def _describe_args(node: FunctionNode) -> str:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = []
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "/" if index < len(args.posonlyargs) else ""
        parts.append(f"{kind}{arg.arg}" + (f"={ast.unparse(default)}" if default is not None else ""))
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        parts.append(arg.arg + (f"={ast.unparse(kw_default)}" if kw_default is not None else ""))
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
    return f"{prefix}({', '.join(parts)})"


def import_lines(code: str) -> list[str]:
    """The top-level import statements of ``code`` as normalized one-line statements."""
    tree = parse(code)
    if tree is None:
        return []
    lines = []
    for node in tree.body:
        if isinstance(node, IMPORTS):
            lines.append(ast.unparse(node))
    return lines


def imported_modules(code: str) -> list[str]:
    """Dotted names of the modules ``code`` imports, in order (relative imports skipped); line by line,
    so one broken line does not hide the others."""
    modules: list[str] = []
    for line in code.splitlines():
        tree = parse(line.strip())
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.append(node.module)
    return modules


def has_logic(code: str, entry_point: str | None = None) -> bool:
    """True when the code holds more than imports, a docstring and ``pass``; where it defines the function
    ``entry_point`` at top level, that function's body must too (a stub filled with imports is no answer)."""
    tree = parse(code)
    if tree is None:
        return False
    entry = next((node for node in tree.body if isinstance(node, FUNCTIONS)
                  and node.name == entry_point), None) if entry_point else None
    return _holds_logic(entry.body if entry is not None else tree.body)


def _holds_logic(body: list[ast.stmt]) -> bool:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        return True
    return False


def fix_missing_imports(code: str) -> tuple[str, list[str]]:
    """Repair top-level imports of modules that do not exist (looked up on disk, never imported).

    ``import ast.literal_eval`` becomes ``import ast`` (its longest existing prefix) when the code uses
    ``ast``; an import of a missing module is dropped when nothing in the code uses the names it binds.
    Returns the code and a note per change; anything else is left for the analyzers, tests and fuzzer.
    """
    seen: set[str] = set()

    def rewrite(node: ImportNode, used: set[str], line: str) -> list[str] | None:
        replacement = _fixed_import(node, used)
        if replacement is None:
            return None
        duplicate = "\n".join(replacement) in seen
        seen.update(replacement)
        return [] if duplicate else replacement

    return _rewrite_imports(code, rewrite)


def add_stdlib_imports(code: str) -> tuple[str, list[str]]:
    """Import what the code uses but never imports, where that is unambiguous: a standard module read by
    its name (``math.sqrt`` without ``import math``) or a name small models use bare (``combinations``; the
    tables are strategies/data/modules.yaml).
    Returns the code and the statements added (a NameError otherwise costs a repair round)."""
    tree = parse(code)
    if tree is None:
        return code, []
    bare, ambiguous = heuristics.stdlib_names(), heuristics.ambiguous_modules()
    added = []
    for name in sorted(free_names(tree)):
        if name in bare:
            added.append(f"from {bare[name]} import {name}")
        elif name in sys.stdlib_module_names and name not in ambiguous and not name.startswith("_"):
            added.append(f"import {name}")
    return (ensure_imports(code, added), added) if added else (code, [])


def _rewrite_imports(code: str, rewrite: Callable[[ImportNode, set[str], str], list[str] | None],
                     also_used: Callable[[ast.Module], set[str]] | None = None) -> tuple[str, list[str]]:
    """Replace top-level import statements by what ``rewrite(node, names in use, its first line)`` returns
    (None: leave it; []: remove it); names in use are those the code reads plus ``also_used(tree)``.
    Returns the code and a note per change, in source order."""
    tree = parse(code)
    if tree is None:
        return code, []
    used = names_mentioned(tree) | (also_used(tree) if also_used else set())
    lines = code.splitlines()
    notes: list[str] = []
    for node in reversed(tree.body):  # bottom up, so line numbers above stay valid
        if not isinstance(node, IMPORTS) or node.end_lineno is None:
            continue
        replacement = rewrite(node, used, lines[node.lineno - 1])
        if replacement is None:
            continue
        original = "\n".join(lines[node.lineno - 1:node.end_lineno]).strip()
        new_text = "\n".join(replacement)
        lines[node.lineno - 1:node.end_lineno] = [new_text] if new_text else []
        notes.append(f"{original!r} -> {new_text!r}" if new_text else f"removed {original!r}")
    if not notes:
        return code, []
    return "\n".join(lines) + "\n", list(reversed(notes))


def _fixed_import(node: ImportNode, used: set[str]) -> list[str] | None:
    """The statements replacing one import node, or None when it is fine as it is."""
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module or module_exists(node.module):
            return None
        bound = {alias.asname or alias.name for alias in node.names}
        return None if bound & used else []
    kept: list[str] = []
    changed = False
    for alias in node.names:
        if module_exists(alias.name):
            kept.append(ast.unparse(ast.Import(names=[alias])))
            continue
        changed = True
        parts = alias.name.split(".")
        prefix = next((".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)
                       if module_exists(".".join(parts[:i]))), None)
        if prefix and alias.asname is None and parts[0] in used:
            kept.append(f"import {prefix}")
        elif (alias.asname or parts[0]) in used:
            kept.append(ast.unparse(ast.Import(names=[alias])))  # used but missing: leave the error visible
    unchanged = kept == [ast.unparse(ast.Import(names=[alias])) for alias in node.names]
    return None if not changed or unchanged else kept


def _module_of(statement: str) -> str | None:
    tree = parse(statement)
    if tree is None or not tree.body:
        return None
    node = tree.body[0]
    if isinstance(node, ast.Import) and len(node.names) == 1:
        return node.names[0].name
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return node.module
    return None


def is_security_module(dotted: str) -> bool:
    """Whether ``dotted`` (e.g. "cryptography.fernet") is or lies inside one of the security modules, the only
    ones the imports step may fix at the top of the code (strategies/data/modules.yaml)."""
    return any(dotted == name or dotted.startswith(name + ".") for name in heuristics.security_modules())


def module_exists(dotted: str) -> bool:
    """True when the module (and each package on its way) is installed; found on disk, never imported."""
    if dotted in sys.modules:  # already loaded by this process (os.path, sys, ...)
        return True
    parts = dotted.split(".")
    if parts[0] in sys.builtin_module_names:
        return len(parts) == 1
    search: list[str] | None = None
    for index, part in enumerate(parts):
        try:
            spec = importlib.machinery.PathFinder.find_spec(part, search)
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        if index < len(parts) - 1:
            if not spec.submodule_search_locations:
                return False
            search = list(spec.submodule_search_locations)
    return True


def is_installed(statement: str) -> bool:
    """True when the statement imports one module that is installed (looked up on disk, never imported)."""
    module = _module_of(statement)
    return module is not None and module_exists(module)


def used_names(code: str) -> set[str]:
    """Names the code reads (for pruning imports nobody uses)."""
    tree = parse(code)
    return set() if tree is None else names_mentioned(tree)


def bound_by(statement: str) -> set[str]:
    """The names an import statement binds."""
    tree = parse(statement)
    if tree is None or not tree.body or not isinstance(tree.body[0], IMPORTS):
        return set()
    return import_binds(tree.body[0])


def ensure_imports(code: str, imports: list[str]) -> str:
    """Put the missing statements of ``imports`` at the top of ``code`` (after a docstring/__future__)."""
    present = set(import_lines(code))
    missing = [line for line in imports if line not in present]
    if not missing:
        return code
    tree = parse(code)
    insert_at = 0
    if tree is not None:
        for node in tree.body:
            is_doc = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                      and isinstance(node.value.value, str) and node is tree.body[0])
            is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            if is_doc or is_future:
                insert_at = node.end_lineno or 0
            else:
                break
    lines = code.splitlines()
    merged = lines[:insert_at] + missing + lines[insert_at:]
    return "\n".join(merged) + "\n"


def prune_unused_imports(code: str, keep: Sequence[str] = ()) -> tuple[str, list[str]]:
    """Drop top-level imports whose names the code never uses (models copy modules named in the
    security rules into every answer: an unused ``import pickle`` or ``xml.etree`` is dead code that
    analyzers rightly flag). ``__future__`` imports, names listed in ``__all__`` and the names in
    ``keep`` stay. Returns the code and one note per removed statement.
    """
    def rewrite(node: ImportNode, used: set[str], line: str) -> list[str] | None:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            return None
        if any(alias.name == "*" for alias in node.names):
            return None
        kept = [alias for alias in node.names if alias_binds(alias) in used]
        if len(kept) == len(node.names):
            return None
        if node.lineno == node.end_lineno and _shares_line(line, node):
            return None  # ``import os; x = 1``: rewriting part of a line is not worth the risk
        if not kept:
            return []
        rebuilt: ast.stmt = (ast.Import(names=kept) if isinstance(node, ast.Import)
                             else ast.ImportFrom(module=node.module, names=kept, level=node.level))
        return [ast.unparse(rebuilt)]

    return _rewrite_imports(code, rewrite, also_used=lambda tree: set(keep) | _exported(tree))


def _exported(tree: ast.Module) -> set[str]:
    """The string entries of a top-level ``__all__`` list or tuple."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return names


def _shares_line(line: str, node: ast.stmt) -> bool:
    """True when something other than this statement (and a trailing comment) sits on its line."""
    rest = line[node.end_col_offset or len(line):].strip()
    return bool(line[:node.col_offset].strip()) or bool(rest and not rest.startswith("#"))
