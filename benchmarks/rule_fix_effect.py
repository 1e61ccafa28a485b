"""The rule fixes alone, on a run's final answers: what they fix, and what the independent judges say before and after.

Run: .venv/bin/python benchmarks/rule_fix_effect.py RUN_FOLDER... [--data-dir DIR] [--output FILE]

No model runs. Each final answer is analyzed by the in-loop ensemble, the verified rule fixes
(safegen.fixes, as ``safegen scan --fix`` and the ``rule_fixes`` flag apply them, with the sandbox check)
are applied to its findings, and the answer before and after is judged by the dataset's independent judges
(SecCodePLT's executable tests; bandit 1.7 and the Insecure Code Detector). Reported per run: answers with
findings, answers changed, findings the rules fixed and left, fixes rejected, and each protocol's passes or
secure answers before and after, with the tasks that changed either way.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from safegen.analyzers.ensemble import DEFAULT_ANALYZERS, Ensemble
from safegen.bench.datasets import load_dataset
from safegen.bench.judges import create_judge, default_judges
from safegen.bench.judges.interface import NOT_APPLICABLE, PASSED, JudgeItem
from safegen.config import Settings
from safegen.fixes import apply_rule_fixes
from safegen.sandbox.core import Sandbox

GOOD = (PASSED, "secure")


def _rows(folder: Path) -> list[dict[str, Any]]:
    rows = []
    for line in (folder / "generations.jsonl").read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line a killed run cut short
    return rows


def _recorded_findings(candidate: dict[str, Any] | None) -> Counter[str]:
    """The in-loop findings the run recorded for a candidate, by rule id."""
    verdict = (candidate or {}).get("verdict") or {}
    return Counter(str(f.get("rule_id")) for f in verdict.get("findings") or () if isinstance(f, dict))


def analyse(folder: Path, data: dict[str, Any], judges: list[Any], ensemble: Ensemble, sandbox: Sandbox) -> list[str]:
    counts: Counter[str] = Counter()
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    fixes_used: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    rows = [r for r in _rows(folder) if r.get("task_id") in data]
    for number, row in enumerate(rows, start=1):
        task_id, record = row["task_id"], row["record"]
        code = (record.get("final") or {}).get("code")
        if not code:
            continue
        counts["answers"] += 1
        first = next((c for c in record.get("candidates") or () if c.get("code")), None)
        in_first, in_final = _recorded_findings(first), _recorded_findings(record.get("final"))
        counts["first findings"] += sum(in_first.values())
        counts["fixed by the model"] += sum((in_first - in_final).values())
        verdict = ensemble.check(code)
        fixed_code = code
        if verdict.findings:
            counts["with findings"] += 1
            counts["findings"] += len(verdict.findings)
            outcome = apply_rule_fixes(code, verdict.findings, ensemble=ensemble, sandbox=sandbox,
                                       tests=(record.get("task") or {}).get("tests"),
                                       entry_point=(record.get("task") or {}).get("entry_point"))
            counts["fixed by rule"] += len(outcome.fixed)
            counts["left"] += len(outcome.remaining)
            counts["fixes rejected"] += len(outcome.rejected)
            fixes_used.update(fix.fix_id for fix in outcome.fixed)
            if outcome.changed and outcome.fixed:
                counts["changed"] += 1
                fixed_code = outcome.code
        for judge in judges:
            old = judge.judge([JudgeItem(task_id, task_id, code, data[task_id])])[0]
            new = old if fixed_code == code else judge.judge([JudgeItem(task_id, task_id, fixed_code, data[task_id])])[0]
            for a, b in zip(old, new):
                if a.outcome == NOT_APPLICABLE:
                    continue
                key = f"{a.judge} {a.protocol}"
                judged[key] += 1
                before[key] += a.outcome in GOOD
                after[key] += b.outcome in GOOD
                gained[key] += b.outcome in GOOD and a.outcome not in GOOD
                lost[key] += a.outcome in GOOD and b.outcome not in GOOD
        print(f"{folder.name} {number}/{len(rows)}", file=sys.stderr, flush=True)
    lines = [(f"{folder.name}: the run's first answers had {counts['first findings']} in-loop findings; its final "
             f"answers lost {counts['fixed by the model']} of them (the strategy's own repairs and choices)"),
             (f"  then the rule fixes on the final answers: {counts['answers']} answers, {counts['with findings']} with in-loop findings "
             f"({counts['findings']} findings); the rules changed {counts['changed']} answers, fixed "
             f"{counts['fixed by rule']} findings, left {counts['left']}, rejected {counts['fixes rejected']} fixes"),
             "  fixes used: " + (", ".join(f"{k} {v}" for k, v in fixes_used.most_common()) or "none"),
             "  judge protocol (passed or secure)  judged  before  after  gained  lost"]
    lines += [f"  {key:<34} {judged[key]:>6} {before[key]:>7} {after[key]:>6} {gained[key]:>7} {lost[key]:>5}"
              for key in judged]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--output", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args()
    settings = Settings()
    lines = [(f"rule_fix_effect  {datetime.datetime.now().isoformat(timespec='seconds')}  (no model; the final "
             "answers with and without the verified rule fixes, judged by the independent judges)")]
    with Ensemble.from_names(DEFAULT_ANALYZERS, settings, warm=True) as ensemble, Sandbox.create(settings) as sandbox:
        for folder in args.folders:
            name = json.loads((folder / "generations.jsonl").open().readline())["dataset"]["name"]
            data = dict(load_dataset(name, data_dir=args.data_dir).judge_data)
            judges = [create_judge(j, settings) for j in default_judges(name) if j != "inloop"]
            try:
                lines += ["", *analyse(folder, data, judges, ensemble, sandbox)]
            finally:
                for judge in judges:
                    judge.close()
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
