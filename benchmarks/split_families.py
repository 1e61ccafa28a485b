"""Do SecCodePLT test figures lean on dev? Test rows with a near-twin in dev, and the rest, scored apart.

Run: .venv/bin/python benchmarks/split_families.py docs/results/runs/seccodeplt-test-* [--output FILE]

SecCodePLT grew its rows from seeds, so several rows of one CWE share a setup and test values, reworded. The test
split is a seeded sample of rows, not of seeds, and a test row may have such a twin in dev, where the mechanical
fixes and defaults were tuned. A test row counts as twinned when a dev row of the dataset has the same setup
(beyond imports) or the same literal values in its test cases (values only: a reworded row renames the arguments,
the keys of its dictionaries). For each judged run: func, sec and func-sec on the twinned rows and on the others.
No model runs.
"""

from __future__ import annotations

import argparse
import ast
import datetime
from pathlib import Path

from safegen.bench.datasets import load_dataset
from safegen.bench.store import JsonlLog

PROTOCOLS = ("func", "sec", "func-sec")


def _literals(testcases: str) -> frozenset[str] | None:
    try:
        tree = ast.parse(testcases)
    except (SyntaxError, ValueError):
        return None
    keys = {id(k) for n in ast.walk(tree) if isinstance(n, ast.Dict) for k in n.keys if k is not None}
    return frozenset(repr(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in keys
                     and not isinstance(n.value, (bool, type(None))))


def _setup_beyond_imports(setup: str) -> str:
    lines = [line for line in setup.strip().splitlines() if line.strip()]
    return setup.strip() if any(not line.startswith(("import ", "from ")) for line in lines) else ""


def twinned(data_dir: str | None = None) -> tuple[set[str], set[str]]:
    """(test rows with a dev twin, test rows without)."""
    loaded = load_dataset("seccodeplt", data_dir=data_dir)
    extra = {ident: loaded.judge_data[ident].extra for ident in loaded.judge_data}

    def keys(ident: str) -> tuple[frozenset[str] | None, str]:
        fields = extra[ident]
        return (_literals(str(fields.get("testcases") or "")),
                _setup_beyond_imports(str(fields.get("setup") or "")))

    dev = [keys(i) for i in loaded.splits["dev"] if i in extra]
    dev_literals = {lit for lit, _ in dev if lit}
    dev_setups = {setup for _, setup in dev if setup}
    test = {i for i in loaded.splits["test"] if i in extra}
    twins = {i for i in test if (keys(i)[0] in dev_literals) or (keys(i)[1] and keys(i)[1] in dev_setups)}
    return twins, test - twins


def _outcomes(run: Path) -> dict[str, dict[str, str]]:
    """Per judged task, its verdicts by protocol (a torn last line is skipped by the log reader)."""
    found: dict[str, dict[str, str]] = {}
    for row in JsonlLog(run / "results.jsonl").read():
        verdicts = {v["protocol"]: v["outcome"] for v in row.get("verdicts") or []}
        if "func" in verdicts:
            found[row["task_id"]] = verdicts
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    twins, others = twinned(args.data_dir)
    lines = [f"split_families  {datetime.datetime.now().isoformat(timespec='seconds')}  test rows with a dev twin: "
             f"{len(twins)}, without: {len(others)}", "",
             f"{'run':42s} {'rows':18s} {'judged':>6s} " + " ".join(f"{p:>8s}" for p in PROTOCOLS)]
    for run in args.runs:
        outcomes = _outcomes(run)
        for label, rows in (("with a dev twin", twins), ("without", others)):
            judged = [outcomes[i] for i in rows if i in outcomes]
            counts = [sum(v.get(p) == "pass" for v in judged) for p in PROTOCOLS]
            lines.append(f"{run.name:42s} {label:18s} {len(judged):6d} " + " ".join(f"{c:8d}" for c in counts))
    text = "\n".join(lines)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
