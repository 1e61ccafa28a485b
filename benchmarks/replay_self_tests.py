"""What dropping the demo a model appends (strategies/selftests.py) changes on recorded benchmark runs.

Run: .venv/bin/python benchmarks/replay_self_tests.py [RUN_DIR ...] [--output FILE]

For each run (default: the safegen v5 and baseline runs of docs/results/runs) every recorded final answer
goes through drop_self_tests and then prune_unused_imports, as the safegen strategy's answers now do. The
answers that change are rejudged by every judge of the run (`safegen bench judge` on a scratch copy of the
run), and the figures of the whole run are printed before and after: vulnerable outputs per security judge,
failing outputs for the functional one. A replay, not a new run: the model's other answers, and what the
pipeline would have done with the cleaner code, are as recorded. The baseline runs are replayed only to
show what the demo alone weighs: the baseline strategy keeps it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from safegen.cli import main as safegen_main
from safegen.strategies import codecheck
from safegen.strategies.selftests import drop_self_tests

ROOT = Path(__file__).resolve().parents[1]
RUNS = ["humaneval-safegen-v5", "humaneval-baseline", "securityeval-safegen-v5", "securityeval-baseline"]
BAD = {"vulnerable", "fail", "error"}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _cleaned(record: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The final answer without its demo, and what was dropped; None when nothing changes."""
    final = record["record"].get("final") or {}
    code = final.get("code")
    if not code:
        return None
    entry = record["record"]["task"].get("entry_point") or codecheck.guess_entry_point(code)
    cleaned, dropped = drop_self_tests(code, entry)
    if not dropped:
        return None
    return codecheck.prune_unused_imports(cleaned)[0], dropped


def _tally(verdicts: dict[str, dict[str, str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for by_judge in verdicts.values():
        for protocol, outcome in by_judge.items():
            counts[protocol] += outcome in BAD
    return counts


def replay(run: Path, out: list[str]) -> None:
    results = {r["task_id"]: r for r in _lines(run / "results.jsonl")}
    before = {t: {v["protocol"]: v["outcome"] for v in r["verdicts"]} for t, r in results.items()}
    changed: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="safegen-replay-") as scratch:
        shutil.copy(run / "run.json", Path(scratch) / "run.json")
        with open(Path(scratch) / "generations.jsonl", "w") as fh:
            for record in _lines(run / "generations.jsonl"):
                found = _cleaned(record)
                if found and record["task_id"] in results:
                    record["record"]["final"]["code"], changed[record["task_id"]] = found
                    fh.write(json.dumps(record) + "\n")
        summary = io.StringIO()  # bench judge prints the run's summary table: not this script's figures
        with contextlib.redirect_stdout(summary):
            failed = bool(changed) and safegen_main(["bench", "judge", "-q", scratch]) != 0
        if failed:
            raise SystemExit(f"judging the replay of {run.name} failed:\n{summary.getvalue()}")
        after = dict(before)
        if changed:
            after |= {r["task_id"]: {v["protocol"]: v["outcome"] for v in r["verdicts"]}
                      for r in _lines(Path(scratch) / "results.jsonl")}
    out.append(f"{run.name}: {len(changed)} of {len(results)} final answers carry a demo")
    for task_id, dropped in changed.items():
        was = before[task_id]
        moved = {p: f"{was.get(p)} -> {o}" for p, o in after[task_id].items() if was.get(p) != o}
        out.append(f"  {task_id}: dropped {len(dropped)} statement(s) ({dropped[0]}...); "
                   f"{moved or 'no verdict changed'}")
    old, new = _tally(before), _tally(after)
    for protocol in sorted(old | new):
        word = "failing" if protocol == "functional" else "vulnerable"
        out.append(f"  {protocol}: {word} {old[protocol]} -> {new[protocol]} of {len(results)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, default=[ROOT / "docs/results/runs" / r for r in RUNS])
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/replay_self_tests.txt")
    args = parser.parse_args(argv)
    out = [f"replay_self_tests  {datetime.datetime.now().isoformat(timespec='seconds')}  "
           f"python {sys.version.split()[0]}"]
    for run in args.runs:
        replay(run, out)
    text = "\n".join(out) + "\n"
    print(text, end="")
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
