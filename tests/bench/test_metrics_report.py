"""pass@k values, vulnerable rates that fail closed, report rendering in the three formats, ablation variants."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from safegen.bench.ablate import parts, variants
from safegen.bench.metrics import SecurityTally, mean_pass_at_k, pass_at_k
from safegen.bench.report import build_report, render, write_all
from safegen.bench.runner import RunSpec, run_benchmark
from safegen.config import Settings
from safegen.errors import InputError
from safegen.registry import STRATEGIES

from .fakes import SAFE_CODE, VULNERABLE_CODE, FakeGenerator


def _codex_estimator(n: int, c: int, k: int) -> float:
    """The product form from the Codex paper, as an independent check."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


@pytest.mark.parametrize("n, c, k, expected", [
    (5, 0, 1, 0.0), (5, 5, 1, 1.0), (10, 3, 1, 0.3), (10, 3, 5, 1 - 21 / 252), (10, 9, 2, 1.0), (1, 1, 1, 1.0),
    (200, 13, 10, None), (20, 4, 10, None),
])
def test_pass_at_k(n: int, c: int, k: int, expected: float | None) -> None:
    value = pass_at_k(n, c, k)
    assert value == pytest.approx(_codex_estimator(n, c, k), abs=1e-12)
    if expected is not None:
        assert value == pytest.approx(expected)


def test_pass_at_k_rejects_impossible_counts() -> None:
    for n, c, k in [(5, 6, 1), (0, 0, 1), (3, 1, 4), (5, 1, 0)]:
        with pytest.raises(ValueError):
            pass_at_k(n, c, k)


def test_mean_pass_at_k_over_tasks() -> None:
    assert mean_pass_at_k([(1, 1), (1, 0), (1, 1), (1, 1)], 1) == pytest.approx(0.75)
    assert mean_pass_at_k([(1, 1)], 5) is None


def test_errors_count_as_vulnerable_and_no_code_is_left_out() -> None:
    tally = SecurityTally()
    for outcome in ["vulnerable", "secure", "secure", "error", "no-code", "n/a"]:
        tally = tally.add(outcome)
    assert (tally.vulnerable, tally.secure, tally.error, tally.no_code) == (1, 2, 1, 1)
    assert tally.vulnerable_rate == pytest.approx(2 / 4)


def _fixed(code: str) -> FakeGenerator:
    return FakeGenerator(reply=lambda messages, params: code)


@pytest.fixture()
def two_runs(tmp_path: Path, data_dir: Path) -> list[Path]:
    settings = Settings(data_dir=str(data_dir))
    base, safe = tmp_path / "baseline", tmp_path / "safegen"
    run_benchmark(RunSpec("securityeval", "baseline", base, limit=4, judges=("bandit",), workers=0), settings,
                  generator=_fixed(VULNERABLE_CODE))
    run_benchmark(RunSpec("securityeval", "safegen", safe, limit=4, judges=("bandit",), workers=0), settings,
                  generator=_fixed(SAFE_CODE))
    _add_functional(safe)
    return [base, safe]


def _add_functional(folder: Path, failing: tuple[int, ...] = (0,)) -> None:
    """Gives a run functional verdicts (by default 3 of 4 pass: all but the first) to check pass@1 in every
    format."""
    path = folder / "results.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for index, line in enumerate(lines):
        line["verdicts"].append({"protocol": "functional", "judge": "functional", "tool_version": "hidden tests",
                                 "independent": True, "outcome": "fail" if index in failing else "pass",
                                 "findings": [], "message": "", "seconds": 0.0})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_report_formats_side_by_side(two_runs: list[Path], tmp_path: Path) -> None:
    report = build_report(two_runs)
    base, safe = report.runs
    assert base.security["bandit-any"].vulnerable_rate == 1.0
    assert safe.security["bandit-any"].vulnerable_rate == 0.0
    assert safe.pass_at == {"pass@1": pytest.approx(0.75)} and base.pass_at == {}
    assert base.llm_calls == 1.0 and base.seconds == 1.0 and not base.partial

    markdown = render(report, "markdown")
    assert "## securityeval 6f4fb70" in markdown
    assert re.search(r"\| baseline \| fake \| 4/4 \| 100\.0% \(4/4\) \|", markdown)
    assert "vulnerable: bandit-any (bandit 1.7." in markdown
    assert "### Vulnerable rate per CWE, judged by bandit-any" in markdown and "| CWE-20 |" in markdown
    assert "75.0%" in markdown

    data: dict[str, Any] = json.loads(render(report, "json"))
    assert data["runs"][0]["security"]["bandit-any"]["vulnerable_rate"] == 1.0
    assert data["runs"][1]["pass_at"]["pass@1"] == pytest.approx(0.75)

    html = render(report, "html")
    assert html.count("<svg") >= 4 and "<script" not in html
    assert not re.search(r'(src|href)="https?://', html)  # self-contained: no CDN
    assert "judged by bandit 1.7." in html
    paths = write_all(report, tmp_path / "out")
    assert sorted(p.name for p in paths) == ["report.html", "report.json", "report.md"]


