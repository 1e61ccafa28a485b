"""Figures of executable security judges (SecCodePLT): func@1, sec@1 and func-sec@1, per split and per CWE.

Every output counts in the denominator: no code, an error or a hang is a failure (fail closed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

from safegen.bench.judges.interface import PASSED
from safegen.serde import Record

EXECUTABLE_JUDGES = frozenset({"seccodeplt"})  # judges whose protocols are func / sec / func-sec
FUNC, SEC, FUNC_SEC = "func", "sec", "func-sec"
ALL = "all"
REPORTED_SPLITS = ("test", "dev")  # disjoint; a run limited to a smaller part of dev counts as dev


@dataclass(frozen=True)
class ExecTally(Record):
    """Outputs judged, and how many passed each list of executable tests."""

    outputs: int = 0
    func: int = 0
    sec: int = 0
    func_sec: int = 0

    def add(self, outcomes: Mapping[str, str]) -> "ExecTally":
        return ExecTally(self.outputs + 1, self.func + (outcomes.get(FUNC) == PASSED),
                         self.sec + (outcomes.get(SEC) == PASSED), self.func_sec + (outcomes.get(FUNC_SEC) == PASSED))

    def rate(self, which: str) -> float | None:
        """func / sec / func-sec passed over all outputs; None when there are none."""
        count = {FUNC: self.func, SEC: self.sec, FUNC_SEC: self.func_sec}[which]
        return count / self.outputs if self.outputs else None


@dataclass(frozen=True)
class ExecChange(Record):
    """One run against a reference run, on the outputs both had decided by executable tests: per measure
    (func, sec, func-sec), how many pass in this run and fail in the reference, and the reverse."""

    label: str
    reference: str
    outputs: int
    gained: dict[str, int]
    lost: dict[str, int]


def decided(by_protocol: Mapping[str, str]) -> bool:
    """An output the executable judge decided (its func-sec verdict is there and applies)."""
    return by_protocol.get(FUNC_SEC, "n/a") != "n/a"


def exec_change(label: str, outcomes: Mapping[str, Mapping[str, str]], reference: str,
                reference_outcomes: Mapping[str, Mapping[str, str]]) -> ExecChange:
    """``outcomes`` (output key -> protocol -> outcome) against ``reference_outcomes``, output by output."""
    keys = [key for key, found in outcomes.items()
            if decided(found) and key in reference_outcomes and decided(reference_outcomes[key])]
    gained = {m: sum(outcomes[k].get(m) == PASSED and reference_outcomes[k].get(m) != PASSED for k in keys)
              for m in (FUNC, SEC, FUNC_SEC)}
    lost = {m: sum(reference_outcomes[k].get(m) == PASSED and outcomes[k].get(m) != PASSED for k in keys)
            for m in (FUNC, SEC, FUNC_SEC)}
    return ExecChange(label=label, reference=reference, outputs=len(keys), gained=gained, lost=lost)


def task_of(key: str) -> str:
    """The task id of an output key (``task#sample``)."""
    return key.rsplit("#", 1)[0]


def tally_outputs(outcomes: Mapping[str, Mapping[str, str]], splits: Mapping[str, tuple[str, ...]],
                  cwes: Mapping[str, int | None]) -> tuple[dict[str, ExecTally], dict[str, ExecTally]]:
    """(per split, with "all"; per CWE) tallies of the outputs an executable judge decided."""
    split_of = {task: name for name, ids in splits.items() for task in ids}
    per_split: dict[str, ExecTally] = defaultdict(ExecTally)
    per_cwe: dict[str, ExecTally] = defaultdict(ExecTally)
    for key, by_protocol in outcomes.items():
        if not decided(by_protocol):
            continue
        task = task_of(key)
        per_split[ALL] = per_split[ALL].add(by_protocol)
        if task in split_of:
            per_split[split_of[task]] = per_split[split_of[task]].add(by_protocol)
        cwe = cwes.get(task)
        if cwe is not None:
            per_cwe[f"CWE-{cwe}"] = per_cwe[f"CWE-{cwe}"].add(by_protocol)
    return dict(per_split), dict(per_cwe)


def dataset_splits(name: str) -> dict[str, tuple[str, ...]]:
    """The fixed splits of a registered dataset; none when it has none or is unknown here."""
    from safegen.bench.datasets import get_dataset
    from safegen.errors import SafegenError

    try:
        found = get_dataset(name).splits()
    except (SafegenError, OSError, ValueError):
        return {}
    return {split: ids for split, ids in found.items() if split in REPORTED_SPLITS}


def dataset_role(name: str) -> str:
    """What the dataset is for here: development (tuned on), untouched, or a split of both."""
    from safegen.bench.datasets import get_dataset
    from safegen.errors import SafegenError

    try:
        return get_dataset(name).spec.role
    except SafegenError:
        return ""
