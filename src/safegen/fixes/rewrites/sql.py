"""String-built SQL -> a parameterized query: ``execute(f"... = '{x}'")`` -> ``execute("... = ?", (x,))``."""

from __future__ import annotations

import ast
import re

from safegen.fixes.interface import FixSpec, Rewrite
from safegen.fixes.registry import rewrite
from safegen.fixes.source import SourceIndex, add_argument, replace
from safegen.fixes.strings import Parts, string_parts
from safegen.types import Finding

# Where a value may stand in SQL (a placeholder can replace it): after these tokens, before these.
VALUE_BEFORE = re.compile(r"(?i)(=|<|>|\(|,|\blike|\blimit|\boffset|\bvalues)\s*$")
VALUE_AFTER = re.compile(r"(?i)^\s*($|\)|,|;|\b(and|or|limit|offset|order|group|having|escape)\b)")
EXECUTE = frozenset({"execute"})


def _value(index: SourceIndex, node: ast.expr) -> str:
    """A value's source, without a ``str()`` that only served the concatenation."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str" \
            and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    return index.text(node)


def _parameterize(index: SourceIndex, parts: Parts, placeholder: str) -> tuple[str, list[str]] | None:
    """(query text with placeholders, parameter sources), or None where a value is not in a value position."""
    query = ""
    params: list[str] = []
    pieces = list(parts)
    for position, piece in enumerate(pieces):
        if isinstance(piece, str):
            query += piece
            continue
        following = pieces[position + 1] if position + 1 < len(pieces) else ""
        if not isinstance(following, str):
            return None  # two values side by side
        if query.count("'") % 2 == 1:  # inside a quoted SQL string: the quotes go, their text joins the value
            prefix = query[query.rindex("'") + 1:]
            if "'" not in following:
                return None
            suffix = following[:following.index("'")]
            query = query[:query.rindex("'")]
            pieces[position + 1] = following[following.index("'") + 1:]
            value = _value(index, piece)
            if prefix or suffix:
                value = " + ".join([*([repr(prefix)] if prefix else []), f"str({value})",
                                    *([repr(suffix)] if suffix else [])])
        elif VALUE_BEFORE.search(query) and VALUE_AFTER.search(following):
            value = _value(index, piece)
        else:
            return None  # an identifier or a piece of SQL syntax: a placeholder cannot stand there
        query += placeholder
        params.append(value)
    return (query, params) if params else None


def _literal(text: str) -> str:
    if "\n" in text and '"""' not in text and "\\" not in text and not text.endswith('"'):
        return f'"""{text}"""'
    if '"' not in text and "\\" not in text and "\n" not in text:
        return f'"{text}"'
    return repr(text)


def _placeholder(index: SourceIndex, spec: FixSpec) -> str | None:
    """The driver's parameter style, from the modules imported (one style, or no fix)."""
    styles = {value for key, value in spec.options if key.startswith("paramstyle.")
              and any(m == key.removeprefix("paramstyle.") or m.startswith(key.removeprefix("paramstyle.") + ".")
                      for m in index.aliases.values())}
    return styles.pop() if len(styles) == 1 else None


def _sole_assignment(index: SourceIndex, call: ast.Call, name: str) -> ast.Assign | None:
    scope = index.scope_of(call)
    assignments = [n for n in ast.walk(scope) if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                   and any(isinstance(t, ast.Name) and t.id == name
                           for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    if len(assignments) != 1 or not isinstance(assignments[0], ast.Assign) or len(assignments[0].targets) != 1:
        return None
    return assignments[0] if assignments[0].lineno < call.lineno else None


@rewrite("sql_parameters")
def sql_parameters(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """The query's interpolated values become parameters, in the driver's placeholder style."""
    placeholder = _placeholder(index, spec)
    if placeholder is None:
        return None
    for call in index.calls_at(finding.line):
        if not isinstance(call.func, ast.Attribute) or call.func.attr not in EXECUTE:
            continue
        if len(call.args) != 1 or call.keywords:
            return None
        target = call.args[0]
        if isinstance(target, ast.Name):
            assignment = _sole_assignment(index, call, target.id)
            if assignment is None:
                return None
            target = assignment.value
        parts = string_parts(target)
        built = _parameterize(index, parts, placeholder) if parts else None
        if built is None:
            return None
        query, params = built
        if placeholder == "%s":
            query = query.replace("%", "%%").replace("%%s", "%s")
        arguments = "(" + ", ".join(params) + ("," if len(params) == 1 else "") + ")"
        return Rewrite((replace(index, target, _literal(query)), add_argument(index, call, arguments)))
    return None
