"""Suppressions kept out of the code: a baseline file of accepted findings, and (opt-in) inline comments.

A baseline entry matches a finding by rule id, file and a hash of the normalized code of the finding's line
(whitespace collapsed, comments dropped), so moving or re-indenting the line keeps the match and changing
its code ends it. Each entry suppresses one finding: two identical lines need two entries.
Inline ``# nosec`` / ``# nosemgrep`` comments are ignored by the analyzers (generated code must not silence
them); ``safegen scan --honour-inline`` applies them afterwards, here. What a suppression removes is kept
aside (``Suppression``) so that SARIF can still show it as suppressed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from safegen.analyzers.cwe_map import ruff_rule_to_bandit
from safegen.analyzers.scan import FileResult, ScanReport
from safegen.errors import InputError
from safegen.serde import Record
from safegen.types import Finding, VerdictStatus

FORMAT = 1
EXTERNAL, IN_SOURCE = "external", "inSource"  # SARIF 2.1.0 suppression kinds (3.34.2): a baseline, a comment
_INLINE = re.compile(r"#\s*(?:nosec|nosemgrep)\b(?P<rules>[:\s]*[\w.,\s-]*)?", re.IGNORECASE)
_RULE_ID = re.compile(r"[A-Za-z]+\d+|[\w-]+(?:\.[\w-]+)+")  # B602, S324, safegen.rule-name (not prose)
Lines = Callable[[str], list[str] | None]  # a file's lines by the path the report shows (None: unreadable)


def normalized(line: str) -> str:
    """The line's code without comments, its tokens one space apart."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(line).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                    tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):  # a line of a multi-line string or statement
        return " ".join(line.split())
    return " ".join(t.string for t in tokens)  # tokens as written: a string's spaces are kept


def line_hash(line: str) -> str:
    return hashlib.sha256(normalized(line).encode("utf-8")).hexdigest()[:16]


def norm_path(path: str) -> str:
    return PurePath(os.path.normpath(path)).as_posix()


@dataclass(frozen=True)
class BaselineEntry(Record):
    """One accepted finding; ``line``, ``cwe`` and ``message`` are for people reading the file."""

    rule_id: str
    path: str
    hash: str
    line: int = 0
    cwe: int | None = None
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.path, self.hash)


@dataclass(frozen=True)
class Baseline(Record):
    entries: tuple[BaselineEntry, ...] = ()

    def save(self, path: str) -> None:
        data = {"safegen_baseline": FORMAT, "findings": [e.to_dict() for e in self.entries]}
        try:
            Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None

    @classmethod
    def load(cls, path: str) -> Baseline:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("safegen_baseline") != FORMAT:
                raise ValueError(f"not a safegen baseline (format {FORMAT})")
            entries = tuple(BaselineEntry.from_dict(e) for e in data["findings"])
        except OSError as exc:
            raise InputError(f"cannot read the baseline {path}: {exc.strerror or exc}",
                             hint="write one with --write-baseline") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"the baseline {path} is not valid: {exc}",
                             hint="write it again with --write-baseline") from None
        return cls(entries)


def disk_lines(path: str) -> list[str] | None:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def _entry(finding: Finding, path: str, lines: list[str] | None) -> BaselineEntry | None:
    if lines is None or not 0 < finding.line <= len(lines):
        return None
    return BaselineEntry(finding.rule_id, norm_path(path), line_hash(lines[finding.line - 1]), finding.line,
                         finding.cwe, finding.message[:200])


def build(report: ScanReport, lines: Lines = disk_lines) -> Baseline:
    """Every finding of the report as a baseline entry (findings on lines that cannot be read are left out)."""
    entries = [e for result in report.files for f in result.findings
               if (e := _entry(f, result.path, lines(result.path))) is not None]
    return Baseline(tuple(sorted(entries, key=lambda e: (e.path, e.line, e.rule_id))))


