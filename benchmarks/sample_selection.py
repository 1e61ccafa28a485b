"""Several answers to one SecCodePLT task, and which one to keep: how much function is there to pick from, and does
picking by the candidates' agreement on tests derived from the requirement (CodeT) find it?

Run: .venv/bin/python benchmarks/sample_selection.py --first RUN --samples RUN [--samples RUN ...]
     [--tests FILE] [--threads N] [--output FILE]

RUN folders are judged `safegen bench run` folders of one split (dev only: this is for tuning): ``--first`` holds
the greedy answer each task starts from, ``--samples`` more answers to the same prompt (``--samples 3
--temperature 0.7``). The derived tests (one model call a task, cached in ``--tests`` so a rerun asks nothing)
run on every answer in the sandbox; the consensus (verify/agreement.py) picks one, ties to the greedy answer. The
judge's func/sec verdicts of the picked answer are read from the runs, never recomputed. Printed: the greedy
answer's figures, the best of the answers (a ceiling no selector without the hidden tests reaches), the pick.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from safegen.astutil import with_context
from safegen.config import Settings
from safegen.sandbox.core import Sandbox
from safegen.types import Candidate, Task
from safegen.verify import DerivedTests, agreement, derive_tests

Answer = dict[str, Any]  # code, func, sec, key


def _verdicts(folder: Path) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for line in (folder / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        judged = {v["protocol"]: v["outcome"] == "pass" for v in row["verdicts"] if v["judge"] == "seccodeplt"}
        out[row["key"]] = judged
    return out


def load(folders: list[Path]) -> tuple[dict[str, Task], dict[str, list[Answer]]]:
    tasks: dict[str, Task] = {}
    answers: dict[str, list[Answer]] = defaultdict(list)
    for folder in folders:
        verdicts = _verdicts(folder)
        for line in (folder / "generations.jsonl").read_text().splitlines():
            row = json.loads(line)
            record = row.get("record") or {}
            if row["key"] not in verdicts or not record.get("final"):
                continue
            tasks.setdefault(row["task_id"], Task.from_dict(record["task"]))
            judged = verdicts[row["key"]]
            answers[row["task_id"]].append({"key": f"{folder.name}:{row['key']}", "code": record["final"]["code"],
                                            "func": judged.get("func", False), "sec": judged.get("sec", False)})
    return tasks, answers


def tests_for(task: Task, cache: dict[str, Any], backend_factory: Any) -> DerivedTests:
    if task.task_id not in cache:
        cache[task.task_id] = derive_tests(task, backend_factory()).to_dict()
    return DerivedTests.from_dict(cache[task.task_id])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=Path, required=True)
    parser.add_argument("--samples", type=Path, action="append", required=True)
    parser.add_argument("--tests", type=Path, default=Path("benchmarks/results/sample_selection_tests.json"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    first_tasks, first = load([args.first])
    tasks, more = load(args.samples)
    cache: dict[str, Any] = json.loads(args.tests.read_text()) if args.tests.exists() else {}
    backend = None

    def factory() -> Any:
        nonlocal backend
        if backend is None:
            from safegen.backends import create_backend
            backend = create_backend(Settings(threads=args.threads))
        return backend

    sandbox = Sandbox()
    counts: Counter[str] = Counter()
    lines: list[str] = []
    for task_id in sorted(set(first) & set(more), key=lambda t: int(t.split("/")[-1])):
        task = first_tasks[task_id]
        pool = first[task_id][:1] + more[task_id]
        derived = tests_for(task, cache, factory)
        args.tests.write_text(json.dumps(cache, indent=1, sort_keys=True))
        candidates = [Candidate(f"c{i}", with_context(task.context, a["code"]), "sample") for i, a in enumerate(pool)]
        trusted = agreement(derived, candidates, sandbox)
        picked = int(trusted.consensus[0][1:]) if trusted.consensus else 0
        chosen, greedy = pool[picked], pool[0]
        counts["tasks"] += 1
        for name, answer in (("greedy", greedy), ("picked", chosen)):
            counts[f"{name} func"] += answer["func"]
            counts[f"{name} sec"] += answer["sec"]
            counts[f"{name} func-sec"] += answer["func"] and answer["sec"]
        counts["best-of func"] += any(a["func"] for a in pool)
        counts["best-of func-sec"] += any(a["func"] and a["sec"] for a in pool)
        counts["derived tests"] += len(derived.tests)
        counts["tasks with a trusted test"] += bool(trusted.tests)
        if picked:
            counts["picked another answer"] += 1
            change = ("gain" if chosen["func"] and not greedy["func"] else
                      "loss" if greedy["func"] and not chosen["func"] else "same")
            counts[f"picked another answer: function {change}"] += 1
        flags = "".join("F" if a["func"] else "." for a in pool)
        lines.append(f"  {task_id} CWE-{task.cwe} {task.entry_point}: func by answer {flags}, consensus "
                     f"{','.join(trusted.consensus) or '-'}, picked c{picked}, trusted "
                     f"{len(trusted.tests)} of {len(derived.tests)}")
    head = [f"answers: {args.first} (greedy) + {', '.join(map(str, args.samples))}"]
    text = "\n".join(head + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
