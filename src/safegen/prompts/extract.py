"""Extract a compilable Python program from free-form model output (fences, prose, think blocks, bodies)."""

from __future__ import annotations

import ast
import re
import textwrap
from contextvars import ContextVar
from dataclasses import dataclass

from safegen.astutil import (
    FUNCTIONS,
    bound_names,
    free_names,
    has_definitions,
    parse,
    top_level_bound,
)
from safegen.errors import ExtractionError

__all__ = ["extract_code", "find_entry_point", "is_python_prompt"]

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_SPECIAL_TOKEN = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end|fim_[a-z]+|file_sep|repo_name)\|>")
_FENCE_OPEN = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+#.-]*)[^`]*$")
_TAG_OPEN = re.compile(r"^\s*\[PYTHON\]\s*$|^\s*<code>\s*$", re.IGNORECASE)
_TAG_CLOSE = re.compile(r"^\s*\[/PYTHON\]\s*$|^\s*</code>\s*$", re.IGNORECASE)
_PYTHON_LANGS = {"", "python", "python3", "py", "py3", "python3.11", "ipython", "pycon"}
_CODE_START = re.compile(
    r"^(?:async\s+def\s|def\s|class\s|import\s|from\s+[\w.]+\s+import\b|@[\w.]+|if\s|for\s|while\s|try\s*:"
    r"|with\s|return\b|raise\b|assert\s|print\(|#|\"\"\"|'''|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*"
    r"(?::[^=]+)?(?:=|\+=|-=|\*=|\())"
)
_LANG_LINE = re.compile(r"^\s*(?:python3?|py)\s*$", re.IGNORECASE)
_MAX_TRIM_STEPS = 200
_MAX_COMPILES = 1500  # per reply: bounds the cost of salvaging long degenerate output


class _Budget:
    """Counts compile attempts so that a pathological reply cannot take minutes to reject."""

    def __init__(self, limit: int = _MAX_COMPILES) -> None:
        self.left = limit

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


_budget: ContextVar[_Budget | None] = ContextVar("safegen_extract_budget", default=None)


@dataclass(frozen=True)
class _Block:
    """One piece of the output: a fenced block (with its language) or the text between fences."""

    code: str
    fenced: bool
    lang: str = ""


