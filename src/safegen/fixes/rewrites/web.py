"""Web output: values written into HTML get ``html.escape``; redirect targets get a same-host check."""

from __future__ import annotations

import ast
import re

from safegen.fixes.interface import Edit, FixSpec, Rewrite
from safegen.fixes.registry import rewrite
from safegen.fixes.source import SourceIndex, replace
from safegen.types import Finding

TAG = re.compile(r"<[a-zA-Z/!]")
ESCAPERS = frozenset({"html.escape", "markupsafe.escape", "flask.escape", "markupsafe.Markup.escape",
                      "django.utils.html.escape", "bleach.clean", "int", "float", "len", "bool"})
RESPONSES = frozenset({"flask.make_response", "flask.Response", "django.http.HttpResponse"})
REDIRECTS = frozenset({"flask.redirect", "django.shortcuts.redirect", "django.http.HttpResponseRedirect",
                       "django.http.HttpResponsePermanentRedirect", "starlette.responses.RedirectResponse",
                       "fastapi.responses.RedirectResponse", "werkzeug.utils.redirect"})


def _is_html(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(TAG.search(node.value))


def _escaped(index: SourceIndex, node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or isinstance(node, ast.Call) and index.qualname(node.func) in ESCAPERS


def _values(node: ast.expr) -> list[ast.expr] | None:
    """The values an HTML-building expression interpolates, or None when it builds no HTML."""
    if isinstance(node, ast.JoinedStr):
        if not any(_is_html(v) for v in node.values):
            return None
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        leaves: list[ast.expr] = []
        stack: list[ast.expr] = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
                stack.extend([item.right, item.left])
            else:
                leaves.append(item)
        return [leaf for leaf in leaves if not isinstance(leaf, ast.Constant)] \
            if any(_is_html(leaf) for leaf in leaves) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_html(node.left):
        if isinstance(node.right, ast.Dict):
            return None
        return list(node.right.elts) if isinstance(node.right, ast.Tuple) else [node.right]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and _is_html(node.func.value):
        return [*node.args, *(k.value for k in node.keywords)]
    return None


@rewrite("html_escape")
def html_escape(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """Each value put into an HTML string on the finding's statement is wrapped in ``html.escape(str(...))``.

    A response that reflects a value as its whole body (``return name``, ``make_response(name)``) gets
    the same wrapping.
    """
    statement = index.statement_at(finding.line)
    if statement is None:
        return None
    start, end = index.header_span(statement)
    targets: list[ast.expr] = []
    seen: set[int] = set()
    for node in ast.walk(statement):
        node_start, node_end = index.span(node) if hasattr(node, "lineno") else (-1, -1)
        if not isinstance(node, ast.expr) or node_start < start or node_end > end:
            continue
        for value in _values(node) or []:
            if id(value) not in seen and not _escaped(index, value) and not isinstance(value, ast.JoinedStr):
                seen.add(id(value))
                targets.append(value)
    if not targets:
        reflected: ast.expr | None = None
        if isinstance(statement, ast.Return) and isinstance(statement.value, (ast.Name, ast.Attribute, ast.Subscript)):
            reflected = statement.value
        for call in index.calls_at(finding.line):
            if index.qualname(call.func) in RESPONSES and call.args \
                    and isinstance(call.args[0], (ast.Name, ast.Attribute, ast.Subscript)):
                reflected = call.args[0]
        if reflected is None:
            return None
        targets = [reflected]
    edits = tuple(replace(index, value, f"html.escape(str({index.text(value)}))") for value in targets)
    return Rewrite(edits, ("html",))


def _block_statement(index: SourceIndex, node: ast.AST) -> ast.stmt | None:
    """The statement holding ``node``, when it starts its own line in a block (so lines can go before it)."""
    statement = index.statement_of(node)
    if statement is None:
        return None
    if statement.col_offset != len(index.indent(statement.lineno).encode("utf-8")):
        return None
    parent = index.parents.get(statement)
    blocks = [getattr(parent, name, None) for name in ("body", "orelse", "finalbody", "handlers")]
    return statement if any(isinstance(b, list) and statement in b for b in blocks) else None


@rewrite("redirect_same_host")
def redirect_same_host(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """Before ``redirect(target)``: a target that is not a path on this host becomes ``fallback`` ("/")."""
    fallback = spec.option("fallback", "/")
    for call in index.calls_at(finding.line):
        if index.qualname(call.func) not in REDIRECTS or not call.args or isinstance(call.args[0], ast.Starred):
            continue
        target = call.args[0]
        statement = _block_statement(index, call)
        if statement is None or isinstance(target, ast.Constant):
            return None
        indent = index.indent(statement.lineno)
        edits: list[Edit] = []
        if isinstance(target, ast.Name):
            name = target.id
            before = ""
        else:
            taken = index.names_in(index.scope_of(call))
            name = next(n for n in ("redirect_target", "redirect_url", "safe_target", "target_url") if n not in taken)
            before = f"{indent}{name} = {index.text(target)}\n"
            edits.append(replace(index, target, name))
        check = (f"{indent}if not {name} or urllib.parse.urlparse({name}).netloc "
                 f"or not {name}.startswith(\"/\") or {name}.startswith((\"//\", \"/\\\\\")):\n"
                 f"{indent}    {name} = \"{fallback}\"\n")
        line = index.line_start(statement.lineno)
        edits.append(Edit(line, line, before + check))
        return Rewrite(tuple(edits), ("urllib.parse",))
    return None
