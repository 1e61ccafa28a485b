"""Shrink a failing input while the same defect (same kind, type and location) still reproduces."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from safegen.fuzz.triage import compact_repr

# Runs a batch of candidate argument tuples; returns for each whether the defect reproduced.
Oracle = Callable[[Sequence[tuple[Any, ...]]], list[bool]]


def weight(value: Any) -> int:
    """How much data a value holds: characters, items, digits."""
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return abs(value).bit_length()
    if isinstance(value, dict):
        return 1 + sum(weight(k) + weight(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return 1 + sum(weight(v) for v in value)
    return 1


def size(values: Any) -> tuple[int, int]:
    """Smaller means less data, then a shorter repr (plainer characters)."""
    return weight(values), len(compact_repr(values, limit=10**9))


def _shrink_value(value: Any) -> Iterator[Any]:
    """Smaller variants of one value, most aggressive first."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        for smaller_int in (0, 1, -1, value // 2, value - (1 if value > 0 else -1)):
            if abs(smaller_int) < abs(value):
                yield smaller_int
        return
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return
        for smaller_float in (0.0, 1.0, float(int(value)), value / 2):
            if abs(smaller_float) < abs(value):
                yield smaller_float
        return
    if isinstance(value, (str, bytes, bytearray, list, tuple)):
        yield from _shrink_sequence(value)
        return
    if isinstance(value, dict):
        for key in list(value):
            yield {k: v for k, v in value.items() if k != key}
        for key, item in value.items():
            for smaller in _shrink_value(item):
                yield {**value, key: smaller}
        return
    if isinstance(value, (set, frozenset)):
        for item in list(value):
            yield type(value)(value - {item})


def _shrink_sequence(value: Any) -> Iterator[Any]:
    """Shorter strings, bytes, lists and tuples: empty, plainer characters, then chunks removed."""
    length = len(value)
    if length == 0:
        return
    yield value[:0]
    if isinstance(value, str):  # same length, plainer characters: often enough to read the defect
        ascii_only = "".join(ch if " " <= ch <= "~" else "a" for ch in value)
        if ascii_only != value:
            yield ascii_only
        plain = value[:1] + "".join("a" if ch.isalnum() else ch for ch in value[1:])
        if plain != value:
            yield plain
    chunk = length // 2
    while chunk >= 1:
        for start in range(0, length, chunk):
            yield value[:start] + value[start + chunk:]
        if chunk == 1 or length > 256:
            break
        chunk //= 2
    if isinstance(value, (list, tuple)):
        items = list(value)
        for position, item in enumerate(items):
            for smaller in _shrink_value(item):
                yield type(value)(items[:position] + [smaller] + items[position + 1:])


def candidates(values: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    """Smaller argument tuples, changing one argument at a time."""
    current = size(values)
    for position, value in enumerate(values):
        for smaller in _shrink_value(value):
            candidate = values[:position] + (smaller,) + values[position + 1:]
            if size(candidate) < current:
                yield candidate


def minimize(values: tuple[Any, ...], reproduces: Oracle, *, max_runs: int = 80, seconds: float = 5.0,
             batch: int = 8) -> tuple[tuple[Any, ...], int]:
    """Greedy shrinking in batches; returns the smallest input found and how many executions it took."""
    deadline = time.monotonic() + seconds
    runs = 0
    best = values
    improved = True
    while improved and runs < max_runs and time.monotonic() < deadline:
        improved = False
        pending = list(_take(candidates(best), min(batch, max_runs - runs)))
        seen: set[str] = set()
        while pending and runs < max_runs and time.monotonic() < deadline:
            unique = [c for c in pending if compact_repr(c) not in seen]
            seen.update(compact_repr(c) for c in unique)
            if not unique:
                break
            verdicts = reproduces(unique)
            runs += len(unique)
            winners = [c for c, ok in zip(unique, verdicts) if ok]
            if winners:
                best = min(winners, key=size)
                improved = True
                break
            generator = candidates(best)
            skipped = set(seen)
            pending = [c for c in _take((c for c in generator if compact_repr(c) not in skipped),
                                        min(batch, max_runs - runs))]
    return best, runs


def _take(iterator: Iterator[Any], count: int) -> Iterator[Any]:
    for index, item in enumerate(iterator):
        if index >= count:
            return
        yield item
