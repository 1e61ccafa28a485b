"""The legitimate-caller check (attack/legitimate.py) against SecCodePLT: does it spare working code, and does it
see answers that refuse the callers their task allows?

Run: .venv/bin/python benchmarks/legitimate_calls.py [--split dev|test|dev-sample|dev-sample-b] [--data-dir DIR]
     [--output FILE]
     .venv/bin/python benchmarks/legitimate_calls.py --run RUN_FOLDER [--run ...] [--output FILE]

No model runs. Without ``--run``, each row's patched and vulnerable reference code (both pass the row's capability
cases) is checked: a refusal there is a false alarm, since both do the job; a patched version that lets the twin
without the right in is one too (the ranking counts it against a candidate), a vulnerable one may. With ``--run`` the final answers of
judged SecCodePLT runs are checked, beside the judge's func@1 verdict: refusals on answers that fail their
capability cases (seen), on answers that pass them (false alarms). Tune on dev; report on test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from safegen.astutil import with_context
from safegen.attack.legitimate import legitimate_calls
from safegen.attack.legitimate_check import check, refusals
from safegen.bench.datasets import load_dataset
from safegen.bench.judges.seccodeplt_judge import module_source
from safegen.sandbox.core import Sandbox


def references(split: str, data_dir: str | None, sandbox: Sandbox) -> list[str]:
    loaded = load_dataset("seccodeplt", data_dir=data_dir).split(split)
    counts: Counter[str] = Counter()
    lines = []
    for task in loaded.tasks:
        data = loaded.judge_data[task.task_id]
        setup = str(data.extra.get("setup") or "")
        for which, code in (("patched", data.canonical_solution), ("vulnerable", data.reference_code)):
            module = module_source(setup, code or "")
            if not legitimate_calls(module, task.requirement, task.entry_point):
                continue
            counts[f"{which} checked"] += 1
            checked = check(sandbox, module, task.requirement, task.entry_point)
            for refusal in (c.refusal for c in checked if c.refusal is not None):
                counts[f"{which} refused (false alarm)"] += 1
                lines.append(f"  false alarm: {task.task_id} CWE-{task.cwe} {which}: {refusal.describe()[:300]}")
            admitted = [a for c in checked if (a := c.outsider_admitted) is not None]
            if admitted:  # the twin without the right got in: expected of a vulnerable version only
                counts[f"{which} let the twin in" + (" (false alarm)" if which == "patched" else "")] += 1
                if which == "patched":
                    lines.append(f"  false alarm: {task.task_id} CWE-{task.cwe} patched lets in {admitted[0][:200]}")
    head = [(f"SecCodePLT {split}: {len(loaded.tasks)} rows; reference code that does its job (patched and vulnerable "
             "versions pass the capability cases)")]
    return head + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines


def answers(folder: Path, sandbox: Sandbox) -> list[str]:
    counts: Counter[str] = Counter()
    lines = []
    for line in (folder / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        record, verdicts = row["record"], {v["protocol"]: v["outcome"] for v in row.get("verdicts", ())}
        task, final = record["task"], record.get("final") or {}
        if not final.get("code") or "func" not in verdicts:
            continue
        module = with_context(task.get("context") or "", final["code"])
        if not legitimate_calls(module, task["requirement"], task["entry_point"]):
            continue
        func = verdicts["func"]
        counts[f"checked, func {func}"] += 1
        found = refusals(sandbox, module, task["requirement"], task["entry_point"])
        if found:
            counts[f"refused, func {func}"] += 1
            lines.append(f"  {row['task_id']} CWE-{task.get('cwe')} func {func}: {found[0].describe()[:300]}")
    return [f"{folder.name}: final answers"] + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "dev-sample", "dev-sample-b"))
    parser.add_argument("--run", type=Path, action="append", default=[])
    parser.add_argument("--data-dir")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with Sandbox() as sandbox:
        lines = [x for folder in args.run for x in answers(folder, sandbox)] if args.run \
            else references(args.split, args.data_dir, sandbox)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
