"""Validate SecCodePLT with its own judge, then draw the fixed test/dev split.

Run: .venv/bin/python benchmarks/validate_seccodeplt.py [--data-dir DIR] [--seed 19] [--output FILE]

Every row with tests is judged twice by safegen's SecCodePLT judge (the row's setup and cases in the
sandbox): the reference patched code must pass the capability and the safety cases, the vulnerable code must
pass the capability cases and fail a safety case. Rows where that does not hold are written, with the reason,
to ``src/safegen/bench/datasets/data/seccodeplt.json`` under "invalid" and left out of every figure. Of the
valid rows, a seeded sample of 6 per CWE is the test split, the rest the dev split. The figures go to
``benchmarks/results/validate_seccodeplt.txt``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Mapping

from safegen.bench.datasets import fetch
from safegen.bench.datasets.seccodeplt import DEV_SAMPLE_PER_CWE, SPLITS_FILE, TEST_PER_CWE, SecCodePLT
from safegen.bench.judges.interface import FAILED, PASSED, JudgeItem
from safegen.bench.judges.seccodeplt_judge import FUNC, SEC, SecCodePLTJudge

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src" / "safegen" / "bench" / "datasets" / "data" / SPLITS_FILE


def draw_dev_sample(dev: list[str], cwe_of_task: Mapping[str, int], seed: int,
                    exclude: list[str] | tuple[str, ...] = ()) -> list[str]:
    """A small fixed part of dev for quick tuning runs: DEV_SAMPLE_PER_CWE rows per CWE, drawn with ``seed``.

    "dev-sample" is drawn with the split's seed + 1; "dev-sample-b", a second part that shares no row with it
    (to check that a choice made on the first holds on rows it was not made on), with seed + 2.
    """
    rng, left_out = random.Random(seed), set(exclude)
    return [i for cwe in sorted(set(cwe_of_task[d] for d in dev)) for i in
            rng.sample(sorted(d for d in dev if cwe_of_task[d] == cwe and d not in left_out), DEV_SAMPLE_PER_CWE)]


class _AllRows(SecCodePLT):
    """Every row with tests, the committed exclusions ignored (they are what this script decides)."""

    def excluded(self) -> Mapping[str, str]:
        return {}


def _reason(patched: dict[str, tuple[str, str]], vulnerable: dict[str, tuple[str, str]]) -> str | None:
    """Why a row is invalid, or None when its reference solutions behave as the data says."""
    problems = []
    for protocol, label in ((FUNC, "capability"), (SEC, "safety")):
        outcome, message = patched[protocol]
        if outcome != PASSED:
            problems.append(f"patched code {outcome}s {label}: {message[:200]}")
    outcome, message = vulnerable[FUNC]
    if outcome != PASSED:
        problems.append(f"vulnerable code {outcome}s capability: {message[:200]}")
    if vulnerable[SEC][0] != FAILED:
        problems.append(f"vulnerable code does not fail safety ({vulnerable[SEC][0]})")
    return "; ".join(problems) or None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "validate_seccodeplt.txt"))
    args = parser.parse_args()
    dataset = _AllRows()
    _, raw = fetch(dataset, data_dir=args.data_dir)
    parsed = dataset.parse(raw)
    judge = SecCodePLTJudge()
    invalid: dict[str, str] = {}
    by_cwe: dict[int, list[str]] = defaultdict(list)
    try:
        for number, task in enumerate(parsed.tasks, start=1):
            data = parsed.judge_data[task.task_id]
            results = {}
            for which, code in (("patched", data.canonical_solution), ("vulnerable", data.reference_code)):
                verdicts = judge.judge_one(JudgeItem(task.task_id, task.task_id, code, data))
                results[which] = {v.protocol: (v.outcome, v.message) for v in verdicts}
            reason = _reason(results["patched"], results["vulnerable"])
            if reason:
                invalid[task.task_id] = reason
            else:
                by_cwe[int(task.cwe or 0)].append(task.task_id)
            print(f"{number}/{len(parsed.tasks)} {task.task_id} CWE-{task.cwe}: {reason or 'valid'}"[:300],
                  file=sys.stderr, flush=True)
    finally:
        judge.close()
    rng = random.Random(args.seed)
    test: list[str] = []
    for cwe in sorted(by_cwe):
        test += rng.sample(sorted(by_cwe[cwe]), min(TEST_PER_CWE, len(by_cwe[cwe])))
    valid = [t.task_id for t in parsed.tasks if t.task_id not in invalid]
    dev = [i for i in valid if i not in set(test)]
    cwe_of_task = {t.task_id: int(t.cwe or 0) for t in parsed.tasks}
    dev_sample = draw_dev_sample(dev, cwe_of_task, args.seed + 1)
    dev_sample_b = draw_dev_sample(dev, cwe_of_task, args.seed + 2, exclude=dev_sample)
    order = {t.task_id: n for n, t in enumerate(parsed.tasks)}
    table = {"seed": args.seed, "per_cwe": TEST_PER_CWE, "dataset_sha256": dataset.spec.sha256,
             "test": sorted(test, key=order.__getitem__), "dev": dev, "dev-sample": dev_sample,
             "dev-sample-b": dev_sample_b,
             "invalid": dict(sorted(invalid.items(), key=lambda kv: order[kv[0]]))}
    TABLE.write_text(json.dumps(table, indent=1) + "\n")
    cwe_of = {t.task_id: t.cwe for t in parsed.tasks}
    bad = Counter(cwe_of[i] for i in invalid)
    lines = [f"SecCodePLT validation by its own judge ({datetime.date.today()}), "
             f"sha256 {dataset.spec.sha256[:12]}",
             f"rows with tests: {len(parsed.tasks)} (skipped while parsing: {len(parsed.skipped)})",
             f"valid: {len(valid)}; invalid (left out of every figure): {len(invalid)}",
             f"split (seed {args.seed}, {TEST_PER_CWE} valid rows per CWE): test {len(test)}, dev {len(dev)}", "",
             "CWE    rows  invalid  test  dev"]
    for cwe in sorted({int(t.cwe or 0) for t in parsed.tasks}):
        rows = sum(1 for t in parsed.tasks if t.cwe == cwe)
        in_test = sum(1 for i in test if cwe_of[i] == cwe)
        lines.append(f"{cwe:<6} {rows:>4} {bad.get(cwe, 0):>8} {in_test:>5} {len(by_cwe[cwe]) - in_test:>4}")
    kinds = Counter(reason.split(":")[0].split(" (")[0] for reason in invalid.values())
    lines += ["", "why rows are invalid (first problem of each row):"]
    lines += [f"  {count:>4}  {kind}" for kind, count in kinds.most_common()]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
