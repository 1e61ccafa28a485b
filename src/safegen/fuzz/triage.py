"""Decide which execution results are defects, group them, and write inputs as runnable Python."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from safegen.sandbox.result import ExecResult

# Raising these on bad input is the documented way to reject it (the requirement may say otherwise).
# OSError covers the operating system refusing a path (missing, too long, a directory): an I/O function
# passing that on is behaving as documented; writes the sandbox blocks are reported by the oracle instead.
REJECTIONS = frozenset({
    "ValueError", "TypeError", "LookupError", "KeyError", "IndexError", "OverflowError", "OSError",
})
_STRICT = re.compile(
    r"\b(never|must not|mustn't|should not|shouldn't|does not|doesn't|do not|don't|cannot|can't|won't|will not)"
    r"\s+(ever\s+)?(raise|throw|fail|crash|error)|\bwithout\s+(raising|throwing|failing|crashing)"
    r"|\bno\s+exceptions?\b|\bnever\s+errors?\b", re.IGNORECASE)

# Raised implicitly by the code's own line (a lookup or an operation that failed), these are bugs even
# though a library raising them, or a `raise` the code wrote, is a rejection of bad input.
OWN_BUGS = frozenset({"IndexError", "KeyError", "AttributeError", "ZeroDivisionError", "NameError"})
_UNPACKING = re.compile(r"(not enough|too many) values to unpack")
_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+', re.MULTILINE)
TARGET_FILE = "target.py"  # the target's file name in the sandbox's tracebacks

TRUNCATED = "...<truncated>"  # ends a reproducer cut at its length limit
SHORT_LIST = 16  # items; a list this short reads best as it is, and longer blocks are not looked for


def strict_requirement(requirement: str) -> bool:
    """True if the requirement promises that the function never raises (then every exception is a defect)."""
    return bool(_STRICT.search(requirement or ""))


@dataclass(frozen=True)
class Finding:
    """One defect observation: what happened, where, and the call that caused it."""

    kind: str
    key: tuple[str, ...]
    message: str
    exception_type: str = ""
    location: str = ""


def raised_by_target(result: ExecResult) -> bool:
    """Whether the innermost frame of the traceback is the target's own code (not a library it called)."""
    frames = _FRAME.findall(result.traceback)
    return bool(frames) and frames[-1].rsplit("/", 1)[-1] == TARGET_FILE


def is_own_bug(result: ExecResult) -> bool:
    """An exception the code raised by itself on its own line, without a `raise`: ``text.split()[n]``,
    ``data["key"]`` on a dict it built, ``None.attr``-style TypeErrors, ``a, b = text.split(":")``."""
    if result.explicit_raise or not raised_by_target(result):
        return False
    names = set(result.exception_bases) | {result.exception_type.rsplit(".", 1)[-1]}
    if names & OWN_BUGS:
        return True
    if "TypeError" in names and "NoneType" in result.message:
        return True
    return "ValueError" in names and bool(_UNPACKING.match(result.message))


def is_rejection(result: ExecResult) -> bool:
    """An exception that reads as deliberate input validation, not a crash: an explicit `raise`, or a
    validating exception (ValueError, OSError, ...) that a library raised or that is not the code's own bug."""
    if is_own_bug(result):
        return False
    if any(base in REJECTIONS for base in result.exception_bases):
        return True
    name = result.exception_type.rsplit(".", 1)[-1]
    if name in REJECTIONS:
        return True
    # `raise SomeError(...)` written in the target is a documented outcome, except the two that mean "bug".
    return result.explicit_raise and name not in ("AssertionError", "NotImplementedError", "SystemExit")


def classify(result: ExecResult, *, strict: bool = False) -> list[Finding]:
    """The defects one execution shows (several if it triggered several oracles)."""
    status = result.status
    if status == "ok":
        return []
    if status == "oracle":
        findings = []
        for event in result.events:
            if event.is_defect:
                findings.append(Finding(kind=event.kind, key=(event.kind, event.location or event.detail),
                                        message=event.detail, location=event.location))
        return findings
    if status == "timeout":
        return [Finding(kind="hang", key=("hang", result.location), message=result.message or "no result",
                        location=result.location)]
    if status == "memory":
        return [Finding(kind="memory", key=("memory", result.location),
                        message=f"{result.exception_type or 'MemoryError'}: memory limit reached {result.message}".strip(),
                        exception_type=result.exception_type, location=result.location)]
    if status == "crash":
        reason = re.sub(r"\d{3,}", "N", result.message)
        return [Finding(kind="crash", key=("crash", reason), message=result.message, location=result.location)]
    if status == "exception":
        if result.message.startswith("importing the code failed"):
            return []  # reported once as an error by the engine, not per input
        if not strict and is_rejection(result):
            return []
        message = f"{result.exception_type}: {result.message}" if result.message else result.exception_type
        return [Finding(kind="exception", key=("exception", result.exception_type, result.location),
                        message=message, exception_type=result.exception_type, location=result.location)]
    return []


