"""Fuzzing defects as text for a repair prompt: what failed, on which input, and where."""

from __future__ import annotations

import dataclasses

from safegen.fuzz.triage import TARGET_FILE, TRUNCATED
from safegen.types import Defect, FuzzReport

_WHAT = {
    "exception": "raises an unexpected exception",
    "hang": "does not return (hang or very slow path)",
    "memory": "exhausts memory",
    "crash": "crashes the interpreter process",
    "write_outside": "writes outside its working directory",
    "read_outside": "reads a file outside its working directory (path traversal)",
    "network": "opens a network connection",
    "shell": "starts a shell (command injection risk)",
}
_FIX = {
    "exception": "handle this input or reject it with a clear ValueError/TypeError",
    "hang": "bound loops and recursion, and reject inputs that make the work unbounded",
    "memory": "limit sizes derived from the input before allocating",
    "crash": "avoid the operation that kills the process for this input",
    "write_outside": "confine file paths to an intended base directory (resolve, then check the prefix)",
    "read_outside": "confine file paths to an intended base directory (resolve, then check the prefix)",
    "network": "do not connect to hosts derived from untrusted input; validate against an allow-list",
    "shell": "do not use a shell; pass an argument list to subprocess without shell=True",
}

INPUT_CHARS = 400  # of an input's reproducer shown in a repair prompt


def _line(location: str) -> str:
    _, _, number = location.rpartition(":")
    return f"line {number}" if number.isdigit() else location


def shift_locations(report: FuzzReport, lines: int) -> FuzzReport:
    """``report`` with its defects' lines counted from the answer's own first line, when the target ran after
    ``lines`` lines of a task's setup; a defect inside the setup says so."""
    if lines <= 0:
        return report

    def shifted(location: str) -> str:
        name, _, number = location.rpartition(":")
        if name != TARGET_FILE or not number.isdigit():
            return location
        line = int(number) - lines
        return f"{name}:{line}" if line > 0 else f"the task's setup, line {number}"

    return dataclasses.replace(report, defects=tuple(dataclasses.replace(d, location=shifted(d.location))
                                                     for d in report.defects))


def _shortened(text: str, limit: int = INPUT_CHARS) -> str:
    """The input as it fits in a prompt; a cut one says so, or a small model copies the fragment on and on."""
    if len(text) <= limit:
        return text
    size = f"over {len(text) - len(TRUNCATED)}" if text.endswith(TRUNCATED) else str(len(text))
    return f"{text[:limit]} ... [input cut here, {size} characters in all]"


def describe_defect(number: int, defect: Defect) -> str:
    where = f" at {_line(defect.location)}" if defect.location else ""
    what = _WHAT.get(defect.kind, defect.kind)
    text = [f"{number}. The function {what}{where}: {defect.message[:300]}",
            f"   Input: {_shortened(defect.input)}"]
    if defect.count > 1:
        text.append(f"   Seen {defect.count} times during fuzzing.")
    if defect.kind in _FIX:
        text.append(f"   Fix: {_FIX[defect.kind]}.")
    return "\n".join(text)


def describe_defects(report: FuzzReport) -> str:
    """A short numbered list of the defects (empty-report wording when there are none)."""
    if not report.defects:
        if report.errors:
            return f"Fuzzing `{report.target}` could not run properly: {report.errors[0][:500]}"
        return f"Fuzzing `{report.target}` with {report.executions} inputs found no defects."
    head = (f"Fuzzing `{report.target}` with {report.executions} inputs found {len(report.defects)} "
            f"defect{'s' if len(report.defects) != 1 else ''}:")
    body = "\n".join(describe_defect(i, d) for i, d in enumerate(report.defects[:10], 1))
    more = f"\n... and {len(report.defects) - 10} more." if len(report.defects) > 10 else ""
    return f"{head}\n{body}{more}"
