"""benchmarks/missing_parts.py: counts a run's final answers that cannot run as written, with their verdicts."""

from __future__ import annotations

import json
from pathlib import Path

from . import load_script

missing_parts = load_script("missing_parts")


def _row(task: str, code: str, func: str, context: str = "") -> str:
    return json.dumps({"task_id": task, "record": {"task": {"context": context}, "final": {"code": code}},
                       "verdicts": [{"protocol": "func", "outcome": func}]})


def test_a_run_is_read_with_the_setup_in_front_and_broken_lines_skipped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.jsonl").write_text("\n".join([
        _row("t/1", "def f(x):\n    return helper(x)\n", "fail"),
        _row("t/2", "def f(x):\n    return LIMIT * x\n", "pass", context="LIMIT = 3"),
        "{not json",
        _row("t/3", "def f(x):\n    return parse(x)\n\n\ndef parse(x):\n    pass\n", "pass"),
    ]) + "\n")
    lines = missing_parts.read_run(run)
    assert lines[0] == "run: 2 of 3 final answers cannot run as written, 1 of 2 pass the functional judge"
    assert lines[1].startswith("  t/1: `helper` is used but never defined") and lines[1].endswith("(functional judge: fail)")
    assert "placeholder" in lines[2] and "t/2" not in "\n".join(lines)
    assert missing_parts.main([str(tmp_path / "nothing-here")]) == 2
