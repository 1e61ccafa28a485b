"""Replay the derived-test vote of an ``answers=N`` run on dev rows, offline, and compare ways to choose.

For each task of the run: the tests are derived again (the run's prompt and greedy settings, so the same tests;
``--derive-samples K`` adds K-1 sampled derivations), every test runs on every independent answer in the sandbox
(appended to the task's setup, as the pipeline runs them), and each rule below picks one answer. The hidden
tests judge the answer each rule picks (before any fix: the fixes that follow are the same for every rule).
Dev rows only: this is for tuning.

Rules: ``first`` (the greedy answer), ``trusted`` (the pipeline's: the first answer that fails no trusted test;
the run also weighs the attacks, so it can differ), ``most`` (most derived tests passed, trusted or not),
``consensus`` (the first answer of CodeT's best group), ``behaviour`` (the largest group of answers that behave
alike on every test, failures by their message: execution agreement that needs no test to be right).

Run: .venv/bin/python benchmarks/derived_replay.py RUN_FOLDER [RUN_FOLDER ...] [--mixed-only]
     [--derive-samples K] [--threads N] [--data-dir DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from safegen import astutil
from safegen.backends import create_backend
from safegen.bench.datasets import load_dataset
from safegen.bench.judges.interface import JudgeItem
from safegen.bench.judges.seccodeplt_judge import SecCodePLTJudge
from safegen.config import Settings
from safegen.sandbox.core import Sandbox
from safegen.strategies.verification import answer_of, is_first_answer
from safegen.types import Candidate, Task
from safegen.verify import DerivedTests, agreement
from safegen.verify.agreement import run_derived
from safegen.verify.derive import DeriveParams, derive_enough
from safegen.verify.records import TestRun


@dataclasses.dataclass(frozen=True)
class Replay:
    """One task: its answers' hidden verdicts, their runs of every derived test, and the vote on them."""

    task_id: str
    hidden: tuple[dict[str, bool], ...]
    runs: tuple[tuple[TestRun, ...], ...]
    trusted: tuple[str, ...]  # the names of the trusted tests
    consensus: tuple[int, ...]  # the answers of CodeT's best group
    kept: int  # the answer the run's final version descends from (-1: none of them)

    def to_json(self) -> str:
        return json.dumps({"task_id": self.task_id, "hidden": self.hidden, "trusted": self.trusted,
                           "consensus": self.consensus, "kept": self.kept,
                           "runs": [[r.to_dict() for r in runs] for runs in self.runs]})

    @classmethod
    def from_json(cls, line: str) -> Replay:
        raw = json.loads(line)
        runs = tuple(tuple(TestRun.from_dict(r) for r in runs) for runs in raw["runs"])
        return cls(raw["task_id"], tuple(raw["hidden"]), runs, tuple(raw["trusted"]), tuple(raw["consensus"]),
                   raw["kept"])


def pick_first(replay: Replay) -> int:
    return 0


def _fails_trusted(replay: Replay, index: int) -> bool:
    return any(not r.passed for r in replay.runs[index] if r.name in replay.trusted)


def pick_trusted(replay: Replay) -> int:
    return next((i for i in range(len(replay.runs)) if not _fails_trusted(replay, i)), 0)


def pick_trusted_most(replay: Replay) -> int:
    """The pipeline's rule, then the most derived tests passed among the answers it leaves (ties: the first)."""
    return min(range(len(replay.runs)), key=lambda i: (_fails_trusted(replay, i), -sum(r.passed for r in replay.runs[i]), i))


def pick_most(replay: Replay) -> int:
    passed = [sum(r.passed for r in runs) for runs in replay.runs]
    return passed.index(max(passed))


def pick_consensus(replay: Replay) -> int:
    return min(replay.consensus, default=0)


def pick_behaviour(replay: Replay) -> int:
    signatures = [tuple((r.passed, r.message.split(": ", 1)[-1]) for r in runs) for runs in replay.runs]
    if not signatures or not signatures[0]:
        return 0
    sizes = [signatures.count(s) for s in signatures]
    return sizes.index(max(sizes))


RULES: dict[str, Callable[[Replay], int]] = {"first": pick_first, "trusted": pick_trusted, "most": pick_most,
                                              "trusted-most": pick_trusted_most, "consensus": pick_consensus,
                                              "behaviour": pick_behaviour}


def _answer_id(candidates: dict[str, dict[str, Any]], candidate_id: str) -> str:
    """The id of the answer ``candidate_id`` descends from, walked as the pipeline walks it."""
    by_id = {key: Candidate.from_dict(value) for key, value in candidates.items()}
    return answer_of(by_id, by_id[candidate_id]).candidate_id


def derive(task: Task, backend: Any, samples: int, enough: int | None = None) -> DerivedTests:
    """The run's derivation, then up to ``samples - 1`` sampled ones (only while fewer than ``enough`` tests are
    kept, when given: the ``more_tests`` flag's rule); their tests together."""
    return derive_enough(task, backend, DeriveParams(enough=enough if enough is not None else sys.maxsize,
                                                     tries=samples))


