"""Replay the committed runs' answers through extraction and answer post-processing; check nothing changed.

Run: .venv/bin/python benchmarks/replay_postprocess.py [RUN_DIR ...] [--write | --check]

What goes in: every candidate of every record in docs/results/runs/*/generations.jsonl. A record keeps the
model's raw answer only where no code came out of it (``Candidate.answer``); for the others the recorded code
is the best stand-in, replayed twice: as the model usually writes it (in a ```python fence) and bare. The
chosen imports of the run (HexaCoder's first step) are fixed at the top of first answers, as in the run.
Each input goes through ``stages.answer_code`` twice: with no post-processing step and with all of them (import
fixing, the demo drop, import pruning), whatever the run's strategy used, so every step sees every answer.

What comes out: one digest per candidate (over the code, the reason for no code and the notes of every
replay) in benchmarks/results/replay_postprocess.json (``--write``, before a refactoring), compared with that
file by ``--check`` (after it): a refactoring that changes no behaviour changes no digest. The summary,
benchmarks/results/replay_postprocess.txt, also counts the candidates whose replay with their run's own steps
gives back the recorded code byte for byte (the others were recorded by older versions of the pipeline).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safegen.backends.fake import FakeBackend
from safegen.config import Settings
from safegen.strategies import stages
from safegen.strategies.interface import StrategyContext
from safegen.strategies.safegen_static import SafegenStaticStrategy
from safegen.strategies.state import RunState
from safegen.types import Task

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs/results/runs"
DIGESTS = ROOT / "benchmarks/results/replay_postprocess.json"
SUMMARY = ROOT / "benchmarks/results/replay_postprocess.txt"
STEPS = ("fix_imports", "drop_self_tests", "prune_imports")
FIRST_ANSWERS = ("sample", "two-step")  # origins whose answers had the chosen imports fixed at their top
SETTINGS = Settings(backend="fake")
CONTEXT = StrategyContext(backend=FakeBackend(), settings=SETTINGS)


def _records(run: Path) -> Iterator[dict[str, Any]]:
    for line in (run / "generations.jsonl").read_text().splitlines():
        if line.strip():
            yield json.loads(line)


def _state(task: Task, entry_point: str | None, steps: dict[str, bool]) -> RunState:
    """A run's state for ``task`` under the safegen strategy with the post-processing ``steps`` switched on."""
    state, _ = SafegenStaticStrategy(**steps).new_state(task, CONTEXT)
    state.entry_point = task.entry_point or entry_point  # prose: the entry point the run settled on
    return state


def _replay(task: Task, entry_point: str | None, text: str, imports: list[str],
            steps: dict[str, bool]) -> tuple[str, str | None, list[str]]:
    state = _state(task, entry_point, steps)
    code, error = stages.answer_code(state, "c0", text, imports)
    return code, error, state.errors


def replay_run(run: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The digest of every candidate's replays, and the run's counts."""
    digests: dict[str, str] = {}
    counts = {"candidates": 0, "raw answers": 0, "own steps give the recorded code": 0}
    for line in _records(run):
        record, config = line["record"], line.get("config") or {}
        options = config.get("strategy_options") or {}
        own = {step: bool(options.get(step)) for step in STEPS}
        task = Task.from_dict(record["task"])
        entry = config.get("entry_point")
        for candidate in record["candidates"]:
            code, answer = candidate.get("code") or "", candidate.get("answer")
            imports = list(options.get("imports") or []) if candidate.get("origin") in FIRST_ANSWERS else []
            inputs = [answer] if answer else [f"```python\n{code}```\n", code]
            outcomes = [_replay(task, entry, text, imports, {step: on for step in STEPS})
                        for text in inputs for on in (False, True)]
            counts["candidates"] += 1
            counts["raw answers"] += bool(answer)
            if code and _replay(task, entry, inputs[0], imports, own)[0] == code:
                counts["own steps give the recorded code"] += 1
            blob = json.dumps(outcomes, sort_keys=True).encode()
            digests[f"{line['key']}/{candidate['candidate_id']}"] = hashlib.sha256(blob).hexdigest()[:16]
    return digests, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write the digests to {DIGESTS.relative_to(ROOT)}")
    mode.add_argument("--check", action="store_true", help="compare the digests with that file")
    args = parser.parse_args(argv)
    runs = args.runs or sorted(p for p in RUNS.iterdir() if (p / "generations.jsonl").exists())
    expected: dict[str, dict[str, str]] = json.loads(DIGESTS.read_text()) if args.check else {}
    found: dict[str, dict[str, str]] = {}
    mode_name = "check" if args.check else "write" if args.write else "dry"
    out = [(f"replay_postprocess  {datetime.datetime.now().isoformat(timespec='seconds')}  "
            f"python {sys.version.split()[0]}  mode {mode_name}")]
    differ = 0
    for run in runs:
        digests, counts = replay_run(run)
        found[run.name] = digests
        line = f"{run.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        if args.check:
            old = expected.get(run.name, {})
            changed = sorted(k for k in old if old[k] != digests.get(k))  # records added since: not compared
            differ += len(changed)
            line += (f"; compared with the committed digests: {len(old)}, differing {len(changed)}, "
                     f"new since {len(digests.keys() - old.keys())}")
            line += "".join(f"\n  differs: {key}" for key in changed[:20])
        out.append(line)
    total = sum(len(d) for d in found.values())
    out.append(f"total: {total} candidates replayed" + (f", {differ} differ" if args.check else ""))
    text = "\n".join(out) + "\n"
    print(text, end="")
    if args.write:
        DIGESTS.write_text(json.dumps(found, indent=0, sort_keys=True) + "\n")
    if args.write or args.check:
        SUMMARY.write_text(text)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
