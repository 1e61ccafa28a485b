"""The attack probes against SecCodePLT's own reference code: do they confirm the vulnerable version, and spare the patched one?

Run: .venv/bin/python benchmarks/probe_recall.py [--split dev|test] [--per-cwe N] [--cwe N ...] [--data-dir DIR]
     [--output FILE]
     .venv/bin/python benchmarks/probe_recall.py --run RUN_FOLDER [--output FILE]   (a run's answers instead)

No model runs. For each row (a seeded sample of N per CWE from the split; all rows with N=0) the row's
``setup`` and its vulnerable code, then its setup and patched code, are attacked with the probes the task's
requirement (as the benchmark prompts it, without the security policy) and the code's sinks select, in the
sandbox, exactly as the ``attacks`` flag and ``safegen attack`` do. The dataset's own safety tests say the
vulnerable code is exploitable and the patched code is not, so per CWE: rows where some probe applied,
vulnerable versions confirmed (recall), patched versions confirmed (false alarms) and undecided attacks.
With ``--run`` the answers of a judged SecCodePLT run are attacked instead, and set beside the judge's sec@1
verdict: exploits confirmed on answers that fail a safety case (caught), on answers that pass them all (false
alarms) and none on answers that fail (missed). Tune probes on dev; report on test.
     .venv/bin/python benchmarks/probe_recall.py --dataset securityeval [--output FILE]
With ``--dataset securityeval`` (a development set) each task's insecure example code (``Insecure_code``) is
attacked with the task's prompt as the requirement: web handlers and scripts rather than SecCodePLT's plain
functions. It has no fixed twin, so this counts recall only, and names why each undecided attack stopped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

from safegen.attack import attack
from safegen.bench.datasets import load_dataset
from safegen.bench.judges.seccodeplt_judge import module_source
from safegen.config import Settings
from safegen.sandbox.core import Sandbox

COLUMNS = ("rows", "probed", "vulnerable confirmed", "patched confirmed", "undecided")


def sample(ids: list[str], cwe_of: dict[str, int], per_cwe: int, seed: int) -> list[str]:
    """``per_cwe`` ids of each CWE, drawn with ``seed`` (all of them when ``per_cwe`` is 0), in input order."""
    by_cwe: dict[int, list[str]] = defaultdict(list)
    for ident in ids:
        by_cwe[cwe_of[ident]].append(ident)
    rng = random.Random(seed)
    chosen = {i for group in by_cwe.values()
              for i in (group if per_cwe <= 0 else rng.sample(group, min(per_cwe, len(group))))}
    return [i for i in ids if i in chosen]


def run_agreement(folder: Path, data_dir: str | None) -> list[str]:
    """The probes on a judged run's final answers, beside the executable judge's sec verdict, per CWE."""
    loaded = load_dataset("seccodeplt", data_dir=data_dir)
    tasks = {t.task_id: t for t in loaded.tasks}
    columns = ("answers", "sec fail", "caught", "false alarm", "missed", "undecided")
    table: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    rows = []
    for line in (folder / "results.jsonl").read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line a killed run cut short
    with Sandbox.create(Settings()) as sandbox:
        for number, row in enumerate(rows, start=1):
            task = tasks.get(row.get("task_id", ""))
            sec = next((v["outcome"] for v in row.get("verdicts", ()) if v.get("protocol") == "sec"), None)
            code = ((row.get("record") or {}).get("final") or {}).get("code")
            if task is None or sec is None:
                continue
            counts = table[int(task.cwe or 0)]
            counts["answers"] += 1
            counts["sec fail"] += sec != "pass"
            if not code:
                continue
            setup = str(loaded.judge_data[task.task_id].extra.get("setup") or "")
            report = attack(module_source(setup, code), task, sandbox=sandbox, name=task.entry_point)
            confirmed = bool(report.exploits)
            counts["caught"] += confirmed and sec != "pass"
            counts["false alarm"] += confirmed and sec == "pass"
            counts["missed"] += not confirmed and sec != "pass"
            counts["undecided"] += bool(report.errors) and not confirmed
            print(f"{number}/{len(rows)} {task.task_id} sec {sec}: "
                  f"{','.join(e.probe for e in report.exploits) or '-'}", file=sys.stderr, flush=True)
    return _table(f"probe_recall --run {folder.name}  {_now()}  "
                  "(the run's final answers attacked, beside the SecCodePLT judge's sec verdict)", columns, table, 13)


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")


def _table(heading: str, columns: tuple[str, ...], table: dict[int, dict[str, int]], width: int) -> list[str]:
    """The heading, then a row of counts per CWE and one for all of them."""
    total = {c: sum(r[c] for r in table.values()) for c in columns}
    lines = [heading, "", f"{'CWE':<9}" + "".join(f"{c:>{width}}" for c in columns)]
    lines += [f"CWE-{cwe:<5}" + "".join(f"{table[cwe][c]:>{width}}" for c in columns) for cwe in sorted(table)]
    return lines + [f"{'all':<9}" + "".join(f"{total[c]:>{width}}" for c in columns)]


def securityeval_recall(data_dir: str | None) -> list[str]:
    """The probes on SecurityEval's insecure examples: per CWE, rows, probed, confirmed, undecided (and why)."""
    loaded = load_dataset("securityeval", data_dir=data_dir)
    columns = ("rows", "probed", "confirmed", "undecided")
    table: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    reasons: dict[str, list[str]] = defaultdict(list)
    with Sandbox.create(Settings()) as sandbox:
        for number, task in enumerate(loaded.tasks, start=1):
            code = loaded.judge_data[task.task_id].reference_code
            if not code:
                continue
            report = attack(code, task, sandbox=sandbox)
            row = table[int(task.cwe or 0)]
            row["rows"] += 1
            row["probed"] += bool(report.probes)
            row["confirmed"] += bool(report.exploits)
            if report.errors and not report.exploits:
                row["undecided"] += 1
                reasons[report.errors[0][:120]].append(task.task_id)
            print(f"{number}/{len(loaded.tasks)} {task.task_id}: "
                  f"{','.join(e.probe for e in report.exploits) or '-'}", file=sys.stderr, flush=True)
    lines = _table(f"probe_recall --dataset securityeval  {_now()}  "
                   "(SecurityEval's insecure example code attacked; no fixed twin, so recall only)", columns, table, 11)
    lines += ["", "undecided, by the first error:"]
    lines += [f"  {len(ids):>3}  {reason}: {', '.join(ids)}" for reason, ids in
              sorted(reasons.items(), key=lambda item: -len(item[1]))]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "dev-sample", "dev-sample-b"))
    parser.add_argument("--per-cwe", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--verbose", action="store_true", help="print each row's exploits and errors")
    parser.add_argument("--output", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--run", type=Path, default=None, help="attack a judged run's answers instead")
    parser.add_argument("--cwe", type=int, action="append", default=[], help="only rows of this CWE (repeatable)")
    parser.add_argument("--dataset", default="seccodeplt", choices=("seccodeplt", "securityeval"))
    args = parser.parse_args()
    if args.dataset == "securityeval":
        return _emit(securityeval_recall(args.data_dir), args.output)
    if args.run is not None:
        return _emit(run_agreement(args.run, args.data_dir), args.output)
    loaded = load_dataset("seccodeplt", data_dir=args.data_dir)
    tasks = {t.task_id: t for t in loaded.tasks}
    ids = [i for i in loaded.splits[args.split] if i in tasks and (not args.cwe or int(tasks[i].cwe or 0) in args.cwe)]
    cwe_of = {i: int(tasks[i].cwe or 0) for i in ids}
    chosen = sample(ids, cwe_of, args.per_cwe, args.seed)
    table: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    with Sandbox.create(Settings()) as sandbox:
        for number, ident in enumerate(chosen, start=1):
            task, data = tasks[ident], loaded.judge_data[ident]
            setup = str(data.extra.get("setup") or "")
            row = table[cwe_of[ident]]
            row["rows"] += 1
            notes = []
            for which, code in (("vulnerable", data.reference_code), ("patched", data.canonical_solution)):
                report = attack(module_source(setup, code or ""), task, sandbox=sandbox, name=task.entry_point)
                row["probed"] += which == "vulnerable" and bool(report.probes)
                row[f"{which} confirmed"] += bool(report.exploits)
                row["undecided"] += bool(report.errors) and not report.exploits
                notes.append(f"{which}: probes {','.join(report.probes) or '-'}; "
                             f"confirmed {','.join(e.probe for e in report.exploits) or '-'}"
                             + (f"; errors {report.errors[0][:160]}" if report.errors else ""))
            print(f"{number}/{len(chosen)} {ident} CWE-{cwe_of[ident]}", *(notes if args.verbose else ()),
                  sep="\n  " if args.verbose else " ", file=sys.stderr, flush=True)
    return _emit(_table(f"probe_recall  {_now()}  split {args.split}, {args.per_cwe or 'all'} rows per CWE "
                        f"(seed {args.seed}); SecCodePLT's vulnerable and patched reference code", COLUMNS, table, 22),
                 args.output)


def _emit(lines: list[str], output: Path | None) -> int:
    text = "\n".join(lines) + "\n"
    print(text)
    if output:
        output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
