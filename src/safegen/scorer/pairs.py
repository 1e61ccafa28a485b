"""Vulnerable/fixed code pairs: where they come from (corpus, strategy runs) and their token labels."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safegen.errors import InputError
from safegen.types import RunRecord, VerdictStatus


@dataclass(frozen=True)
class Pair:
    """One weakness in two versions: ``vulnerable`` and its ``fixed`` counterpart."""

    name: str
    vulnerable: str
    fixed: str
    cwe: int | None = None
    source: str = ""
    sink_lines: tuple[int, ...] = ()

    def vulnerable_lines(self) -> set[int]:
        """Lines of ``vulnerable`` to label positive: changed by the fix, or marked as the sink."""
        return changed_lines(self.vulnerable, self.fixed) | set(self.sink_lines)


def changed_lines(vulnerable: str, fixed: str) -> set[int]:
    """1-based lines of ``vulnerable`` that the fix replaced or deleted (blank lines ignored)."""
    a = vulnerable.splitlines()
    b = fixed.splitlines()
    matcher = difflib.SequenceMatcher(None, [x.strip() for x in a], [x.strip() for x in b],
                                      autojunk=False)
    out: set[int] = set()
    for op, i1, i2, _, _ in matcher.get_opcodes():
        if op in ("replace", "delete"):
            out.update(i + 1 for i in range(i1, i2) if a[i].strip())
    return out


def is_held_out(name: str, fraction: float = 0.5) -> bool:
    """Deterministic split by name: True for roughly ``fraction`` of names (never trained on)."""
    return (zlib.crc32(name.encode()) % 1000) < int(fraction * 1000)


# ---------------------------------------------------------------- the static-analysis corpus

def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def load_corpus_pairs(root: Path) -> list[Pair]:
    """Vulnerable/fixed pairs in a corpus directory; an absent or odd corpus yields what it can.

    Understood layouts: ``<case>/vulnerable.py`` + ``<case>/fixed.py`` (also ``vuln.py`` /
    ``safe.py`` / ``bad.py`` / ``good.py``), sibling files ``<case>_vuln.py`` + ``<case>_fixed.py``,
    and JSON/JSONL manifests whose rows name both files or hold both codes.
    """
    if not root.is_dir():
        return []
    pairs: dict[str, Pair] = {}
    vuln_names = ("vulnerable", "vuln", "bad", "insecure", "unsafe")
    fixed_names = ("fixed", "safe", "good", "secure", "patched")
    for path in sorted(root.rglob("*.py")):
        stem = path.stem
        for v in vuln_names:
            case: str | None = None
            if stem == v:
                case, siblings = str(path.parent.relative_to(root)), [path.parent / f"{f}.py" for f in fixed_names]
            elif stem.endswith("_" + v) or stem.startswith(v + "_"):
                core = stem[: -len(v) - 1] if stem.endswith("_" + v) else stem[len(v) + 1:]
                case = str((path.parent / core).relative_to(root))
                siblings = [path.parent / (f"{core}_{f}.py" if stem.endswith("_" + v) else f"{f}_{core}.py")
                            for f in fixed_names]
            if case is None:
                continue
            fixed_path = next((s for s in siblings if s.is_file()), None)
            if fixed_path is None:
                break
            vuln_code, fixed_code = _read_text(path), _read_text(fixed_path)
            if vuln_code and fixed_code and vuln_code != fixed_code:
                pairs[case] = Pair(f"corpus/{case}", vuln_code, fixed_code,
                                   _cwe_from_text(case + "\n" + vuln_code), "corpus")
            break
    for manifest in sorted([*root.rglob("*.json"), *root.rglob("*.jsonl")]):
        for row in _manifest_rows(manifest):
            pair = _pair_from_row(row, manifest.parent)
            if pair is None:
                continue
            key = pair.name.removeprefix("corpus/")
            known = pairs.get(key)
            if known is None or (pair.cwe is not None and known.cwe is None):
                pairs[key] = pair if known is None else dataclasses.replace(known, cwe=pair.cwe)
    return [pairs[k] for k in sorted(pairs)]


def _manifest_rows(path: Path) -> list[dict[str, Any]]:
    text = _read_text(path)
    if text is None:
        return []
    rows: list[Any] = []
    try:
        data = json.loads(text)
        if isinstance(data, list):
            rows = data
        elif isinstance(data, dict):
            found = next((v for v in data.values() if isinstance(v, list)), None)
            rows = found if found is not None else [data]
    except json.JSONDecodeError:
        for line in text.splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return [r for r in rows if isinstance(r, dict)]


def _pair_from_row(row: dict[str, Any], base: Path) -> Pair | None:
    def pick(*keys: str) -> str | None:
        for key in keys:
            value = row.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    vuln = pick("vulnerable_code", "vuln_code", "insecure_code", "bad_code")
    fixed = pick("fixed_code", "safe_code", "secure_code", "good_code")
    if vuln is None or fixed is None:
        vpath, fpath = pick("vulnerable", "vuln", "bad", "insecure"), pick("fixed", "safe", "good", "secure")
        if vpath is None or fpath is None or not vpath.endswith(".py") or not fpath.endswith(".py"):
            return None
        vuln, fixed = _read_text(base / vpath), _read_text(base / fpath)
    if not vuln or not fixed or vuln == fixed:
        return None
    name = pick("id", "name", "case") or f"{zlib.crc32(vuln.encode()):08x}"
    cwe = row.get("cwe")
    if isinstance(cwe, list):
        cwe = cwe[0] if cwe else None
    return Pair(f"corpus/{name}", vuln, fixed, _cwe_value(cwe), "corpus")


def _cwe_value(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = "".join(ch for ch in value if ch.isdigit())
        return int(digits) if digits else None
    return None


def _cwe_from_text(text: str) -> int | None:
    match = re.search(r"cwe[-_ ]?(\d+)", text, re.IGNORECASE)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- strategy runs (bootstrapping)

def pairs_from_runs(jsonl_paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(vulnerable code, its accepted secure repair) from RunRecord JSONL files.

    A pair is a candidate whose verdict is VULNERABLE and a repair of it (an accepted
    RepairRound, or a candidate naming it as ``parent`` that no round rejected) whose verdict is
    SECURE. Truncated or malformed lines (a killed run) are skipped; a missing file is an error.
    """
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for raw in jsonl_paths:
        path = Path(raw)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(f"cannot read run file {path}: {exc.strerror or exc}",
                             hint="pass RunRecord JSONL files written by `safegen generate --format json`") from exc
        for line in text.splitlines():
            record = _parse_run(line)
            if record is None:
                continue
            for pair in _repair_pairs(record):
                if pair not in seen:
                    seen.add(pair)
                    out.append(pair)
    return out


