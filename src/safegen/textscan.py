"""One quote-aware bracket scanner for code held as text (a docstring's example line, an f-string field)."""

from __future__ import annotations

from collections.abc import Iterator

QUOTES = "'\""
OPENERS = "([{"
CLOSERS = ")]}"


def scan(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """(index, bracket depth) of each character of ``text`` from ``start`` that is outside a string literal.

    The depth counts the brackets open once the character is read: an opening bracket counts
    itself, a closing one no longer does. Quotes are ``'`` and ``"`` (a backslash escapes inside
    them; a triple quote reads as three single ones); quote characters themselves are not yielded.
    """
    depth, quote, position = 0, "", start
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in QUOTES:
            quote = char
        else:
            if char in OPENERS:
                depth += 1
            elif char in CLOSERS:
                depth -= 1
            yield position, depth
        position += 1


def closing(text: str, start: int) -> int | None:
    """Index just past the bracket that closes the one opened at ``start``; None if it never closes."""
    for index, depth in scan(text, start):
        if depth == 0 and text[index] in CLOSERS:
            return index + 1
    return None


def top_level(text: str, chars: str) -> Iterator[int]:
    """Indexes of ``chars`` in ``text`` outside string literals and brackets."""
    for index, depth in scan(text):
        if depth == 0 and text[index] in chars:
            yield index
