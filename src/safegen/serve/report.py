"""What the proxy and the MCP server tell a client about the code: findings with CWE, line and fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safegen.serde import Record
from safegen.types import Finding, Verdict

MAX_FIX = 300


def fix_for(finding: Finding) -> str:
    """The concrete fix for the rule when we have one, else the CWE catalog's mitigation (shortened)."""
    from safegen.prompts.feedback import fix_hint

    text = fix_hint(finding.rule_id) or " ".join(finding.mitigation.split())
    return text if len(text) <= MAX_FIX else text[:MAX_FIX - 3].rstrip() + "..."


@dataclass(frozen=True)
class FindingNote(Record):
    """One finding as a client sees it."""

    rule_id: str
    tool: str
    cwe: int | None
    cwe_name: str
    line: int
    severity: str
    message: str
    fix: str

    @classmethod
    def of(cls, finding: Finding) -> FindingNote:
        return cls(rule_id=finding.rule_id, tool=finding.tool, cwe=finding.cwe, cwe_name=finding.cwe_name,
                   line=finding.line, severity=finding.severity.value, message=finding.message,
                   fix=fix_for(finding))


def notes(verdict: Verdict | None) -> tuple[FindingNote, ...]:
    return tuple(FindingNote.of(f) for f in verdict.findings) if verdict is not None else ()


@dataclass(frozen=True)
class BlockReport(Record):
    """One code block of an answer: its verdict before and after hardening, and whether its code changed."""

    index: int
    status_before: str
    status_after: str
    changed: bool
    findings_before: tuple[FindingNote, ...] = ()
    findings_after: tuple[FindingNote, ...] = ()
    llm_calls: int = 0
    error: str = ""


@dataclass(frozen=True)
class HardenReport(Record):
    """The ``safegen`` field of a chat completion: what was found in the answer's Python blocks and changed."""

    mode: str
    strategy: str
    blocks: tuple[BlockReport, ...] = ()

    @property
    def changed(self) -> bool:
        return any(b.changed for b in self.blocks)

    def wire(self) -> dict[str, Any]:
        """The field as sent: the record plus the ``changed`` summary."""
        return {**self.to_dict(), "changed": self.changed}

    def note(self) -> str:
        """A one-line Markdown note for the answer's text."""
        if not self.blocks:
            return ""
        found = sum(len(b.findings_before) for b in self.blocks)
        left = sum(len(b.findings_after) for b in self.blocks)
        unknown = sum(1 for b in self.blocks if b.status_after == "unknown")
        if found == 0 and unknown == 0:
            return "> safegen: no weakness found in the code."
        cwes = sorted({f"CWE-{f.cwe}" for b in self.blocks for f in b.findings_before if f.cwe is not None})
        parts = [f"{found} finding(s)" + (f" ({', '.join(cwes)})" if cwes else "")]
        if self.changed:
            parts.append(f"code hardened, {left} left")
        elif left:
            parts.append(f"{left} left unchanged")
        if unknown:
            parts.append(f"{unknown} block(s) could not be analyzed")
        return "> safegen: " + "; ".join(parts) + "."
