"""Answer post-processing: the steps that clean the program extracted from a model's answer, in order.

A step is a small object with a ``name`` and ``apply(code, entry_point) -> (code, notes)``; the notes are
recorded in the run's errors. A strategy lists its steps (``StagedStrategy.answer_steps``) and every answer
of the run, first samples and repairs alike, goes through them. A new clean-up (a rule's autofix) is a new
step in that list, not an edit of the generation stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from safegen.strategies import codecheck, selftests


class AnswerStep(Protocol):
    """One clean-up of extracted code; returns the code and the notes worth keeping in the run's record."""

    @property
    def name(self) -> str: ...

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]: ...


@dataclass(frozen=True)
class FixImports:
    """Repair imports of missing modules and add the standard ones the code uses without importing
    (a NameError otherwise costs a repair round)."""

    name: str = "fix_imports"

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]:
        notes: list[str] = []
        code, fixed = codecheck.fix_missing_imports(code)
        if fixed:
            notes.append(f"imports of missing modules fixed: {'; '.join(fixed)}")
        code, added = codecheck.add_stdlib_imports(code)
        if added:
            notes.append(f"imports the code used without importing added: {'; '.join(added)}")
        return code, notes


@dataclass(frozen=True)
class DropSelfTests:
    """Drop the demo the model appends after the entry point (strategies/selftests.py)."""

    name: str = "drop_self_tests"

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]:
        code, _ = selftests.drop_self_tests(code, entry_point or codecheck.guess_entry_point(code))
        return code, []


@dataclass(frozen=True)
class PruneImports:
    """Drop imports nothing uses (after the demo went: it may have used one)."""

    name: str = "prune_imports"

    def apply(self, code: str, entry_point: str | None) -> tuple[str, list[str]]:
        code, _ = codecheck.prune_unused_imports(code)
        return code, []


def run_steps(code: str, entry_point: str | None, steps: Sequence[AnswerStep]) -> tuple[str, list[str]]:
    """``code`` after every step in order, and the notes they made."""
    notes: list[str] = []
    for step in steps:
        code, made = step.apply(code, entry_point)
        notes += made
    return code, notes
