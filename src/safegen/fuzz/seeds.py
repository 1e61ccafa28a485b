"""Seed inputs proposed by the LLM from the requirement, as JSON; bad model output yields no seeds."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from safegen.backends.interface import ChatMessage, GenerationParams, LLMBackend
from safegen.errors import InputError

SYSTEM = ("You write test inputs for Python functions. Answer with JSON only: a list of argument lists, "
          "one argument list per call. No prose.")
PROMPT = """Requirement:
{requirement}

Code:
```python
{code}
```

Propose {n} different inputs for `{entry_point}({params})`: typical valid ones, edge cases (empty, zero,
negative, unicode) and hostile ones (path traversal, shell metacharacters, quotes, format strings, NUL
bytes). Keep every value short (under 60 characters): the fuzzer makes long values itself. Each input
is a JSON list with exactly {arity} argument(s), for example {example}. Answer with one JSON list of
{n} such lists."""
MAX_TOKENS = 384  # eight short argument lists fit; a model that rambles is cut off and its complete lists kept

_FENCE = re.compile(r"```(?:json|python|py)?\s*\n?(.*?)```", re.DOTALL | re.IGNORECASE)


def _params(code: str, entry_point: str) -> list[str] | None:
    from safegen.fuzz.signature import parse_signature

    try:
        signature = parse_signature(code, entry_point)
    except InputError:
        return None
    return [p.name for p in signature.params]


def _outer_lists(text: str) -> list[str]:
    """Every balanced [...] span, outermost first (quotes respected)."""
    spans = []
    depth, start, quote, escaped = 0, -1, "", False
    for position, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char == "[":
            if depth == 0:
                start = position
            depth += 1
        elif char == "]" and depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start:position + 1])
    return spans


def _load(text: str) -> Any:
    for loader in (json.loads, ast.literal_eval):
        try:
            return loader(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None


def _completed_items(text: str) -> list[Any]:
    """The complete inner lists of an outer list that never closed (a reply cut off by the token limit)."""
    opening = text.find("[")
    if opening < 0 or _outer_lists(text[opening:]):
        return []
    items = [_load(span) for span in _outer_lists(text[opening + 1:])]
    return [item for item in items if isinstance(item, list)]


def parse_seeds(text: str, arity: int | None, n: int) -> list[list[Any]]:
    """Argument lists from model output: JSON (or a Python literal) in a fence or anywhere in the text."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    found: list[Any] = []
    for block in candidates:
        value = _load(block.strip())
        if isinstance(value, list):
            found = value
            break
        for span in _outer_lists(block):
            value = _load(span)
            if isinstance(value, list) and value:
                found = value
                break
        if found:
            break
    if not found:  # cut off mid-answer: keep the argument lists that were completed
        found = _completed_items(text)
    if isinstance(found, list):
        found = [list(item) if isinstance(item, tuple) else item for item in found]
    if isinstance(found, list) and arity and arity > 1 and len(found) == arity and not any(
            isinstance(item, list) and len(item) == arity for item in found):
        found = [found]  # the model gave a single argument list
    seeds: list[list[Any]] = []
    for item in found if isinstance(found, list) else []:
        if arity == 1 and not (isinstance(item, list) and len(item) == 1):
            item = [item]  # one-parameter functions: a bare value is the argument
        if not isinstance(item, list):
            continue
        if arity is not None and len(item) != arity:
            continue
        if item not in seeds:
            seeds.append(item)
        if len(seeds) >= n:
            break
    return seeds


def propose_seeds(backend: LLMBackend, requirement: str, code: str, entry_point: str, n: int = 8) -> list[Any]:
    """Ask the model for ``n`` argument lists; returns [] when its answer holds none (backend errors propagate)."""
    params = _params(code, entry_point)
    arity = len(params) if params is not None else None
    if arity == 0:  # nothing to propose for a function without parameters
        return []
    shown = ", ".join(params or ["..."])
    example = json.dumps([["example"] * arity] if arity else [["arg1", 2]])
    prompt = PROMPT.format(requirement=requirement.strip() or "(none given)", code=code.strip(),
                           entry_point=entry_point, params=shown, n=n, arity=arity if arity is not None else "the",
                           example=example)
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", prompt)]
    completions = backend.complete(messages, GenerationParams(n=1, temperature=0.0, max_tokens=MAX_TOKENS))
    if not completions:
        return []
    try:
        return list(parse_seeds(completions[0].text or "", arity, n))
    except Exception:  # never let odd model output break fuzzing
        return []
