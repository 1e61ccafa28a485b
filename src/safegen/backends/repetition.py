"""Spotting a small model stuck in a loop, so generation stops instead of running to max_tokens.

Greedy decoding of a 1.5B model sometimes repeats itself until the token limit: the same import
lines again and again, a short phrase without end, or a block of data it copied from the prompt.
Such an answer is useless however long it grows, and at ~12 tokens/s the tail costs over a minute.
``looping(text)`` names the loop once it is unmistakable; the thresholds sit far above what real code does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

LINE_WINDOW = 24  # the last non-blank lines looked at
LINE_REPEATS = 12  # one line this often among them is a loop (a two-line cycle too)
IMPORT_RUN = 40  # consecutive import lines; no program needs that many
TAIL_CHARS = 600  # a tail this long that repeats one piece is a loop without newlines
MAX_PERIOD = 400  # the longest piece looked for: a copied block of numbers is a few hundred characters
PERIOD_REPEATS = 3  # a long piece repeated this often (the tail grows to cover it) is a loop too


def looping(text: str) -> str | None:
    """Why ``text`` ends in a degenerate loop, or None while it still looks like an answer."""
    complete = text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]
    lines = [line.strip() for line in complete if line.strip()]
    window = lines[-LINE_WINDOW:]
    if len(window) == LINE_WINDOW:
        line, count = Counter(window).most_common(1)[0]
        if count >= LINE_REPEATS and len(line) > 3:  # "}" or ")" may close many blocks
            return f"the line {line[:60]!r} repeats {count} times in the last {LINE_WINDOW} lines"
    run = 0
    for line in reversed(lines):
        if not line.startswith(("import ", "from ")):
            break
        run += 1
    if run >= IMPORT_RUN:
        return f"{run} import lines in a row"
    for period in range(1, min(MAX_PERIOD, len(text) // PERIOD_REPEATS) + 1):
        size = max(TAIL_CHARS, PERIOD_REPEATS * period)
        if len(text) >= size and text[-period:] == text[-2 * period:-period]:  # a cheap first test
            tail = text[-size:]
            if tail[period:] == tail[:-period]:
                piece = tail[-period:]
                shown = repr(piece) if len(piece) <= 60 else f"a {period}-character piece {piece[:40]!r}..."
                return f"the text repeats {shown} over its last {size} characters"
    return None


class LoopStop:
    """A llama-cpp-python stopping criterion: decodes the completion as it grows and stops on a loop.

    ``prompt_length`` tokens of the ids it is called with are the prompt; ``detokenize`` turns token
    ids into bytes. The text is checked after each newline and every ``every`` tokens.
    """

    def __init__(self, detokenize: Callable[[list[int]], bytes], prompt_length: int, every: int = 16) -> None:
        self._detokenize = detokenize
        self._every = every
        self._seen = prompt_length
        self._bytes = b""
        self._since_check = 0
        self.reason: str | None = None

    def __call__(self, input_ids: Sequence[int], logits: object) -> bool:
        if self.reason is not None:  # llama-cpp-python asks again after its loop to decide the final text
            return True
        new = [int(t) for t in input_ids[self._seen:]]
        if not new:
            return False
        self._seen += len(new)
        piece = self._detokenize(new)
        self._bytes += piece
        self._since_check += len(new)
        if b"\n" not in piece and self._since_check < self._every:
            return False
        self._since_check = 0
        self.reason = looping(self._bytes.decode("utf-8", errors="replace"))
        return self.reason is not None