def replay_task(row: dict[str, Any], task: Task, backend: Any, sandbox: Sandbox, judge: SecCodePLTJudge,
                judge_data: Any, samples: int, mixed_only: bool, enough: int | None = None) -> Replay | None:
    record = row["record"]
    answers = [c for c in record["candidates"] if is_first_answer(c["origin"], c.get("round", 0))]
    if len(answers) < 2:
        return None
    hidden = tuple({v.protocol: v.outcome == "pass" for v in judge.judge_one(
        JudgeItem(row["key"], task.task_id, a["code"] or None, judge_data))} for a in answers)
    if mixed_only and len({h.get("func") for h in hidden}) < 2:
        return None
    tests = derive(task, backend, samples, enough)
    codes = [astutil.with_context(task.context, a["code"] or "") for a in answers]
    runs = tuple(run_derived(sandbox, code, tests.tests, tests.entry_point)[0] for code in codes)
    trusted = agreement(tests, [Candidate(candidate_id=f"a{i}", code=code, origin="answer") for i, code in enumerate(codes)],
                        sandbox)
    candidates = {c["candidate_id"]: c for c in record["candidates"]}
    final = (record.get("final") or {}).get("candidate_id")
    root = _answer_id(candidates, str(final)) if final in candidates else ""
    kept = next((i for i, a in enumerate(answers) if a["candidate_id"] == root), -1)
    return Replay(task.task_id, hidden, runs, tuple(t.name for t in trusted.tests),
                  tuple(int(c[1:]) for c in trusted.consensus), kept)


def summarize(replays: Sequence[Replay], counts: Counter[str]) -> list[str]:
    lines = []
    for replay in replays:
        picks = {name: rule(replay) for name, rule in RULES.items()}
        for name, index in picks.items():
            for protocol in ("func", "sec", "func-sec"):
                counts[f"{name}: {protocol}"] += bool(replay.hidden[index].get(protocol))
        counts["trusted rule picks the run's answer"] += picks["trusted"] == replay.kept
        counts["tasks"] += 1
        shown = " ".join(("F" if h.get("func") else ".") + ("S" if h.get("sec") else ".") + ":" +
                         "".join("1" if r.passed else "0" for r in runs) for h, runs in zip(replay.hidden, replay.runs))
        chosen = " ".join(f"{name}={index}" for name, index in picks.items())
        lines.append(f"  {replay.task_id}: tests {len(replay.runs[0])}, trusted {len(replay.trusted)}; "
                     f"answers {shown}; run kept {replay.kept}; {chosen}")
    return lines


def replay_runs(args: argparse.Namespace, saved: dict[str, Replay], save: Path | None,
                base: dict[str, Replay]) -> list[Replay]:
    """Replay every dev task of the runs not in ``saved``; each new replay is appended to ``save``."""
    loaded = load_dataset("seccodeplt", data_dir=args.data_dir)
    test_ids = set(loaded.split("test").judge_data)
    tasks = {t.task_id: t for t in loaded.tasks}
    backend = create_backend(Settings(threads=args.threads))
    judge = SecCodePLTJudge()
    replays = []
    try:
        with Sandbox() as sandbox:
            for folder in args.runs:
                for line in (folder / "generations.jsonl").read_text().splitlines():
                    row = json.loads(line)
                    task_id = row["task_id"]
                    if task_id in saved:
                        replays.append(saved[task_id])
                        continue
                    if task_id in base and (args.enough is None or len(base[task_id].runs[0]) >= args.enough):
                        replays.append(base[task_id])  # the rule leaves this task as --base replayed it
                        continue
                    if task_id in test_ids or not (row.get("record") or {}).get("candidates"):
                        continue
                    replay = replay_task(row, tasks[task_id], backend, sandbox, judge,
                                         loaded.judge_data.get(task_id), args.derive_samples, args.mixed_only,
                                         args.enough)
                    if replay is None:
                        continue
                    replays.append(replay)
                    if save is not None:
                        with save.open("a") as handle:
                            handle.write(replay.to_json() + "\n")
                    print(summarize([replay], Counter())[0], file=sys.stderr, flush=True)
    finally:
        judge.close()
    return replays


def _read(path: Path | None) -> dict[str, Replay]:
    if path is None or not path.exists():
        return {}
    return {r.task_id: r for r in map(Replay.from_json, path.read_text().splitlines()) if r.runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="*")
    parser.add_argument("--mixed-only", action="store_true",
                        help="only tasks whose answers differ in function (where the choice can matter)")
    parser.add_argument("--derive-samples", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir")
    parser.add_argument("--save", type=Path, help="JSON lines of the replays: appended as they finish, reused "
                                                   "on a rerun (resume) and read by --load")
    parser.add_argument("--enough", type=int, help="sampled derivations only while fewer tests than this are kept")
    parser.add_argument("--base", type=Path, help="saved replays of one derivation: tasks with --enough tests "
                                                   "or more are taken from it, as the rule leaves them")
    parser.add_argument("--load", action="store_true", help="only read --save's replays (no model, no sandbox)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    saved, base = _read(args.save), _read(args.base)
    replays = list(saved.values()) if args.load else replay_runs(args, saved, args.save, base)
    counts: Counter[str] = Counter()
    lines = summarize(replays, counts)
    source = ", ".join(map(str, args.runs)) or str(args.save)
    head = [f"derived tests replayed ({args.derive_samples} derivation(s)) on: {source}"]
    text = "\n".join(head + [f"  {k}: {v}" for k, v in sorted(counts.items())] + lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