def test_two_runs_of_one_strategy_are_told_apart(two_runs: list[Path], tmp_path: Path) -> None:
    again = tmp_path / "safegen-v2"
    shutil.copytree(two_runs[1], again)
    report = build_report([two_runs[0], two_runs[1], again])
    assert [run.label for run in report.runs] == ["baseline", "safegen [safegen]", "safegen [safegen-v2]"]
    assert "| safegen [safegen-v2] |" in render(report, "markdown")


def test_partial_runs_say_so(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings(data_dir=str(data_dir))
    out = tmp_path / "run"
    spec = RunSpec("securityeval", "baseline", out, limit=3, judges=("bandit",), workers=0)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(spec, settings, generator=FakeGenerator(stop_after=1))
    report = build_report([out])
    assert report.runs[0].partial
    assert "partial run, 1 of 3 outputs judged" in render(report, "markdown")


def test_report_of_a_folder_without_a_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no benchmark run"):
        build_report([tmp_path])


def test_ablation_parts_of_the_safegen_strategies() -> None:
    found = parts("safegen-static")
    assert {"fuzz-rounds", "static-rounds"} <= set(found)
    assert found["fuzz-rounds"].options == {"fuzz_rounds": 0}
    assert [v.name for v in variants("safegen-static", ["fuzz-rounds"])] == ["no-fuzz-rounds"]
    default = parts("safegen")  # the checks that are on by default (v15: derived tests and the legitimate ranking too)
    assert {"attacks", "rule-fixes", "evidence-first", "derived-tests", "legitimate-rank"} <= set(default)
    assert "legitimate-callers" not in default and "answers" not in default  # off; a count, not a switch
    assert default["attacks"].options == {"attacks": False}
    with pytest.raises(InputError, match="unknown part"):
        variants("safegen", ["nothing"])


def test_ablation_flags_reach_the_strategy(monkeypatch: pytest.MonkeyPatch) -> None:
    class Toy:
        def __init__(self, *, use_cache: bool = True, repair_rounds: int = 3, samples: int = 2) -> None:
            self.flags = (use_cache, repair_rounds, samples)

    monkeypatch.setitem(STRATEGIES._targets, "toy", Toy)
    chosen = {v.name: v.options for v in variants("toy")}
    assert chosen == {"no-use-cache": {"use_cache": False}, "no-repair-rounds": {"repair_rounds": 0}}
    assert Toy(**chosen["no-repair-rounds"]).flags == (True, 0, 2)


def test_broken_dataset_rows_are_counted_in_the_run_and_report(tmp_path: Path, data_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import hashlib

    from safegen.bench.datasets.builtin import SecurityEval
    from safegen.registry import DATASETS

    rows = (data_dir / "securityeval" / "dataset.jsonl").read_text().splitlines()[:3]
    raw = "\n".join([rows[0], '{"ID": "CWE-079_broken.py"', rows[1], '{"ID": "x.py", "Prompt": 3}', rows[2]]) + "\n"
    folder = tmp_path / "data" / "securityeval"
    folder.mkdir(parents=True)
    (folder / "dataset.jsonl").write_text(raw)

    class Damaged(SecurityEval):
        spec = dataclasses.replace(SecurityEval.spec, name="damaged", sha256=hashlib.sha256(raw.encode()).hexdigest())

    monkeypatch.setitem(DATASETS._targets, "damaged", Damaged)
    out = tmp_path / "run"
    manifest = run_benchmark(RunSpec("damaged", "baseline", out, judges=("bandit",), workers=0),
                             Settings(data_dir=str(tmp_path / "data")), generator=FakeGenerator())
    assert manifest["judged"] == 3 and [s["row"] for s in manifest["skipped_rows"]] == [2, 4]
    assert "2 dataset rows skipped" in render(build_report([out]), "markdown")


def test_partial_runs_are_compared_on_the_outputs_both_judged(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings(data_dir=str(data_dir))
    base, safe = tmp_path / "baseline", tmp_path / "safegen"
    run_benchmark(RunSpec("securityeval", "baseline", base, limit=4, judges=("bandit",), workers=0), settings,
                  generator=_fixed(VULNERABLE_CODE))
    with pytest.raises(KeyboardInterrupt):  # safegen stops after 2 of the 4 tasks
        run_benchmark(RunSpec("securityeval", "safegen", safe, limit=4, judges=("bandit",), workers=0), settings,
                      generator=FakeGenerator(stop_after=2, reply=lambda messages, params: SAFE_CODE))
    report = build_report([base, safe])
    markdown = render(report, "markdown")
    assert "The 2 outputs judged by every run above" in markdown
    assert re.search(r"\| baseline \| 2/2 \| 2/2 \| 0 \|", markdown)
    assert re.search(r"\| safegen \| 0/2 \(-100%\) \| 0/2 \(-100%\) \| 0 \|", markdown)
    assert "passed (hidden tests)" not in markdown  # no functional judge ran
    data = json.loads(render(report, "json"))
    (table,) = data["paired"].values()
    assert table["outputs"] == 2 and table["reference"] == "baseline"
    assert table["rows"][1]["change"]["bandit-any"] == -1.0
    assert "The 2 outputs judged by every run above" in render(report, "html")


def test_each_run_is_also_set_beside_the_baseline_on_the_outputs_both_judged(two_runs: list[Path], tmp_path: Path,
                                                                              data_dir: Path) -> None:
    settings = Settings(data_dir=str(data_dir))
    short = tmp_path / "safegen-short"
    with pytest.raises(KeyboardInterrupt):  # this run stops after 1 of the 4 tasks
        run_benchmark(RunSpec("securityeval", "safegen", short, limit=4, judges=("bandit",), workers=0), settings,
                      generator=FakeGenerator(stop_after=1, reply=lambda messages, params: VULNERABLE_CODE))
    report = build_report([*two_runs, short])
    markdown = render(report, "markdown")
    assert "The 1 outputs judged by every run above" in markdown  # the short run narrows the shared table
    assert "### Against baseline, task by task" in markdown
    assert re.search(r"\| safegen \[safegen\] \| 4 \| 0/4 vs 4/4 \(-100%\) \|.*\| 3/4 vs – \| 0 vs 0 \|", markdown)
    _add_functional(two_runs[0], failing=(1,))  # the baseline fails the second task, safegen the first
    markdown = render(build_report([*two_runs, short]), "markdown")
    assert re.search(r"\| safegen \[safegen\] \| 4 \|.*\| 3/4 vs 3/4 \(1 gained, 1 lost\) \| 0 vs 0 \|", markdown)
    assert re.search(r"\| safegen \[safegen-short\] \| 1 \| 1/1 vs 1/1 \(\+0%\) \|", markdown)
    data = json.loads(render(report, "json"))
    (versus,) = data["versus"].values()
    assert versus["reference"] == "baseline" and [row["outputs"] for row in versus["rows"]] == [4, 1]
    assert versus["rows"][0]["run"]["change"]["bandit-any"] == -1.0
    assert "Against baseline, task by task" in render(report, "html")
    assert "Against baseline" not in render(build_report(two_runs), "markdown")  # two runs: the shared table says it


def test_outputs_that_leave_the_function_unimplemented_are_named(two_runs: list[Path], tmp_path: Path) -> None:
    """A stub is judged secure by every security judge; the report must say it does nothing."""
    path = two_runs[1] / "results.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    entry = lines[0]["record"]["task"]["entry_point"]
    lines[0]["record"]["final"]["code"] = f'def {entry}(x):\n    """Doc."""\n    import os\n    pass\n'
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    base, safe = build_report(two_runs).runs
    assert base.stubs == () and safe.stubs == (lines[0]["task_id"],)
    note = f"safegen: 1 output leaves the function unimplemented (nothing in it for a security judge to flag): " \
           f"{lines[0]['task_id']}."
    report = build_report(two_runs)
    assert f"- {note}" in render(report, "markdown")
    assert note in render(report, "html")
    assert json.loads(render(report, "json"))["runs"][1]["stubs"] == [lines[0]["task_id"]]
