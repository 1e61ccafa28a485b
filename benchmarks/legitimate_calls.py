"""The legitimate-caller check (attack/legitimate.py) against SecCodePLT: does it spare working code, and does it
see answers that refuse the callers their task allows?

Run: .venv/bin/python benchmarks/legitimate_calls.py [--split dev|test|dev-sample|dev-sample-b] [--data-dir DIR]
     [--output FILE]
     .venv/bin/python benchmarks/legitimate_calls.py --run RUN_FOLDER [--run ...] [--output FILE]
     .venv/bin/python benchmarks/legitimate_calls.py --pool RUN_FOLDER [--pool ...] [--output FILE]

No model runs. Without ``--run``, each row's patched and vulnerable reference code (both pass the row's capability
cases) is checked: a refusal there is a false alarm, since both do the job; a patched version that lets the twin
without the right in is one too (the ranking counts it against a candidate), a vulnerable one may. With ``--run`` the final answers of
judged SecCodePLT runs are checked, beside the judge's func@1 verdict: refusals on answers that fail their
capability cases (seen), on answers that pass them (false alarms). With ``--pool`` (runs made with
``--option answers=N``, dev rows only) every first answer of a task is checked and judged by the row's hidden
tests: the answer the run kept, and the one ``legitimate_rank`` would put first (the first answer that neither
refuses a legitimate caller nor lets its twin in, where the kept one does either), before any fix. Tune on dev;
report on test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from safegen.astutil import with_context
from safegen.attack.legitimate import legitimate_calls
from safegen.attack.legitimate_check import check, mistaken, refusals
from safegen.bench.datasets import load_dataset
from safegen.bench.judges.interface import JudgeItem
from safegen.bench.judges.seccodeplt_judge import SecCodePLTJudge, module_source
from safegen.sandbox.core import Sandbox
from safegen.strategies.verification import answer_of, is_first_answer
from safegen.types import Candidate


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


def _flag(sandbox: Sandbox, task: dict[str, Any], code: str) -> int | None:
    """1: the code refuses a legitimate caller or lets its twin in; 0: neither; None: no legitimate call is built."""
    module = with_context(task.get("context") or "", code)
    if not code or not legitimate_calls(module, task["requirement"], task["entry_point"]):
        return None
    return int(mistaken(check(sandbox, module, task["requirement"], task["entry_point"])))


def pool(folder: Path, sandbox: Sandbox, judge: SecCodePLTJudge, data_dir: str | None) -> list[str]:
    loaded = load_dataset("seccodeplt", data_dir=data_dir)
    test_ids = set(loaded.split("test").judge_data)
    counts: Counter[str] = Counter()
    lines = []
    for line in (folder / "generations.jsonl").read_text().splitlines():
        row = json.loads(line)
        record = row.get("record") or {}
        task, final = record.get("task"), record.get("final") or {}
        if row["task_id"] in test_ids or not task or not record.get("candidates"):
            continue
        by_id = {c["candidate_id"]: Candidate.from_dict(c) for c in record["candidates"]}
        answers = [c for c in by_id.values() if is_first_answer(c.origin, c.round)]
        flags = [_flag(sandbox, task, c.code) for c in answers]
        if all(f is None for f in flags) or final.get("candidate_id") not in by_id:
            continue
        root = answer_of(by_id, by_id[final["candidate_id"]]).candidate_id
        kept = next((i for i, c in enumerate(answers) if c.candidate_id == root), 0)
        ranked = next((i for i, f in enumerate(flags) if f == 0), kept) if flags[kept] == 1 else kept
        verdicts = []
        for answer in answers:
            found = judge.judge_one(JudgeItem(row["key"], row["task_id"], answer.code or None,
                                              loaded.judge_data.get(row["task_id"])))
            outcome = {v.protocol: v.outcome == "pass" for v in found}
            verdicts.append(("F" if outcome.get("func") else ".") + ("S" if outcome.get("sec") else "."))
        counts["tasks with a legitimate call"] += 1
        for name, index in (("kept", kept), ("legitimate_rank", ranked)):
            counts[f"{name}: func"] += verdicts[index][0] == "F"
            counts[f"{name}: func-sec"] += verdicts[index] == "FS"
        shown = " ".join(f"{v}:{'-' if f is None else f}" for v, f in zip(verdicts, flags))
        lines.append(f"  {row['task_id']} {task['entry_point']}: answers (verdicts:flag) {shown}; kept {kept}, "
                     f"legitimate_rank {ranked}")
    return [f"{folder.name}: first answers"] + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "dev-sample", "dev-sample-b"))
    parser.add_argument("--run", type=Path, action="append", default=[])
    parser.add_argument("--pool", type=Path, action="append", default=[])
    parser.add_argument("--data-dir")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with Sandbox() as sandbox:
        if args.pool:
            judge = SecCodePLTJudge()
            try:
                lines = [x for folder in args.pool for x in pool(folder, sandbox, judge, args.data_dir)]
            finally:
                judge.close()
        elif args.run:
            lines = [x for folder in args.run for x in answers(folder, sandbox)]
        else:
            lines = references(args.split, args.data_dir, sandbox)
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
