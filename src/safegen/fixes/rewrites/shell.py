"""Shell commands -> argument lists: ``subprocess.run("ls -l " + d, shell=True)`` -> ``run(["ls", "-l", d])``."""

from __future__ import annotations

import ast

from safegen.fixes.interface import Edit, FixSpec, Rewrite
from safegen.fixes.registry import rewrite
from safegen.fixes.source import SourceIndex, is_true, keyword, replace
from safegen.fixes.strings import string_parts
from safegen.types import Finding

SUBPROCESS = frozenset({"run", "call", "check_call", "check_output", "Popen"})
# Characters that make the shell do more than split words and strip quotes: such a command is left alone.
SHELL_SYNTAX = frozenset("|&;<>()$`\\*?[]{}~\n#")

Word = list[str | ast.expr]


def _words(parts: list[str | ast.expr]) -> list[Word] | None:
    """Split as the shell splits words (quotes group, whitespace separates); None on other shell syntax.

    An interpolated value stays inside its word: where the shell would split it again, the argument
    list passes it whole, which is the point of the fix.
    """
    words: list[Word] = []
    current: Word | None = None
    quote = ""
    for part in parts:
        if not isinstance(part, str):
            current = [] if current is None else current
            current.append(part)
            continue
        for char in part:
            if char in SHELL_SYNTAX:
                return None
            if quote and char == quote:
                quote = ""
            elif quote:
                current = [] if current is None else current
                current.append(char)
            elif char in "'\"":
                quote = char
                current = [] if current is None else current
            elif char.isspace():
                if current is not None:
                    words.append(current)
                current = None
            else:
                current = [] if current is None else current
                current.append(char)
    if quote:
        return None
    if current is not None:
        words.append(current)
    return words


def _render(index: SourceIndex, word: Word) -> str:
    pieces: list[str] = []
    literal = ""
    for piece in word:
        if isinstance(piece, str):
            literal += piece
            continue
        if literal:
            pieces.append(repr(literal))
            literal = ""
        pieces.append(f"str({index.text(piece)})")
    if literal or not pieces:
        pieces.append(repr(literal))
    return " + ".join(pieces)


def _argv(index: SourceIndex, node: ast.expr) -> tuple[str, tuple[str, ...]] | None:
    """Source of an argument list equivalent to the command string ``node``, with the imports it needs.

    Literal text and interpolations (f-strings, ``+``) become a list literal; a command held in a
    variable becomes ``shlex.split(command)``.
    """
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
        return f"shlex.split({index.text(node)})", ("shlex",)
    parts = string_parts(node)
    if parts is None or parts == [node]:
        return None
    words = _words(parts)
    if not words:
        return None
    return "[" + ", ".join(_render(index, word) for word in words) + "]", ()


@rewrite("subprocess_argv")
def subprocess_argv(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``subprocess.run(cmd, shell=True)`` -> ``subprocess.run([...], shell=False)``."""
    for call in index.calls_at(finding.line):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        shell = keyword(call, "shell")
        if module != "subprocess" or function not in SUBPROCESS or shell is None or not is_true(shell.value):
            continue
        command = call.args[0] if call.args else None
        if command is None or isinstance(command, ast.Starred):
            continue
        if isinstance(command, (ast.List, ast.Tuple)):
            return Rewrite((replace(index, shell.value, "False"),))
        argv = _argv(index, command)
        if argv is None:
            return None
        source, imports = argv
        return Rewrite((replace(index, command, source), replace(index, shell.value, "False")), imports)
    return None


@rewrite("os_system_argv")
def os_system_argv(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """A statement ``os.system(cmd)`` (result unused) -> ``subprocess.run([...], check=False)``."""
    for call in index.calls_at(finding.line):
        if index.qualname(call.func) != "os.system" or len(call.args) != 1 or call.keywords:
            continue
        if not isinstance(index.parents.get(call), ast.Expr):
            return None
        argv = _argv(index, call.args[0])
        if argv is None:
            return None
        source, imports = argv
        return Rewrite((Edit(*index.span(call), f"subprocess.run({source}, check=False)"),),
                       (*imports, "subprocess"))
    return None
