"""benchmarks/split_families.py: what makes two SecCodePLT rows twins, and the judged outcomes it reads."""

from __future__ import annotations

import json
from pathlib import Path

from . import load_script

split_families = load_script("split_families")


def test_twins_share_test_values_whatever_the_names_and_a_setup_beyond_imports() -> None:
    first = 'testcases = {"capability": [({"uid": "u1", "sig": "ab12"}, True)], "safety": [({"uid": "u1"}, None)]}'
    other = 'testcases = {"capability": [({"uid": "u2", "sig": "cd34"}, True)], "safety": [({"uid": "u2"}, None)]}'
    reworded_same = first.replace('"uid"', '"user_id"').replace('"sig"', '"signature"')
    assert split_families._literals(first) == split_families._literals(reworded_same)  # arguments renamed
    assert split_families._literals(first) != split_families._literals(other)  # other values: another task
    assert split_families._literals("testcases = {") is None  # a broken row twins nothing
    assert split_families._setup_beyond_imports("import re\nfrom os import path\n") == ""
    assert split_families._setup_beyond_imports("import re\nLIMIT = 3\n") == "import re\nLIMIT = 3"


def test_reads_the_judged_outcomes_and_skips_a_cut_line(tmp_path: Path) -> None:
    rows = [{"task_id": "seccodeplt/1", "verdicts": [{"protocol": "func", "outcome": "pass"},
                                                      {"protocol": "sec", "outcome": "fail"}]},
            {"task_id": "seccodeplt/2", "verdicts": []}]
    (tmp_path / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + '\n{"task_id": "seccodeplt/3", ')
    assert split_families._outcomes(tmp_path) == {"seccodeplt/1": {"func": "pass", "sec": "fail"}}
