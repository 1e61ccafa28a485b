"""Rule fixes as data: the fixes YAML beside the semgrep rules, and the AST rewrites it names."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from safegen.errors import AnalyzerError
from safegen.fixes.interface import Edit, FixSpec, Rewrite
from safegen.fixes.source import SourceIndex
from safegen.types import Finding

FIXES_FILE = Path(__file__).resolve().parent.parent / "analyzers" / "rules" / "fixes" / "fixes.yaml"

RewriteFn = Callable[[SourceIndex, Finding, FixSpec], Rewrite | None]
REWRITES: dict[str, RewriteFn] = {}


def rewrite(name: str) -> Callable[[RewriteFn], RewriteFn]:
    """Register an AST rewrite under the name the fixes YAML uses for it."""
    def decorate(function: RewriteFn) -> RewriteFn:
        REWRITES[name] = function
        return function
    return decorate


REWRITE_MODULES = ("calls", "data", "shell", "sql", "web")


def _load_rewrites() -> None:
    """Import the rewrite modules, which register themselves (done lazily: they import this module)."""
    for name in REWRITE_MODULES:
        importlib.import_module(f"safegen.fixes.rewrites.{name}")


def _spec(entry: Any, path: Path) -> FixSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise AnalyzerError(f"{path}: every fix needs an id")
    fix_id = entry["id"]
    rules = entry.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        raise AnalyzerError(f"{path}: fix {fix_id} needs a list of rule ids")
    regex = entry.get("fix-regex")
    name = entry.get("rewrite")
    if (regex is None) == (name is None):
        raise AnalyzerError(f"{path}: fix {fix_id} needs exactly one of 'rewrite' and 'fix-regex'")
    if name is not None and name not in REWRITES:
        raise AnalyzerError(f"{path}: fix {fix_id} names an unknown rewrite {name!r}")
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise AnalyzerError(f"{path}: fix {fix_id}: options must be a mapping")
    pattern, replacement = None, ""
    if regex is not None:
        if not isinstance(regex, dict) or not isinstance(regex.get("regex"), str):
            raise AnalyzerError(f"{path}: fix {fix_id}: fix-regex needs a regex")
        pattern, replacement = regex["regex"], str(regex.get("replacement", ""))
        try:
            re.compile(pattern)
        except re.error as exc:
            raise AnalyzerError(f"{path}: fix {fix_id}: bad regex: {exc}") from None
    return FixSpec(id=fix_id, rules=frozenset(rules), description=" ".join(str(entry.get("description", "")).split()),
                   rewrite=name, regex=pattern, replacement=replacement,
                   options=tuple(sorted((str(k), str(v)) for k, v in options.items())))


def load_fixes(path: Path = FIXES_FILE) -> tuple[FixSpec, ...]:
    """Parse and check a fixes YAML file."""
    import yaml

    _load_rewrites()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnalyzerError(f"cannot read rule fixes {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("fixes"), list):
        raise AnalyzerError(f"{path}: expected a mapping with a 'fixes' list")
    specs = tuple(_spec(entry, path) for entry in data["fixes"])
    ids = [s.id for s in specs]
    if len(ids) != len(set(ids)):
        raise AnalyzerError(f"{path}: fix ids must be unique")
    return specs


@lru_cache(maxsize=1)
def default_fixes() -> tuple[FixSpec, ...]:
    return load_fixes()


def fixes_for(finding: Finding, fixes: Sequence[FixSpec]) -> list[FixSpec]:
    """The fixes declared for a finding's rule id, in file order."""
    return [f for f in fixes if finding.rule_id in f.rules]


def _regex_rewrite(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """semgrep's fix-regex, applied to the statement (header) at the finding's line; first match only."""
    statement = index.statement_at(finding.line)
    if statement is None or spec.regex is None:
        return None
    start, end = index.header_span(statement)
    segment = index.code[start:end]
    fixed, count = re.subn(spec.regex, spec.replacement, segment, count=1)
    if not count or fixed == segment:
        return None
    return Rewrite(edits=(Edit(start, end, fixed),))


def compute(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """The rewrite one fix makes for one finding, or None where the fix does not apply there."""
    if spec.regex is not None:
        return _regex_rewrite(index, finding, spec)
    _load_rewrites()
    function = REWRITES.get(spec.rewrite or "")
    return function(index, finding, spec) if function else None