def _compiles(code: str) -> bool:
    """True when ``code`` compiles as a module (syntax and scope checks; nothing is executed)."""
    if not code.strip():
        return False
    try:
        compile(code, "<model output>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _preclean(text: str) -> str:
    """Drop think blocks, chat special tokens and carriage returns."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _THINK_BLOCK.sub("", text)
    if re.search(r"</think>", text, re.IGNORECASE):  # an opening tag cut off by the prompt template
        text = re.split(r"</think>", text, flags=re.IGNORECASE)[-1]
    elif re.search(r"<think>", text, re.IGNORECASE):  # unclosed think block: the answer may still follow a fence
        text = re.sub(r"<think>", "", text, flags=re.IGNORECASE)
    return _SPECIAL_TOKEN.sub("", text)


def _split_blocks(text: str) -> list[_Block]:
    """Split into fenced blocks and the text between them; an unclosed fence runs to the end."""
    blocks: list[_Block] = []
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
            blocks.append(_Block("\n".join(prose), fenced=False))
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
        blocks.append(_Block("\n".join(body), fenced=True, lang=lang))
        i += 1
    if prose:
        blocks.append(_Block("\n".join(prose), fenced=False))
    return blocks


def _defines(tree: ast.Module, name: str) -> bool:
    return any(name in top_level_bound(stmt) for stmt in tree.body)


def _size(code: str) -> int:
    return sum(1 for line in code.split("\n") if line.strip())


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _trim_end(lines: list[str]) -> int:
    """Largest ``end`` such that ``lines[:end]`` compiles (0 if none), cutting at each reported error line."""
    end = len(lines)
    for _ in range(_MAX_TRIM_STEPS):
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        budget = _budget.get()
        if end == 0 or (budget is not None and not budget.take()):
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


def _regions(text: str) -> list[str]:
    """The compilable runs of code in text, each starting at a line that looks like Python."""
    lines = text.split("\n")
    found: list[str] = []
    pos = 0
    while pos < len(lines):
        start = next((i for i in range(pos, len(lines)) if _CODE_START.match(lines[i])), None)
        if start is None:
            break
        end = _trim_end(lines[start:])
        if end == 0:
            pos = start + 1
            continue
        code = "\n".join(_strip_blank_edges(lines[start:start + end]))
        tree = parse(code)
        if tree is not None and not _is_trivial(tree):
            found.append(code)
        pos = start + end
    return found


def _is_trivial(tree: ast.Module) -> bool:
    """A lone name or constant (a stray word of prose parses as one) is not code."""
    return all(isinstance(s, ast.Expr) and isinstance(s.value, (ast.Name, ast.Constant)) for s in tree.body)


def _from_doctest(code: str) -> str | None:
    """Turn a ``>>>`` session into its statements, dropping the printed output."""
    lines = code.split("\n")
    if not any(line.lstrip().startswith(">>>") for line in lines):
        return None
    kept = [line.lstrip()[4:] for line in lines if line.lstrip().startswith((">>> ", "... ", ">>>", "..."))]
    result = "\n".join(kept)
    return result if _compiles(result) else None


@dataclass(frozen=True)
class _Prompt:
    """A Python prompt (imports + signature + docstring) and its parsed statements."""

    text: str
    tree: ast.Module
    entry_point: str | None


def _python_prompt(prompt: str | None) -> _Prompt | None:
    if not prompt:
        return None
    text = prompt.replace("\r\n", "\n")
    tree = _prompt_tree(text)
    if tree is None:
        return None
    return _Prompt(text=text, tree=tree, entry_point=_last_def(tree))


def _prompt_tree(text: str) -> ast.Module | None:
    """The prompt's AST if it is Python code with at least one import, def or class."""
    tree = parse(text)
    if tree is None:
        lines = text.rstrip().split("\n")
        end = _trim_end(lines)
        if end * 2 < len(lines):
            return None
        tree = parse("\n".join(lines[:end]))
        if tree is None:
            return None
    kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return tree if any(isinstance(s, kinds) for s in tree.body) else None


def _last_def(tree: ast.Module) -> str | None:
    defs = [s.name for s in tree.body if isinstance(s, FUNCTIONS)]
    return defs[-1] if defs else None


def is_python_prompt(text: str) -> bool:
    """True when the requirement is Python code (imports, signature, docstring) rather than prose."""
    return _prompt_tree(text.replace("\r\n", "\n")) is not None


def find_entry_point(prompt: str) -> str | None:
    """The function a Python prompt asks for: its last top-level ``def``; None for prose."""
    info = _python_prompt(prompt)
    if info is not None:
        return info.entry_point
    found = re.findall(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", prompt, re.MULTILINE)
    return found[-1] if found else None


def _body_variants(code: str) -> list[str]:
    """Ways to indent a function body the model returned without its signature."""
    lines = _strip_blank_edges(code.split("\n"))
    if not lines:
        return []
    variants = []
    if lines[0].startswith((" ", "\t")):
        variants.append("\n".join(lines))
    dedented = textwrap.dedent("\n".join(lines))
    variants.append(textwrap.indent(dedented, "    "))
    if len(lines) > 1 and lines[1].startswith((" ", "\t")):
        variants.append("    " + lines[0].lstrip() + "\n" + "\n".join(lines[1:]))
    return variants


def _as_continuation(code: str, prompt: _Prompt | None, entry: str | None) -> str | None:
    """prompt + code, when code is the body of the prompt's function (the prompt not repeated)."""
    if prompt is None or entry is None or prompt.entry_point != entry:
        return None
    stripped = _strip_blank_edges(code.split("\n"))
    indented = bool(stripped) and stripped[0].startswith((" ", "\t"))
    if not indented and _compiles(textwrap.dedent(code)):
        return None  # a complete program (or usage example) of its own, not a body
    tree = parse(textwrap.dedent(code))
    if tree is not None and _defines(tree, entry):
        return None
    head = prompt.text.rstrip() + "\n"
    for body in _body_variants(code):
        joined = head + body
        joined_tree = parse(joined)
        if _compiles(joined) and joined_tree is not None and _defines(joined_tree, entry):
            return joined
    return None


def _salvage(code: str, prompt: _Prompt | None, entry: str | None) -> str | None:
    """Turn one fenced block into a compilable program, or None."""
    lines = code.split("\n")
    lines = _strip_blank_edges(lines)
    if lines and _LANG_LINE.match(lines[0]):
        lines = lines[1:]
    code = "\n".join(lines)
    if not code.strip():
        return None
    continued = _as_continuation(code, prompt, entry)
    if continued is not None:
        return continued
    if _compiles(code):
        return code
    dedented = textwrap.dedent(code)
    if dedented != code and _compiles(dedented):
        return dedented
    if dedented.lstrip().startswith(">>>"):  # a REPL session, not a program with doctests inside
        return _from_doctest(dedented)
    regions = _regions(dedented)
    if regions:
        return "\n\n".join(regions)
    return None


def _choose(candidates: list[str], entry: str | None) -> int:
    """Index of the main candidate: one defining the entry point, else the largest with definitions."""
    trees = [parse(c) for c in candidates]

    def score(i: int) -> tuple[int, int, int, int]:
        tree = trees[i]
        defines_entry = int(bool(entry) and tree is not None and _defines(tree, entry or ""))
        has_defs = int(tree is not None and has_definitions(tree))
        return (defines_entry, has_defs, _size(candidates[i]), i)

    return max(range(len(candidates)), key=score)


def _merge_complementary(candidates: list[str], chosen: int) -> str:
    """Add the other blocks that define names the chosen one uses and does not define (imports, helpers)."""
    main_tree = parse(candidates[chosen])
    if main_tree is None:
        return candidates[chosen]
    main_bound = {name for stmt in main_tree.body for name in top_level_bound(stmt)}
    needed = free_names(main_tree)
    included: set[int] = set()
    changed = True
    while changed and needed:
        changed = False
        for i, code in enumerate(candidates):
            if i == chosen or i in included:
                continue
            tree = parse(code)
            if tree is None:
                continue
            bound = {name for stmt in tree.body for name in top_level_bound(stmt)}
            if bound & needed and not bound & main_bound:
                included.add(i)
                main_bound |= bound
                needed = (needed | free_names(tree)) - main_bound
                changed = True
    parts = [candidates[i] for i in sorted(included)] + [candidates[chosen]]
    merged = "\n\n".join(parts)
    return merged if _compiles(merged) else candidates[chosen]


def _complete_from_prompt(code: str, prompt: _Prompt | None, entry: str | None) -> str:
    """Prepend what the prompt defines and the code uses without defining (imports, helper functions)."""
    if prompt is None:
        return code
    tree = parse(code)
    if tree is None:
        return code
    needed = free_names(tree)
    bound = bound_names(tree)
    chosen: list[ast.stmt] = []
    changed = True
    while changed and needed:
        changed = False
        for stmt in prompt.tree.body:
            if stmt in chosen:
                continue
            if isinstance(stmt, FUNCTIONS) and stmt.name == entry:
                continue
            names = top_level_bound(stmt)
            if names & needed:
                chosen.append(stmt)
                bound |= names
                needed = (needed | free_names(stmt)) - bound
                changed = True
    if not chosen:
        return code
    chosen.sort(key=lambda s: s.lineno)
    segments = [ast.get_source_segment(prompt.text, s, padded=False) or "" for s in chosen]
    for stmt, segment in zip(chosen, segments):
        decorators = getattr(stmt, "decorator_list", [])
        if decorators:
            first = min(d.lineno for d in decorators)
            lines = prompt.text.split("\n")
            segments[chosen.index(stmt)] = "\n".join(lines[first - 1:stmt.end_lineno or stmt.lineno])
    merged = "\n".join(segments) + "\n\n\n" + code
    return merged if _compiles(merged) else code


def _unfenced_candidates(plain: str, prompt: _Prompt | None, entry: str | None) -> list[str]:
    """Candidates from text without fences: the whole text, a bare body, or the code runs between prose."""
    lines = _strip_blank_edges(plain.split("\n"))
    if lines and _LANG_LINE.match(lines[0]):
        lines = lines[1:]
    code = "\n".join(lines)
    first_code = next((i for i, line in enumerate(lines)
                       if line.startswith((" ", "\t")) or _CODE_START.match(line)), len(lines))
    for attempt in (code, "\n".join(lines[first_code:])):
        continued = _as_continuation(attempt, prompt, entry)
        if continued is not None:
            return [continued]
    tree = parse(code)
    if tree is not None and not _is_trivial(tree) and _compiles(code):
        return [code]
    dedented = textwrap.dedent(code)
    if dedented != code and _compiles(dedented):
        return [dedented]
    return _regions(dedented)


def extract_code(text: str, *, prompt: str | None = None, entry_point: str | None = None) -> str:
    """Return the Python program in a model's reply; raise ExtractionError when none compiles."""
    if not isinstance(text, str) or not text.strip():
        raise ExtractionError("the model returned an empty reply",
                              hint="retry with a higher --max-tokens or another --seed")
    _budget.set(_Budget())
    info = _python_prompt(prompt)
    entry = entry_point or (info.entry_point if info else None)
    blocks = _split_blocks(_preclean(text))
    fenced = [b for b in blocks if b.fenced and b.lang in _PYTHON_LANGS]
    candidates = [c for c in (_salvage(b.code, info, entry) for b in fenced) if c]
    if not candidates:
        plain = "\n".join(b.code for b in blocks if not b.fenced or b.lang in _PYTHON_LANGS)
        candidates = _unfenced_candidates(plain, info, entry)
    if not candidates:
        raise ExtractionError("the model's reply contains no parsable Python code",
                              hint="retry with another --seed, a larger --max-tokens, or a clearer requirement")
    chosen = _choose(candidates, entry)
    code = _merge_complementary(candidates, chosen)
    code = _complete_from_prompt(code, info, entry)
    return code.strip("\n") + "\n"