def _parse_run(line: str) -> RunRecord | None:
    line = line.strip()
    if not line:
        return None
    try:
        data = json.loads(line)
        return RunRecord.from_dict(data) if isinstance(data, dict) else None
    except (json.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError):
        return None


def _repair_pairs(record: RunRecord) -> list[tuple[str, str]]:
    cands = {c.candidate_id: c for c in record.candidates if isinstance(c.code, str)}
    if record.final is not None and isinstance(record.final.code, str):
        cands.setdefault(record.final.candidate_id, record.final)

    def status(cid: str | None) -> VerdictStatus | None:
        cand = cands.get(cid) if cid else None
        return cand.verdict.status if cand is not None and cand.verdict is not None else None

    links: list[tuple[str, str]] = []
    rejected: set[tuple[str, str]] = set()
    for rnd in record.rounds:
        if rnd.output_candidate is None:
            continue
        if rnd.accepted:
            links.append((rnd.input_candidate, rnd.output_candidate))
        else:
            rejected.add((rnd.input_candidate, rnd.output_candidate))
    for cand in cands.values():
        if cand.parent is not None:
            links.append((cand.parent, cand.candidate_id))
    pairs: list[tuple[str, str]] = []
    for before, after in links:
        if (before, after) in rejected:
            continue
        if status(before) is VerdictStatus.VULNERABLE and status(after) is VerdictStatus.SECURE:
            pair = (cands[before].code, cands[after].code)
            if pair[0].strip() and pair[1].strip() and pair[0] != pair[1] and pair not in pairs:
                pairs.append(pair)
    return pairs
