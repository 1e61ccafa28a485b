"""Source-segment editing on top of the stdlib ``ast``: offsets, name resolution, edits and imports."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

from safegen.fixes.interface import Edit

COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
            ast.AsyncFunctionDef, ast.ClassDef, ast.Match)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class SourceIndex:
    """One parsed module: its tree, character offsets of nodes, parents and imported names.

    Raises SyntaxError (or ValueError) when the code does not parse; callers treat that as unfixable.
    """

    def __init__(self, code: str) -> None:
        self.code = code
        self.tree = ast.parse(code)
        self.lines = code.splitlines(keepends=True)
        self._starts = [0]
        for text in self.lines:
            self._starts.append(self._starts[-1] + len(text))
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.aliases = self._aliases()

    # ------------------------------------------------------------ positions

    def offset(self, line: int, col_bytes: int) -> int:
        """Character offset of an ast position (1-based line, column in UTF-8 bytes)."""
        if line - 1 >= len(self.lines):
            return len(self.code)
        text = self.lines[line - 1]
        return self._starts[line - 1] + len(text.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))

    def line_start(self, line: int) -> int:
        return self._starts[min(max(line, 1), len(self._starts)) - 1]

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]
        return start, end

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.code[start:end]

    def indent(self, line: int) -> str:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return text[:len(text) - len(text.lstrip(" \t"))]

    # ------------------------------------------------------------ lookups

    def nodes_at(self, line: int, kind: type[ast.AST] | tuple[type[ast.AST], ...]) -> list[ast.AST]:
        """Nodes of a kind whose lines include ``line``, innermost (smallest) first."""
        found = [n for n in ast.walk(self.tree) if isinstance(n, kind) and hasattr(n, "lineno")
                 and n.lineno <= line <= (getattr(n, "end_lineno", None) or n.lineno)]
        return sorted(found, key=lambda n: (getattr(n, "end_lineno", None) or n.lineno) - n.lineno)

    def calls_at(self, line: int) -> list[ast.Call]:
        return [n for n in self.nodes_at(line, ast.Call) if isinstance(n, ast.Call)]

    def statement_at(self, line: int) -> ast.stmt | None:
        statements = [n for n in self.nodes_at(line, ast.stmt) if isinstance(n, ast.stmt)]
        return statements[0] if statements else None

    def header_span(self, statement: ast.stmt) -> tuple[int, int]:
        """The statement's text, only its header for a compound statement (``with ...:``, ``if ...:``)."""
        start, end = self.span(statement)
        if isinstance(statement, COMPOUND):
            body = getattr(statement, "body", None)
            if isinstance(body, list) and body:
                end = min(end, self.line_start(body[0].lineno))
        return start, end

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, FUNCTIONS):
            current = self.parents.get(current)
        return current if isinstance(current, FUNCTIONS) else None

    def scope_of(self, node: ast.AST) -> ast.AST:
        return self.function_of(node) or self.tree

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(current)
        return current

    def names_in(self, scope: ast.AST) -> set[str]:
        """Every name bound or read in a scope (parameters included), to pick fresh names."""
        names = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}
        names |= {a.arg for a in ast.walk(scope) if isinstance(a, ast.arg)}
        return names

    # ------------------------------------------------------------ names

    def _aliases(self) -> dict[str, str]:
        """Local name -> the dotted name it was imported as (``ET`` -> ``xml.etree.ElementTree``)."""
        aliases: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        aliases[head] = head
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return aliases

    def qualname(self, node: ast.AST) -> str | None:
        """``ET.fromstring`` -> ``xml.etree.ElementTree.fromstring``; None when not a dotted name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def imports(self, module: str) -> bool:
        """True when ``import module`` (unaliased) is already at the top of the module."""
        return any(isinstance(n, ast.Import) and any(a.name == module and not a.asname for a in n.names)
                   for n in self.tree.body)


# ---------------------------------------------------------------- edits


def replace(index: SourceIndex, node: ast.AST, text: str) -> Edit:
    start, end = index.span(node)
    return Edit(start, end, text)


def _arguments(call: ast.Call) -> list[ast.AST]:
    """Positional and keyword arguments in source order."""
    items: list[ast.AST] = [*call.args, *call.keywords]
    return sorted(items, key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]


def remove_argument(index: SourceIndex, call: ast.Call, argument: ast.AST) -> Edit:
    """Delete one argument and the comma that separates it from its neighbour."""
    items = _arguments(call)
    position = items.index(argument)
    start, end = index.span(argument)
    if position > 0:
        start = index.span(items[position - 1])[1]
    elif position + 1 < len(items):
        end = index.span(items[position + 1])[0]
    else:  # the only argument: everything between the parentheses goes
        start = index.span(call.func)[1]
        start = index.code.index("(", start) + 1
        end = index.span(call)[1] - 1
    return Edit(start, end, "")


def add_argument(index: SourceIndex, call: ast.Call, text: str) -> Edit:
    """Append ``text`` (``name=value``) as the call's last argument."""
    items = _arguments(call)
    if items:
        end = index.span(items[-1])[1]
        return Edit(end, end, f", {text}")
    close = index.span(call)[1] - 1
    return Edit(close, close, text)


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def import_edit(index: SourceIndex, modules: Iterable[str]) -> Edit | None:
    """One edit adding ``import m`` lines after the module's leading imports, for modules not imported."""
    missing = sorted({m for m in modules if not index.imports(m)})
    if not missing:
        return None
    body = index.tree.body
    after: ast.stmt | None = None
    for position, statement in enumerate(body):
        docstring = position == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
            and isinstance(statement.value.value, str)
        if docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
            after = statement
        else:
            break
    text = "".join(f"import {m}\n" for m in missing)
    if after is None:
        return Edit(0, 0, text)
    line = (after.end_lineno or after.lineno) + 1
    if line > len(index.lines):
        end = len(index.code)
        return Edit(end, end, ("" if index.code.endswith("\n") else "\n") + text)
    start = index.line_start(line)
    return Edit(start, start, text)


def apply_edits(code: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (offsets into ``code``)."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].start, item[1].end, item[0]), reverse=True)
    for _, edit in ordered:
        code = code[:edit.start] + edit.text + code[edit.end:]
    return code


def line_mapper(code: str, edits: Sequence[Edit]) -> dict[int, int]:
    """Original line -> its line after the edits (lines inside an edit move with its start)."""
    index_starts = [0]
    for text in code.splitlines(keepends=True):
        index_starts.append(index_starts[-1] + len(text))
    mapping: dict[int, int] = {}
    for line in range(1, len(index_starts)):
        offset = index_starts[line - 1]
        delta = sum(e.text.count("\n") - code[e.start:e.end].count("\n") for e in edits if e.end <= offset)
        mapping[line] = line + delta
    return mapping


def walk_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node
