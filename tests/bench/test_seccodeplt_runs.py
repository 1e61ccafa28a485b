"""SecCodePLT end to end: runs on the test split, judged in the sandbox, reported; the chart matches the table."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from safegen.bench.datasets import load_dataset
from safegen.bench.report import build_report, render
from safegen.bench.report.tradeoff import exec_rows
from safegen.bench.runner import RunSpec, run_benchmark
from safegen.cli import main
from safegen.config import Settings
from safegen.types import Candidate, RunRecord, Task


class ReferenceGenerator:
    """Answers each task with the dataset's reference code: patched or vulnerable (control flow only)."""

    def __init__(self, solutions: dict[str, str]) -> None:
        self.solutions = solutions

    def generate(self, task: Task, seed: int) -> RunRecord:
        final = Candidate(candidate_id="c0", code=self.solutions[task.task_id], origin="sample")
        return RunRecord(task=task, strategy="reference", backend="fake", model="fake", final=final,
                         candidates=(final,), wall_seconds=1.0, config={"strategy_options": {}})

    def close(self) -> None:
        pass


class _Points(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.points: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "circle" and found.get("class") == "point":
            self.points.append(found)


@pytest.fixture(scope="module")
def reference_runs(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> list[Path]:
    settings = Settings(data_dir=str(data_dir))
    dataset = load_dataset("seccodeplt", data_dir=data_dir).split("test")
    first = dataset.tasks[:3]
    root = tmp_path_factory.mktemp("seccodeplt")
    folders = []
    for name, pick in (("patched", "canonical_solution"), ("vulnerable", "reference_code")):
        solutions = {t.task_id: str(getattr(dataset.judge_data[t.task_id], pick)) for t in first}
        folder = root / name
        run_benchmark(RunSpec("seccodeplt", name, folder, limit=3, split="test", judges=("seccodeplt",), workers=0),
                      settings, generator=ReferenceGenerator(solutions))
        folders.append(folder)
    return folders


def test_reference_solutions_score_as_the_data_says(reference_runs: list[Path]) -> None:
    report = build_report(reference_runs)
    patched, vulnerable = report.runs
    assert patched.split == "test" and set(patched.executable) == {"all", "test"}
    assert (patched.executable["test"].func, patched.executable["test"].sec, patched.executable["test"].func_sec) \
        == (3, 3, 3)
    assert (vulnerable.executable["test"].func, vulnerable.executable["test"].sec) == (3, 0)
    markdown = render(report, "markdown")
    assert "func-sec@1" in markdown and "100.0% (3/3)" in markdown and "0.0% (0/3)" in markdown
    assert "split: test for claims" in markdown


def test_each_run_is_compared_task_by_task_with_the_first_run_listed(reference_runs: list[Path]) -> None:
    patched, vulnerable = reference_runs
    markdown = render(build_report([patched, vulnerable]), "markdown")
    table = markdown[markdown.index("### Executable tests against"):]
    assert table.startswith("### Executable tests against patched, task by task")
    # the vulnerable references keep every capability case and fail a safety case on all three tasks
    assert "| vulnerable | 3 | +0 / -3 | +0 / -0 | +0 / -3 |" in table
    reversed_report = json.loads(render(build_report([vulnerable, patched]), "json"))
    ((_, (change,)),) = reversed_report["executable_changes"].items()  # one dataset: "seccodeplt VERSION"
    assert (change["label"], change["reference"], change["outputs"]) == ("patched", "vulnerable", 3)
    assert change["gained"] == {"func": 0, "sec": 3, "func-sec": 3} and change["lost"] == {"func": 0, "sec": 0,
                                                                                          "func-sec": 0}
    assert "task by task" in render(build_report([patched, vulnerable]), "html")
    assert "Executable tests against" not in render(build_report([patched]), "markdown")


def test_runs_on_other_tasks_are_not_compared(reference_runs: list[Path], tmp_path: Path) -> None:
    patched, vulnerable = reference_runs
    other = tmp_path / "other"
    other.mkdir()
    for name in ("run.json", "generations.jsonl", "results.jsonl"):
        (other / name).write_text((vulnerable / name).read_text().replace("seccodeplt/", "seccodeplt/9"))
    markdown = render(build_report([patched, other, vulnerable]), "markdown")
    table = markdown[markdown.index("### Executable tests against"):].split("\n\n")[2]
    assert "| vulnerable [vulnerable] | 3 |" in table and "[other]" not in table  # both runs' strategy: vulnerable


def test_chart_points_match_the_table(reference_runs: list[Path]) -> None:
    report = build_report(reference_runs)
    page = render(report, "html")
    assert page.index('id="tradeoff"') < page.index("<table")  # the chart opens the page
    parser = _Points()
    parser.feed(page)
    header, rows = exec_rows(list(report.runs))
    assert len(parser.points) == len(rows) == 2
    column = {name: header.index(name) for name in ("strategy", "func@1", "sec@1")}
    for point, row in zip(parser.points, rows):
        assert point["data-run"] == row[column["strategy"]]
        for key, name in (("data-func", "func@1"), ("data-sec", "sec@1")):
            percent = float(re.match(r"([\d.]+)%", row[column[name]]).group(1))  # type: ignore[union-attr]
            assert float(point[key]) * 100 == pytest.approx(percent, abs=0.05)


def test_cli_runs_a_split_and_rejects_an_unknown_one(tmp_path: Path, data_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "run", "--dataset", "seccodeplt", "--split", "nosuch", "--strategy", "baseline",
            "--out", str(tmp_path / "x"), "--data-dir", str(data_dir), "--backend", "fake", "-q"]
    assert main(argv) == 2
    assert "no split 'nosuch'" in capsys.readouterr().err


@pytest.mark.model
def test_baseline_on_the_small_model_runs_judges_and_resumes(tmp_path: Path, data_dir: Path,
                                                             small_model_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["bench", "run", "--dataset", "seccodeplt", "--split", "test", "--strategy", "baseline", "--limit", "1",
            "--out", str(out), "--data-dir", str(data_dir), "--model", str(small_model_path),
            "--judges", "seccodeplt", "--workers", "0", "-q"]
    assert main(argv) == 0
    line = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    outcomes = {v["protocol"]: v["outcome"] for v in line["verdicts"]}
    assert set(outcomes) == {"func", "sec", "func-sec"} and set(outcomes.values()) <= {"pass", "fail", "no-code"}
    assert "func-sec@1" in capsys.readouterr().out
    assert main(argv) == 0  # resuming a finished run adds nothing
    assert len((out / "results.jsonl").read_text().splitlines()) == 1
