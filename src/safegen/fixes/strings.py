"""Strings built from pieces (f-strings, ``+``, ``%``, ``.format``) as literal text and value expressions."""

from __future__ import annotations

import ast
import re
import string

Parts = list[str | ast.expr]


def _format_parts(template: str, args: list[ast.expr], kwargs: dict[str, ast.expr]) -> Parts | None:
    parts: Parts = []
    position = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, spec, conversion in fields:
        parts.append(literal)
        if name is None:
            continue
        if spec or conversion:
            return None
        if name == "":
            if position >= len(args):
                return None
            parts.append(args[position])
            position += 1
        elif name.isdigit() and int(name) < len(args):
            parts.append(args[int(name)])
        elif name in kwargs:
            parts.append(kwargs[name])
        else:
            return None
    return parts


def _percent_parts(template: str, values: list[ast.expr]) -> Parts | None:
    pieces = re.split(r"(%%|%[sdi])", template)
    parts: Parts = []
    remaining = list(values)
    for piece in pieces:
        if piece == "%%":
            parts.append("%")
        elif piece in ("%s", "%d", "%i"):
            if not remaining:
                return None
            parts.append(remaining.pop(0))
        elif "%" in piece:
            return None
        else:
            parts.append(piece)
    return None if remaining else parts


def string_parts(node: ast.expr) -> Parts | None:
    """A built string as literal pieces and values: f-strings, ``+``, ``%`` and ``.format``; other expressions
    are one value (``[node]``). None where the pieces cannot be told apart (conversions, format specs)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: Parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif not isinstance(value, ast.FormattedValue) or value.conversion != -1 or value.format_spec:
                return None
            else:
                parts.append(value.value)
        return parts
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = string_parts(node.left), string_parts(node.right)
        if left is None or right is None:
            return None
        if left == [node.left] and right == [node.right]:
            return None  # no literal text at all
        return left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        values = list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right]
        return None if isinstance(node.right, ast.Dict) else _percent_parts(node.left.value, values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return None
        return _format_parts(node.func.value.value, list(node.args),
                             {k.arg: k.value for k in node.keywords if k.arg})
    return [node]
