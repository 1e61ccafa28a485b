"""Extract a compilable Python program from free-form model output (fences, prose, think blocks, bodies).

The reply's pieces come from prompts/blocks.py; here one program is chosen from them, a bare body is joined
to the prompt's signature, and what the prompt defines and the code uses is put in front.
"""

from __future__ import annotations

import ast
import re
import textwrap
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
from safegen.prompts import blocks

__all__ = ["extract_code", "find_entry_point", "is_python_prompt"]

_PYTHON_LANGS = {"", "python", "python3", "py", "py3", "python3.11", "ipython", "pycon"}
_LANG_LINE = re.compile(r"^\s*(?:python3?|py)\s*$", re.IGNORECASE)


def _defines(tree: ast.Module, name: str) -> bool:
    return any(name in top_level_bound(stmt) for stmt in tree.body)


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
        end = blocks.trim_end(lines)
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
    lines = blocks.strip_blank_edges(code.split("\n"))
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
    stripped = blocks.strip_blank_edges(code.split("\n"))
    indented = bool(stripped) and stripped[0].startswith((" ", "\t"))
    if not indented and blocks.compiles(textwrap.dedent(code)):
        return None  # a complete program (or usage example) of its own, not a body
    tree = parse(textwrap.dedent(code))
    if tree is not None and _defines(tree, entry):
        return None
    head = prompt.text.rstrip() + "\n"
    for body in _body_variants(code):
        joined = head + body
        joined_tree = parse(joined)
        if blocks.compiles(joined) and joined_tree is not None and _defines(joined_tree, entry):
            return joined
    return None


def _salvage(code: str, prompt: _Prompt | None, entry: str | None) -> str | None:
    """Turn one fenced block into a compilable program, or None."""
    lines = code.split("\n")
    lines = blocks.strip_blank_edges(lines)
    if lines and _LANG_LINE.match(lines[0]):
        lines = lines[1:]
    code = "\n".join(lines)
    if not code.strip():
        return None
    continued = _as_continuation(code, prompt, entry)
    if continued is not None:
        return continued
    if blocks.compiles(code):
        return code
    dedented = textwrap.dedent(code)
    if dedented != code and blocks.compiles(dedented):
        return dedented
    if dedented.lstrip().startswith(">>>"):  # a REPL session, not a program with doctests inside
        return blocks.from_doctest(dedented)
    regions = blocks.regions(dedented)
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
        return (defines_entry, has_defs, blocks.size(candidates[i]), i)

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
    return merged if blocks.compiles(merged) else candidates[chosen]


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
    return merged if blocks.compiles(merged) else code


def _unfenced_candidates(plain: str, prompt: _Prompt | None, entry: str | None) -> list[str]:
    """Candidates from text without fences: the whole text, a bare body, or the code runs between prose."""
    lines = blocks.strip_blank_edges(plain.split("\n"))
    if lines and _LANG_LINE.match(lines[0]):
        lines = lines[1:]
    code = "\n".join(lines)
    first_code = next((i for i, line in enumerate(lines)
                       if line.startswith((" ", "\t")) or blocks.CODE_START.match(line)), len(lines))
    for attempt in (code, "\n".join(lines[first_code:])):
        continued = _as_continuation(attempt, prompt, entry)
        if continued is not None:
            return [continued]
    tree = parse(code)
    if tree is not None and not blocks.is_trivial(tree) and blocks.compiles(code):
        return [code]
    dedented = textwrap.dedent(code)
    if dedented != code and blocks.compiles(dedented):
        return [dedented]
    return blocks.regions(dedented)


def extract_code(text: str, *, prompt: str | None = None, entry_point: str | None = None) -> str:
    """Return the Python program in a model's reply; raise ExtractionError when none compiles."""
    if not isinstance(text, str) or not text.strip():
        raise ExtractionError("the model returned an empty reply",
                              hint="retry with a higher --max-tokens or another --seed")
    blocks.compile_budget.set(blocks.Budget())
    info = _python_prompt(prompt)
    entry = entry_point or (info.entry_point if info else None)
    pieces = blocks.split_blocks(blocks.preclean(text))
    fenced = [b for b in pieces if b.fenced and b.lang in _PYTHON_LANGS]
    candidates = [c for c in (_salvage(b.code, info, entry) for b in fenced) if c]
    if not candidates:
        plain = "\n".join(b.code for b in pieces if not b.fenced or b.lang in _PYTHON_LANGS)
        candidates = _unfenced_candidates(plain, info, entry)
    if not candidates:
        raise ExtractionError("the model's reply contains no parsable Python code",
                              hint="retry with another --seed, a larger --max-tokens, or a clearer requirement")
    chosen = _choose(candidates, entry)
    code = _merge_complementary(candidates, chosen)
    code = _complete_from_prompt(code, info, entry)
    return code.strip("\n") + "\n"
