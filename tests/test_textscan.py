"""The quote-aware bracket scanner shared by the example parser and the scorer's tokenizer."""

from __future__ import annotations

import pytest

from safegen.textscan import closing, top_level


@pytest.mark.parametrize("text, start, end", [
    ("f(1, 2) == 3", 1, 7),
    ("f((1, 2), [3]) -> x", 1, 14),
    ("f(')') == 1", 1, 6),  # a bracket inside quotes does not count
    ("f(\"a\\\")\") == 1", 1, 9),  # nor does an escaped quote end the string
    ("f(1, 2", 1, None),  # never closes
])
def test_closing(text: str, start: int, end: int | None) -> None:
    assert closing(text, start) == end


@pytest.mark.parametrize("text, chars, found", [
    ("x!r:>10", ":!", [1, 3]),
    ("d['a:b']:>4", ":", [8]),
    ("f(a, b=1)!s", "!", [9]),
    ("lambda: {1: 2}", ":", [6]),
])
def test_top_level(text: str, chars: str, found: list[int]) -> None:
    assert list(top_level(text, chars)) == found
