"""What several answers to one SecCodePLT task held, and which the strategy kept: every independent answer of a
run made with ``--option answers=N`` judged by the row's hidden tests (dev rows only: this is for tuning).

Run: .venv/bin/python benchmarks/answer_pool.py RUN_FOLDER [RUN_FOLDER ...] [--against RUN_FOLDER ...]
     [--data-dir DIR] [--output FILE]

Per task: func/sec of each answer (``F``/``S``, ``.`` where it fails), the answer the final version descends from,
and the final version's verdicts as the run's results hold them. Totals: the first answer alone (greedy, before
any fix), the best of the answers (a ceiling no choice without the hidden tests reaches), the final versions, and
the tasks where the strategy kept another answer than the first, with what that did to function. ``--against``
(one folder per run, in the same order) sets each run beside another on the tasks both have judged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from safegen.bench.datasets import load_dataset
from safegen.bench.judges.interface import JudgeItem
from safegen.bench.judges.seccodeplt_judge import SecCodePLTJudge
from safegen.strategies.verification import answer_of, is_first_answer
from safegen.types import Candidate


def _answer_id(candidates: dict[str, dict[str, Any]], candidate_id: str) -> str:
    """The id of the answer ``candidate_id`` descends from, walked as the pipeline walks it."""
    by_id = {key: Candidate.from_dict(value) for key, value in candidates.items()}
    return answer_of(by_id, by_id[candidate_id]).candidate_id


def _final_verdicts(folder: Path) -> dict[str, dict[str, bool]]:
    out = {}
    for line in (folder / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        out[row["key"]] = {v["protocol"]: v["outcome"] == "pass" for v in row["verdicts"] if v["judge"] == "seccodeplt"}
    return out


def pool(folder: Path, loaded: Any, judge: SecCodePLTJudge, counts: Counter[str]) -> list[str]:
    finals = _final_verdicts(folder)
    test_ids = set(loaded.split("test").judge_data)
    lines = []
    for line in (folder / "generations.jsonl").read_text().splitlines():
        row = json.loads(line)
        record, task_id = row.get("record") or {}, row["task_id"]
        if task_id in test_ids:
            counts["test rows skipped (claims only)"] += 1
            continue
        if row["key"] not in finals or not record.get("candidates"):
            continue
        candidates = {c["candidate_id"]: c for c in record["candidates"]}
        answers = [c for c in record["candidates"] if is_first_answer(c["origin"], c.get("round", 0))]
        judged = []
        for answer in answers:
            verdicts = judge.judge_one(JudgeItem(row["key"], task_id, answer["code"] or None,
                                                 loaded.judge_data.get(task_id)))
            judged.append({v.protocol: v.outcome == "pass" for v in verdicts})
        final = record.get("final") or {}
        root = _answer_id(candidates, final["candidate_id"]) if final.get("candidate_id") in candidates else "-"
        verdict = finals[row["key"]]
        counts["tasks"] += 1
        first = judged[0] if judged else {}
        for name, value in (("func", "func"), ("sec", "sec"), ("func-sec", "func-sec")):
            counts[f"first answer {name}"] += bool(first.get(value))
            counts[f"best of the answers {name}"] += any(j.get(value) for j in judged)
            counts[f"final {name}"] += bool(verdict.get(value))
        if answers and root != answers[0]["candidate_id"]:
            counts["final from another answer"] += 1
            index = next((i for i, a in enumerate(answers) if a["candidate_id"] == root), None)
            picked = judged[index] if index is not None else {}
            change = ("gained" if picked.get("func") and not first.get("func") else
                      "lost" if first.get("func") and not picked.get("func") else "kept")
            counts[f"final from another answer: function {change}"] += 1
        shown = " ".join(("F" if j.get("func") else ".") + ("S" if j.get("sec") else ".") for j in judged)
        lines.append(f"  {task_id} {row['config'].get('entry_point')}: answers {shown}; final from {root} "
                     f"({final.get('origin', '-')}): func {'pass' if verdict.get('func') else 'fail'}, sec "
                     f"{'pass' if verdict.get('sec') else 'fail'}")
    return lines


def paired(folder: Path, other: Path, counts: Counter[str]) -> list[str]:
    """``folder``'s verdicts beside ``other``'s on the tasks both judged, and the tasks where they differ."""
    mine = {key.split("#")[0]: v for key, v in _final_verdicts(folder).items()}
    theirs = {key.split("#")[0]: v for key, v in _final_verdicts(other).items()}
    lines = []
    for task_id in sorted(set(mine) & set(theirs), key=lambda t: int(t.split("/")[-1])):
        counts["paired tasks"] += 1
        for protocol in ("func", "sec", "func-sec"):
            counts[f"paired {protocol}: this run"] += bool(mine[task_id].get(protocol))
            counts[f"paired {protocol}: the run against it"] += bool(theirs[task_id].get(protocol))
        if mine[task_id] != theirs[task_id]:
            shown = " ".join(f"{p} {'pass' if theirs[task_id].get(p) else 'fail'}->{'pass' if mine[task_id].get(p) else 'fail'}"
                             for p in ("func", "sec"))
            lines.append(f"  {task_id}: {other.name} -> {folder.name}: {shown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--against", type=Path, action="append", default=[])
    parser.add_argument("--data-dir")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    loaded = load_dataset("seccodeplt", data_dir=args.data_dir)
    judge = SecCodePLTJudge()
    counts: Counter[str] = Counter()
    lines: list[str] = []
    try:
        for folder in args.runs:
            lines.append(f"{folder}:")
            lines += pool(folder, loaded, judge, counts)
        for folder, other in zip(args.runs, args.against):
            lines += paired(folder, other, counts)
    finally:
        judge.close()
    head = [f"answers judged by the rows' hidden tests: {', '.join(map(str, args.runs))}"]
    text = "\n".join(head + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
