"""Parsing and name analysis of Python source: the AST helpers that extraction, code checks and the demo drop share."""

from __future__ import annotations

import ast
import builtins
import re

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
ImportNode = ast.Import | ast.ImportFrom
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
IMPORTS = (ast.Import, ast.ImportFrom)
BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


def parse(code: str) -> ast.Module | None:
    """The module's syntax tree; None when it does not parse (syntax error, null byte, nesting too deep)."""
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def names_read(node: ast.AST) -> set[str]:
    """The plain names ``node`` reads (load context) anywhere inside it."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def names_mentioned(node: ast.AST) -> set[str]:
    """The plain names ``node`` reads, assigns or deletes anywhere inside it."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def alias_binds(alias: ast.alias) -> str:
    """The name one imported alias binds: ``import a.b`` binds ``a``, ``import a.b as c`` binds ``c``."""
    return (alias.asname or alias.name).split(".")[0]


def import_binds(node: ImportNode) -> set[str]:
    """The names an import statement binds."""
    return {alias_binds(alias) for alias in node.names}


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (assignments, parameters, imports, defs, loop targets)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, IMPORTS):
            names.update(import_binds(node))
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs)) and node.name:
            names.add(node.name)
    return names


def top_level_bound(stmt: ast.stmt) -> set[str]:
    """Names one top-level statement binds in the module namespace."""
    if isinstance(stmt, DEFINITIONS):
        return {stmt.name}
    if isinstance(stmt, IMPORTS):
        return import_binds(stmt)
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def free_names(tree: ast.AST) -> set[str]:
    """Names read but bound nowhere in the code and not builtins: what the code needs from elsewhere."""
    return names_read(tree) - bound_names(tree) - BUILTIN_NAMES


def target_names(targets: list[ast.expr]) -> set[str] | None:
    """The plain names loop or assignment targets bind; None when one is an attribute or subscript."""
    names: set[str] = set()
    for target in targets:
        inner = ({target.id} if isinstance(target, ast.Name)
                 else target_names(target.elts) if isinstance(target, (ast.Tuple, ast.List)) else None)
        if inner is None:
            return None
        names |= inner
    return names


def top_functions(tree: ast.Module) -> list[FunctionNode]:
    """The module's top-level function definitions, in order."""
    return [node for node in tree.body if isinstance(node, FUNCTIONS)]


def has_definitions(tree: ast.Module) -> bool:
    """True when the module defines a top-level function or class."""
    return any(isinstance(node, DEFINITIONS) for node in tree.body)


_FUTURE = re.compile(r"^from __future__ import [^\n]*\n?", re.MULTILINE)


def with_context(context: str, code: str) -> str:
    """The module ``code`` runs in when it is appended to ``context`` (code the module already starts with, such
    as a task's setup); the code's ``from __future__`` lines go first, as Python needs."""
    if not context:
        return code
    future = "".join(_FUTURE.findall(code))
    return f"{future}{context.rstrip()}\n\n\n{_FUTURE.sub('', code)}"


def context_lines(context: str, code: str) -> int:
    """How many lines ``with_context`` puts before the code's own first line (0 without a context)."""
    if not context:
        return 0
    return len(_FUTURE.findall(code)) + len(context.rstrip().splitlines()) + 2
