"""Ablations: a strategy with one part switched off at a time, each part a constructor flag of the strategy.

A part is a keyword argument of the strategy's constructor that is on by default: a ``bool`` defaulting to
True (switched off: False) or a ``*_rounds`` count (switched off: 0). Each variant is an ordinary
benchmark run named ``<strategy> (no-<part>)`` whose record holds the flags it used.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from safegen.errors import InputError
from safegen.registry import STRATEGIES


@dataclass(frozen=True)
class Variant:
    """One ablation: its name and the constructor flags that switch the part off."""

    name: str
    options: dict[str, Any]


def parts(strategy: str) -> dict[str, Variant]:
    """The parts of ``strategy`` that can be switched off, by part name (``fuzz_rounds`` -> ``no-fuzz-rounds``)."""
    cls = STRATEGIES.get(strategy)
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    found: dict[str, Variant] = {}
    for param in params:
        if param.kind not in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD) or param.name == "self":
            continue
        if param.default is True:
            off: Any = False
        elif param.name.endswith("_rounds") and param.default is not False and param.default != 0:
            off = 0
        else:
            continue
        name = param.name.replace("_", "-")
        found[name] = Variant(f"no-{name}", {param.name: off})
    return found


def variants(strategy: str, selected: list[str] | None = None) -> list[Variant]:
    """The ablation variants to run: every part, or only the ``selected`` ones (InputError for unknown)."""
    available = parts(strategy)
    if not available:
        raise InputError(f"strategy {strategy!r} has no part that can be switched off",
                         hint="ablations need constructor flags: bool parts defaulting to True or *_rounds counts")
    if not selected:
        return list(available.values())
    unknown = [s for s in selected if s.removeprefix("no-").replace("_", "-") not in available]
    if unknown:
        raise InputError(f"unknown part(s) of {strategy}: {', '.join(unknown)}",
                         hint=f"choose from: {', '.join(available)}")
    return [available[s.removeprefix("no-").replace("_", "-")] for s in selected]
