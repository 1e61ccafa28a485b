"""What each stage of a run did to the SecCodePLT verdicts: every candidate of a run judged, paired by lineage.

Run: .venv/bin/python benchmarks/stage_effect.py RUN_FOLDER... [--data-dir DIR] [--output FILE]

A run's record keeps every candidate with its origin and parent. This script judges each one with the
executable SecCodePLT judge (the same judge as the run's own figures) and reports, per run:

- the first answer (the first candidate with code), the final answer, and the best any candidate reached
  (an upper bound for ranking): func@1, sec@1, func-sec@1 over the same tasks;
- per step of the final answer's lineage (the ranking's choice of a different root than the first answer,
  then each repair or fix, named by the candidate's origin): how often it was taken, and how many tasks it
  turned from fail to pass (+) or from pass to fail (-) on each protocol.

This is a paired reading of one run's own candidates, cheap because no model runs; it is not a full
ablation: switching a stage off would also change what the later stages see.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from safegen.bench.datasets import load_dataset
from safegen.bench.judges.interface import PASSED, JudgeItem
from safegen.bench.judges.seccodeplt_judge import FUNC, FUNC_SEC, SEC, SecCodePLTJudge

PROTOCOLS = (FUNC, SEC, FUNC_SEC)
Outcome = dict[str, bool]


def lineage(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The final candidate and its ancestors, root first."""
    by_id = {c["candidate_id"]: c for c in record.get("candidates") or ()}
    final = record.get("final") or {}
    chain: list[dict[str, Any]] = []
    current = by_id.get(final.get("candidate_id")) or (final if final.get("code") else None)
    while current is not None and current not in chain:
        chain.append(current)
        current = by_id.get(current.get("parent"))
    return chain[::-1]


def first_answer(record: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in record.get("candidates") or () if c.get("code")), None)


class CachedJudge:
    """The SecCodePLT judge with its outcomes cached by (task, code)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.judge, self.data = SecCodePLTJudge(), data
        self.cache: dict[tuple[str, str], Outcome] = {}

    def __call__(self, task_id: str, code: str | None) -> Outcome:
        key = (task_id, code or "")
        if key not in self.cache:
            verdicts = self.judge.judge_one(JudgeItem(task_id, task_id, code, self.data[task_id]))
            self.cache[key] = {v.protocol: v.outcome == PASSED for v in verdicts}
        return self.cache[key]

    def close(self) -> None:
        self.judge.close()


def _records(folder: Path) -> list[dict[str, Any]]:
    rows = []
    for line in (folder / "generations.jsonl").read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line a killed run cut short
    return rows


def analyse(folder: Path, judge: CachedJudge) -> list[str]:
    rows = [r for r in _records(folder) if r.get("task_id") in judge.data]
    totals: dict[str, dict[str, int]] = {name: dict.fromkeys(PROTOCOLS, 0) for name in ("first", "final", "best")}
    steps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        record, task_id = row["record"], row["task_id"]
        first, chain = first_answer(record), lineage(record)
        judged = {"first": judge(task_id, first.get("code") if first else None),
                  "final": judge(task_id, (record.get("final") or {}).get("code"))}
        candidates = [c for c in record.get("candidates") or () if c.get("code")]
        outcomes = [judge(task_id, c["code"]) for c in candidates] or [dict.fromkeys(PROTOCOLS, False)]
        judged["best"] = {p: any(o[p] for o in outcomes) for p in PROTOCOLS}
        for name, outcome in judged.items():
            for protocol in PROTOCOLS:
                totals[name][protocol] += outcome[protocol]
        pairs = []
        if chain and first is not None and chain[0].get("candidate_id") != first.get("candidate_id"):
            pairs.append((f"ranking chose a {chain[0].get('origin')} answer", first, chain[0]))
        pairs += [(str(child.get("origin")), parent, child) for parent, child in zip(chain, chain[1:])]
        for step, before, after in pairs:
            old, new = judge(task_id, before.get("code")), judge(task_id, after.get("code"))
            steps[step]["taken"] += 1
            for protocol in PROTOCOLS:
                steps[step][f"{protocol}+"] += new[protocol] and not old[protocol]
                steps[step][f"{protocol}-"] += old[protocol] and not new[protocol]
    lines = [f"{folder.name}: {len(rows)} tasks judged", "  answer   func  sec  func-sec"]
    lines += [f"  {name:<7} {t[FUNC]:>5} {t[SEC]:>4} {t[FUNC_SEC]:>9}" for name, t in totals.items()]
    if steps:
        lines.append("  step (final answer's lineage)              taken   func +/-   sec +/-   func-sec +/-")
        for step, counts in sorted(steps.items(), key=lambda kv: -kv[1]["taken"]):
            lines.append(f"  {step:<42} {counts['taken']:>5} " + " ".join(
                f"{counts[p + '+']:>5}/{counts[p + '-']:<3}" for p in PROTOCOLS))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--output", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args()
    names = {json.loads((f / "generations.jsonl").open().readline())["dataset"]["name"] for f in args.folders}
    lines = [f"stage_effect  {datetime.datetime.now().isoformat(timespec='seconds')}  "
             "(SecCodePLT judge; paired on each run's own candidates, not a full ablation)"]
    for name in sorted(names):
        loaded = load_dataset(name, data_dir=args.data_dir)
        judge = CachedJudge(dict(loaded.judge_data))
        try:
            for folder in args.folders:
                if json.loads((folder / "generations.jsonl").open().readline())["dataset"]["name"] == name:
                    lines += ["", *analyse(folder, judge)]
                    print("\n".join(lines[-1:]), file=sys.stderr, flush=True)
        finally:
            judge.close()
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