def _inline_comments(lines: list[str], finding: Finding) -> Iterable[tuple[int, str, str | None]]:
    """Each suppression comment on the finding's lines: (line, the comment, its rule list or None when bare)."""
    for number in range(finding.line, (finding.end_line or finding.line) + 1):
        if 0 < number <= len(lines):
            for match in _INLINE.finditer(lines[number - 1]):
                listed = [r for r in re.split(r"[\s,:]+", match.group("rules") or "") if _RULE_ID.fullmatch(r)]
                yield number, match.group(0).strip(), " ".join(listed) if listed else None


def inline_comment(finding: Finding, lines: list[str]) -> tuple[int, str] | None:
    """The ``# nosec`` / ``# nosemgrep`` comment on the finding's lines that suppresses it, bare or naming its
    rule (S324 counts as B324), as (line, comment); None when there is none.

    A merged finding keeps only the first tool's rule id, so a bandit id (B602) also names a finding that
    bandit or ruff reported along with semgrep on that line.
    """
    names = {finding.rule_id.upper(), (ruff_rule_to_bandit(finding.rule_id) or finding.rule_id).upper()}
    bandit_too = finding.tool not in ("bandit", "ruff") and bool({"bandit", "ruff"} & set(finding.also_reported_by))
    for number, comment, rules in _inline_comments(lines, finding):
        listed = {r.upper() for r in rules.split()} if rules is not None else set()
        if rules is None or names & listed or (bandit_too and any(re.fullmatch(r"B\d{3}", r) for r in listed)):
            return number, comment
    return None


def inline_suppressed(finding: Finding, lines: list[str]) -> bool:
    """Whether an inline comment suppresses the finding (see ``inline_comment``)."""
    return inline_comment(finding, lines) is not None


@dataclass(frozen=True)
class Suppression(Record):
    """A finding a suppression took out of the report, with SARIF's ``kind`` (``external``: the baseline,
    ``inSource``: a comment), why, and where the suppression is written (the baseline file, the comment's line)."""

    finding: Finding
    kind: str
    justification: str = ""
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Suppressed(Record):
    """How many findings each kind of suppression removed, and those findings."""

    baseline: int = 0
    inline: int = 0
    findings: tuple[Suppression, ...] = ()


def _with_findings(result: FileResult, findings: tuple[Finding, ...]) -> FileResult:
    if result.errors:
        return replace(result, findings=findings)
    return replace(result, findings=findings,
                   status=VerdictStatus.VULNERABLE if findings else VerdictStatus.SECURE)


def suppress(report: ScanReport, baseline: Baseline | None = None, *, honour_inline: bool = False,
             lines: Lines = disk_lines, baseline_file: str = "") -> tuple[ScanReport, Suppressed]:
    """The report without the findings the baseline accepts (and, if asked, those with an inline comment);
    the findings taken out come back in ``Suppressed.findings`` (``baseline_file``: the baseline's path)."""
    budget = Counter(e.key for e in baseline.entries) if baseline else Counter()
    by_baseline = by_inline = 0
    removed: list[Suppression] = []
    files = []
    for result in report.files:
        if not result.findings:
            files.append(result)
            continue
        text = lines(result.path)
        kept = []
        for finding in result.findings:
            comment = inline_comment(finding, text) if honour_inline and text is not None else None
            if comment is not None:
                by_inline += 1
                removed.append(Suppression(finding, IN_SOURCE, comment[1], result.path, comment[0]))
                continue
            entry = _entry(finding, result.path, text)
            if entry is not None and budget[entry.key] > 0:
                budget[entry.key] -= 1
                by_baseline += 1
                where = f" {baseline_file}" if baseline_file else ""
                removed.append(Suppression(finding, EXTERNAL, f"accepted in the baseline{where}", baseline_file))
                continue
            kept.append(finding)
        files.append(_with_findings(result, tuple(kept)) if len(kept) != len(result.findings) else result)
    return replace(report, files=tuple(files)), Suppressed(by_baseline, by_inline, tuple(removed))