def _float_repr(value: float) -> str:
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "float('-inf')"
    return repr(value)


def _sequence_repr(value: str | bytes, limit: int) -> str:
    """Long strings as runs: 'A' * 100000 + 'b' stays short and still runs."""
    if len(value) <= 64:
        return repr(value)
    parts: list[str] = []
    literal_start = 0
    position = 0
    while position < len(value):
        end = position
        while end < len(value) and value[end:end + 1] == value[position:position + 1]:
            end += 1
        if end - position >= 16:
            if literal_start < position:
                parts.append(repr(value[literal_start:position]))
            parts.append(f"{value[position:position + 1]!r} * {end - position}")
            literal_start = end
        position = end
    if literal_start < len(value):
        parts.append(repr(value[literal_start:]))
    text = " + ".join(parts)
    if len(parts) > 1:
        text = f"({text})"
    if len(text) > limit:
        return text[:limit] + TRUNCATED
    return text


def compact_repr(value: Any, limit: int = 2000) -> str:
    """A Python expression for ``value``, compact for long repetitive data, valid for nan/inf."""
    if isinstance(value, float):
        return _float_repr(value)
    if isinstance(value, (str, bytes)):
        return _sequence_repr(value, limit)
    if isinstance(value, bytearray):
        return f"bytearray({_sequence_repr(bytes(value), limit)})"
    if isinstance(value, list):
        return _items_repr("[", "]", value, limit)
    if isinstance(value, tuple):
        return _items_repr("(", ",)" if len(value) == 1 else ")", list(value), limit)
    if isinstance(value, (set, frozenset)):
        if not value:
            return f"{type(value).__name__}()"
        inner = _items_repr("{", "}", list(value), limit)
        return inner if isinstance(value, set) else f"frozenset({inner})"
    if isinstance(value, dict):
        items = [f"{compact_repr(k, limit)}: {compact_repr(v, limit)}" for k, v in list(value.items())[:200]]
        text = "{" + ", ".join(items) + ("" if len(value) <= 200 else ", ...") + "}"
        return text if len(text) <= limit else text[:limit] + TRUNCATED
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def _items_repr(open_: str, close: str, items: list[Any], limit: int) -> str:
    period = _period(items)
    if period:  # [x] * 10000, or a block repeated as mutation makes it: [a, b, c] * 1000
        block = ", ".join(compact_repr(i, limit) for i in items[:period])
        single = "," if open_ == "(" and period == 1 else ""
        return f"{open_}{block}{single}{close[-1]} * {len(items) // period}"
    parts = [compact_repr(i, limit) for i in items[:200]]
    text = open_ + ", ".join(parts) + (", ..." if len(items) > 200 else "") + close
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def _period(items: list[Any], min_repeats: int = 4) -> int:
    """The length (at most SHORT_LIST) of the block that ``items`` repeats at least ``min_repeats`` times;
    0 if none."""
    if len(items) <= SHORT_LIST:
        return 0
    texts = None
    for period in range(1, min(SHORT_LIST, len(items) // min_repeats) + 1):
        if len(items) % period:
            continue
        if texts is None:
            texts = [repr(i) for i in items]
        if all(texts[i] == texts[i - period] for i in range(period, len(texts))):
            return period
    return 0


def call_repr(entry_point: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``f(1, 'x', key=None)``: the input as the call that reproduces it."""
    parts = [compact_repr(a) for a in args] + [f"{k}={compact_repr(v)}" for k, v in kwargs.items()]
    return f"{entry_point}({', '.join(parts)})"


def reproducer(entry_point: str, args: tuple[Any, ...], kwargs: dict[str, Any], finding: Finding) -> str:
    """A snippet to paste after the fuzzed code that shows the defect again."""
    where = f" at {finding.location}" if finding.location else ""
    return (f"# safegen fuzz: {finding.kind}{where}: {finding.message[:200]}\n"
            f"# run after the code that defines {entry_point}\n"
            f"{call_repr(entry_point, args, kwargs)}\n")
