"""How many final answers of a run cannot run as written, and whether the run's own judge passed them.

Run: .venv/bin/python benchmarks/missing_parts.py RUN_FOLDER... [--output FILE]

"Cannot run as written" is strategies/completeness.py's reading of the syntax tree (with the task's setup in
front): a name nothing defines or imports, or a function the code calls whose body is only a placeholder. The
figure says how often the ``completion`` flag would act on a run's answers, and what such answers score.
No model and no sandbox run; the verdicts are those stored in the run. Runs recorded before a task kept its
setup code (``Task.context``) read the setup's names as undefined: use runs made since.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from safegen.strategies.completeness import missing_parts

FUNCTIONAL = ("func", "functional")  # SecCodePLT's capability cases, HumanEval's hidden tests


def read_run(folder: Path) -> list[str]:
    """One line per final answer with missing parts, then the run's summary line."""
    lines, total, hits, passed, judged = [], 0, 0, 0, 0
    for text in (folder / "results.jsonl").read_text().splitlines():
        try:
            row = json.loads(text)
        except json.JSONDecodeError:
            continue
        total += 1
        record = row.get("record") or {}
        task = record.get("task") or {}
        code = (record.get("final") or {}).get("code") or ""
        parts = missing_parts(code, task.get("context") or "") if code else ()
        if not parts:
            continue
        hits += 1
        outcome = next((v.get("outcome") for v in row.get("verdicts") or () if v.get("protocol") in FUNCTIONAL),
                       None)
        if outcome not in ("pass", "fail"):  # no functional judge for this dataset (SecurityEval: n/a)
            outcome = None
        judged += outcome is not None
        passed += outcome == "pass"
        lines.append(f"  {row.get('task_id')}: {'; '.join(parts[:3])}"
                     + (f" (functional judge: {outcome})" if outcome else ""))
    verdict = f", {passed} of {judged} pass the functional judge" if judged else ""
    return [f"{folder.name}: {hits} of {total} final answers cannot run as written{verdict}", *lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    out = [f"# missing parts of final answers ({datetime.date.today().isoformat()})", ""]
    for folder in args.runs:
        if not (folder / "results.jsonl").is_file():
            print(f"missing_parts: {folder} has no results.jsonl", file=sys.stderr)
            return 2
        out += read_run(folder) + [""]
    text = "\n".join(out)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
