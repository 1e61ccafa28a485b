"""The strategies' heuristics, read from the tables in strategies/data/ where each entry carries its reason.

Topic words (relevance.py), module tables (codecheck.py) and the names of demo check functions
(selftests.py) are data: to change one, edit its table and say why in the entry's ``reason``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _table(name: str) -> dict[str, Any]:
    text = resources.files("safegen.strategies").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError(f"strategies/data/{name} is not a mapping")
    return data


def _reasoned(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The entries of a table, each checked to name its ``key`` and give a one-line reason."""
    for entry in entries:
        if not entry.get(key) or not str(entry.get("reason", "")).strip() or "\n" in str(entry["reason"]):
            raise ValueError(f"table entry without a {key} or a one-line reason: {entry}")
    return entries


@cache
def computation_modules() -> frozenset[str]:
    """Standard modules whose import says nothing about security."""
    return frozenset(_table("topics.yaml")["computation_modules"]["modules"])


@cache
def topic_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(topic, the pattern of its words, matched case-insensitively at word starts), in the table's order."""
    topics = _reasoned(_table("topics.yaml")["topics"], "topic")
    return tuple((t["topic"], re.compile(rf"\b(?:{'|'.join(t['words'])})", re.IGNORECASE)) for t in topics)


@cache
def security_modules() -> frozenset[str]:
    """The modules the imports step may fix at the top of the code (security controls, safe alternatives)."""
    return frozenset(e["module"] for e in _reasoned(_table("modules.yaml")["security_modules"], "module"))


@cache
def stdlib_names() -> dict[str, str]:
    """Names small models use without importing them -> the standard module each comes from."""
    groups = _reasoned(_table("modules.yaml")["stdlib_names"], "module")
    return {name: group["module"] for group in groups for name in group["names"]}


@cache
def ambiguous_modules() -> frozenset[str]:
    """Standard modules not imported for a read of their name (the name means something else)."""
    return frozenset(e["module"] for e in _reasoned(_table("modules.yaml")["ambiguous_modules"], "module"))


@cache
def check_prefixes() -> tuple[str, ...]:
    """How the functions of a model's appended demo are named (their calls are dropped with it)."""
    return tuple(e["prefix"] for e in _reasoned(_table("self_tests.yaml")["check_prefixes"], "prefix"))
