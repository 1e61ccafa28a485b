"""The pieces of a model's reply: fenced blocks and prose, and the runs of text in them that compile.

Cleaning (think blocks, chat tokens), splitting at fences, trimming a run to its longest compilable
prefix, and the compile budget that keeps a degenerate reply from taking minutes. Choosing and completing
the program from these pieces is prompts/extract.py's job.
"""

from __future__ import annotations

import ast
import re
from contextvars import ContextVar
from dataclasses import dataclass

from safegen.astutil import parse

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_SPECIAL_TOKEN = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end|fim_[a-z]+|file_sep|repo_name)\|>")
_FENCE_OPEN = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^`]*$")
_TAG_OPEN = re.compile(r"^\s*\[PYTHON\]\s*$|^\s*<code>\s*$", re.IGNORECASE)
_TAG_CLOSE = re.compile(r"^\s*\[/PYTHON\]\s*$|^\s*</code>\s*$", re.IGNORECASE)
CODE_START = re.compile(
    r"^(?:async\s+def\s|def\s|class\s|import\s|from\s+[\w.]+\s+import\b|@[\w.]+|if\s|for\s|while\s|try\s*:"
    r"|with\s|return\b|raise\b|assert\s|print\(|#|\"\"\"|'''|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*"
    r"(?::[^=]+)?(?:=|\+=|-=|\*=|\())"
)
_MAX_TRIM_STEPS = 200
_MAX_COMPILES = 1500  # per reply: bounds the cost of salvaging long degenerate output


class Budget:
    """Counts compile attempts so that a pathological reply cannot take minutes to reject."""

    def __init__(self, limit: int = _MAX_COMPILES) -> None:
        self.left = limit

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


compile_budget: ContextVar[Budget | None] = ContextVar("safegen_extract_budget", default=None)


@dataclass(frozen=True)
class Block:
    """One piece of the output: a fenced block (with its language) or the text between fences."""

    code: str
    fenced: bool
    lang: str = ""


def compiles(code: str) -> bool:
    """True when ``code`` compiles as a module (syntax and scope checks; nothing is executed)."""
    if not code.strip():
        return False
    try:
        compile(code, "<model output>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def preclean(text: str) -> str:
    """Drop think blocks, chat special tokens and carriage returns."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _THINK_BLOCK.sub("", text)
    if re.search(r"</think>", text, re.IGNORECASE):  # an opening tag cut off by the prompt template
        text = re.split(r"</think>", text, flags=re.IGNORECASE)[-1]
    elif re.search(r"<think>", text, re.IGNORECASE):  # unclosed think block: the answer may still follow a fence
        text = re.sub(r"<think>", "", text, flags=re.IGNORECASE)
    return _SPECIAL_TOKEN.sub("", text)


def split_blocks(text: str) -> list[Block]:
    """Split into fenced blocks and the text between them; an unclosed fence runs to the end."""
    blocks: list[Block] = []
    prose: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = _FENCE_OPEN.match(line)
        tag = _TAG_OPEN.match(line)
        if not opened and not tag:
            prose.append(line)
            i += 1
            continue
        if prose:
            blocks.append(Block("\n".join(prose), fenced=False))
            prose = []
        fence = opened.group("fence") if opened else ""
        lang = opened.group("lang").lower() if opened else "python"
        body: list[str] = []
        i += 1
        while i < len(lines):
            current = lines[i]
            stripped = current.strip()
            if fence and stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            if not fence and _TAG_CLOSE.match(current):
                break
            if fence and current.rstrip().endswith(fence) and stripped != fence:
                body.append(current.rstrip()[: -len(fence)])  # "    return x```"
                break
            body.append(current)
            i += 1
        blocks.append(Block("\n".join(body), fenced=True, lang=lang))
        i += 1
    if prose:
        blocks.append(Block("\n".join(prose), fenced=False))
    return blocks


def size(code: str) -> int:
    return sum(1 for line in code.split("\n") if line.strip())


def strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def trim_end(lines: list[str]) -> int:
    """Largest ``end`` such that ``lines[:end]`` compiles (0 if none), cutting at each reported error line."""
    end = len(lines)
    for _ in range(_MAX_TRIM_STEPS):
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        left = compile_budget.get()
        if end == 0 or (left is not None and not left.take()):
            return 0
        code = "\n".join(lines[:end])
        try:
            compile(code, "<model output>", "exec", dont_inherit=True)
            return end
        except SyntaxError as exc:
            lineno = exc.lineno or end
            if lineno == 1 and end > 1:
                return 0  # the first line itself is broken: no prefix of this run can compile
            end = lineno - 1 if 1 < lineno <= end else end - 1
        except (ValueError, RecursionError, MemoryError):
            end -= 1
    return 0


def regions(text: str) -> list[str]:
    """The compilable runs of code in text, each starting at a line that looks like Python."""
    lines = text.split("\n")
    found: list[str] = []
    pos = 0
    while pos < len(lines):
        start = next((i for i in range(pos, len(lines)) if CODE_START.match(lines[i])), None)
        if start is None:
            break
        end = trim_end(lines[start:])
        if end == 0:
            pos = start + 1
            continue
        code = "\n".join(strip_blank_edges(lines[start:start + end]))
        tree = parse(code)
        if tree is not None and not is_trivial(tree):
            found.append(code)
        pos = start + end
    return found


def is_trivial(tree: ast.Module) -> bool:
    """A lone name or constant (a stray word of prose parses as one) is not code."""
    return all(isinstance(s, ast.Expr) and isinstance(s.value, (ast.Name, ast.Constant)) for s in tree.body)


def from_doctest(code: str) -> str | None:
    """Turn a ``>>>`` session into its statements, dropping the printed output."""
    lines = code.split("\n")
    if not any(line.lstrip().startswith(">>>") for line in lines):
        return None
    kept = [line.lstrip()[4:] for line in lines if line.lstrip().startswith((">>> ", "... ", ">>>", "..."))]
    result = "\n".join(kept)
    return result if compiles(result) else None
