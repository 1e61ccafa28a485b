"""What a function's body says about its parameters (read from the source, never run): the type an unannotated
one has by its uses (``p.items()``: a dict), which ones hold an HTTP request in a dict, and the strings each is
compared with (role names).

Untyped code is common (the model's and reference code alike); a probe that sends text to a parameter the
function iterates with ``.items()`` only proves that a string has no ``items``. Only unambiguous uses count:
a parameter used as two different types keeps "unknown".
"""

from __future__ import annotations

import ast
import typing
from typing import Any

from safegen.fuzz.signature import Param

# method name -> the builtin type that has it and the commonest other input types do not
METHOD_TYPES: dict[str, type] = {
    **dict.fromkeys(("items", "keys", "values", "setdefault", "popitem"), dict),
    **dict.fromkeys(("append", "extend", "insert"), list),
    "decode": bytes,
    **dict.fromkeys(("encode", "lower", "upper", "casefold", "format", "isdigit", "isalnum", "isalpha",
                     "isidentifier", "splitlines", "format_map"), str),
}


def _uses(function: ast.AST, name: str) -> set[type]:
    """The types the body's uses of ``name`` imply (method calls, ``**name``)."""
    found: set[type] = set()
    for node in ast.walk(function):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name):
            kind = METHOD_TYPES.get(node.func.attr)
            if kind is not None:
                found.add(kind)
        elif isinstance(node, ast.keyword) and node.arg is None and isinstance(node.value, ast.Name) \
                and node.value.id == name:
            found.add(dict)
    return found


def _rebinds(function: ast.AST, name: str) -> bool:
    """Whether the body assigns ``name`` anew (its later uses then say nothing about the argument)."""
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def inferred(function: ast.AST, param: Param) -> Param:
    """``param`` with the type its uses imply when it has no annotation; unchanged otherwise."""
    if param.annotation is not typing.Any or _rebinds(function, param.name):
        return param
    kinds = _uses(function, param.name)
    if len(kinds) != 1:
        return param
    kind: Any = kinds.pop()
    return Param(param.name, kind, param.keyword_only)


def read_keys(function: ast.AST, name: str) -> set[str]:
    """The constant keys the body reads from ``name`` (``name["headers"]``, ``name.get("body")``)."""
    keys: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            keys.add(node.slice.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and isinstance(node.func.value, ast.Name) and node.func.value.id == name and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keys.add(node.args[0].value)
    return keys


def request_params(function: ast.AST, params: tuple[Param, ...]) -> tuple[str, ...]:
    """Parameters the function reads as an HTTP request held in a dict (its "headers" and "body")."""
    return tuple(p.name for p in params if read_keys(function, p.name) & {"headers", "body"})


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def compared_literals(function: ast.AST, params: tuple[Param, ...]) -> tuple[tuple[str, str], ...]:
    """(parameter, text) for each string the body compares a parameter with (``role == "viewer"``,
    ``role in ("admin", "editor")``): the values the code itself knows for it, such as role names."""
    names = {p.name for p in params}
    found: list[tuple[str, str]] = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for side in sides:
            if isinstance(side, ast.Name) and side.id in names:
                found += [(side.id, text) for other in sides if other is not side for text in _strings(other)]
    return tuple(dict.fromkeys(found))
