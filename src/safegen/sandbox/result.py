"""What one execution in the sandbox produced: a frozen record built from the worker's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safegen.sandbox.worker.oracle import ORACLE_KINDS
from safegen.serde import Record

STATUSES = ("ok", "exception", "timeout", "memory", "crash", "oracle")


@dataclass(frozen=True)
class OracleEvent(Record):
    """A security-relevant action the target attempted, seen by the sandbox's audit hook."""

    kind: str
    detail: str
    location: str = ""

    @property
    def is_defect(self) -> bool:
        return self.kind in ORACLE_KINDS


@dataclass(frozen=True)
class ExecResult(Record):
    """Outcome of one call (or one script run) inside the sandbox."""

    status: str
    return_repr: str = ""
    exception_type: str = ""
    message: str = ""
    location: str = ""
    stdout: str = ""
    stderr: str = ""
    events: tuple[OracleEvent, ...] = ()
    seconds: float = 0.0
    traceback: str = ""
    exception_bases: tuple[str, ...] = ()
    explicit_raise: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_worker(cls, raw: Any) -> ExecResult:
        """Validate the worker's (untrusted) JSON; anything malformed becomes a crash result."""
        if not isinstance(raw, dict):
            return cls(status="crash", message="the sandbox returned a malformed result")

        def text(key: str, limit: int = 20000) -> str:
            value = raw.get(key)
            return value[:limit] if isinstance(value, str) else ""

        events = []
        for item in raw.get("events") or ():
            if isinstance(item, dict) and isinstance(item.get("kind"), str):
                events.append(OracleEvent(kind=item["kind"][:40], detail=str(item.get("detail", ""))[:300],
                                          location=str(item.get("location", ""))[:200]))
        status = raw.get("status")
        if status not in STATUSES:
            status = "crash"
        if any(e.is_defect for e in events) and status in ("ok", "exception"):
            status = "oracle"
        seconds = raw.get("seconds")
        bases = raw.get("exception_bases")
        return cls(
            status=status,
            return_repr=text("return_repr"),
            exception_type=text("exception_type", 200),
            message=text("message", 4000),
            location=text("location", 200),
            stdout=text("stdout"),
            stderr=text("stderr"),
            events=tuple(events),
            seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
            traceback=text("traceback", 8000),
            exception_bases=tuple(b for b in bases if isinstance(b, str))[:20] if isinstance(bases, list) else (),
            explicit_raise=raw.get("explicit_raise") is True,
        )
