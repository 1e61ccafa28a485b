"""The records of the fix engine: text edits, a rule fix's rewrite, and what applying fixes did."""

from __future__ import annotations

from dataclasses import dataclass

from safegen.serde import Record
from safegen.types import Finding, Verdict


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` with ``text`` (character offsets into the original source)."""

    start: int
    end: int
    text: str

    def overlaps(self, other: Edit) -> bool:
        if self.start == self.end == other.start == other.end:
            return False  # two insertions at one point are applied in order
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Rewrite:
    """What one rule fix changes for one finding: edits, and modules the new code imports."""

    edits: tuple[Edit, ...]
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixSpec:
    """One fix as declared in the fixes YAML: the rule ids it answers and how it rewrites the code.

    Exactly one of ``rewrite`` (a registered AST rewrite) and ``regex`` (a semgrep-style
    ``fix-regex`` applied to the statement at the finding) is set.
    """

    id: str
    rules: frozenset[str]
    description: str
    rewrite: str | None = None
    regex: str | None = None
    replacement: str = ""
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str, default: str = "") -> str:
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class AppliedFix(Record):
    """A fix kept in the result, with the finding it removed."""

    fix_id: str
    finding: Finding


@dataclass(frozen=True)
class RejectedFix(Record):
    """A fix that applied but was not kept, and why (syntax, analysis, import or tests)."""

    fix_id: str
    finding: Finding
    reason: str


@dataclass(frozen=True)
class FixOutcome(Record):
    """What ``apply_rule_fixes`` did to one piece of code.

    ``code`` is the fixed code (the original when nothing was kept); ``fixed`` names, for each finding
    removed, the rule fix that removed it; ``remaining`` are the findings of ``code`` after
    re-analysis; ``unfixable`` the input findings that no fix applies to; ``rejected`` the fixes
    dropped. ``executed`` says whether the sandbox confirmed that the fixed code imports (and passes
    the tests given); ``execution`` says why not when it did not.
    """

    original: str
    code: str
    fixed: tuple[AppliedFix, ...] = ()
    remaining: tuple[Finding, ...] = ()
    unfixable: tuple[Finding, ...] = ()
    rejected: tuple[RejectedFix, ...] = ()
    verdict: Verdict | None = None
    executed: bool = False
    execution: str = ""

    @property
    def changed(self) -> bool:
        return self.code != self.original
