"""`safegen bench merge`: the parts of a run made side by side become one folder that reports and resumes as one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safegen.bench.merge import merge_runs
from safegen.bench.report import build_report
from safegen.bench.runner import GENERATIONS, MANIFEST, RESULTS, RunSpec, run_benchmark
from safegen.config import Settings
from safegen.errors import InputError

from .fakes import FakeGenerator


@pytest.fixture()
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=str(data_dir), backend="fake")


def _part(tmp_path: Path, settings: Settings, k: int, **changes: object) -> Path:
    out = tmp_path / f"part{k}"
    spec = RunSpec("securityeval", "baseline", out, limit=5, part=(k, 2), judges=("bandit",), workers=0)
    run_benchmark(RunSpec(**{**spec.__dict__, **changes}), settings, generator=FakeGenerator())
    return out


def test_merged_parts_report_and_resume_as_the_whole_run(tmp_path: Path, settings: Settings) -> None:
    parts = [_part(tmp_path, settings, 1), _part(tmp_path, settings, 2)]
    merged = tmp_path / "merged"
    manifest = merge_runs(parts, merged)
    assert manifest["tasks"] == 5 and manifest["part"] is None and manifest["merged_from"] == [str(p) for p in parts]
    whole = tmp_path / "whole"
    run_benchmark(RunSpec("securityeval", "baseline", whole, limit=5, judges=("bandit",), workers=0), settings,
                  generator=FakeGenerator())
    keys = [json.loads(line)["key"] for line in (merged / RESULTS).read_text().splitlines()]
    assert keys == [json.loads(line)["key"] for line in (whole / RESULTS).read_text().splitlines()]
    mine, theirs = build_report([merged]).runs[0], build_report([whole]).runs[0]
    assert mine.security == theirs.security and mine.judged == theirs.judged == 5
    # resuming the merged folder as the whole run finds nothing left to do
    generator = FakeGenerator()
    run_benchmark(RunSpec("securityeval", "baseline", merged, limit=5, judges=("bandit",), workers=0), settings,
                  generator=generator)
    assert len((merged / GENERATIONS).read_text().splitlines()) == 5
    assert json.loads((merged / MANIFEST).read_text())["strategy"] == "baseline"


def test_another_run_a_shared_task_or_a_used_folder_is_refused_and_nothing_is_written(
        tmp_path: Path, settings: Settings) -> None:
    first = _part(tmp_path, settings, 1)
    other = _part(tmp_path / "o", settings, 2, strategy_options={"x": 1})
    with pytest.raises(InputError, match="another run.*strategy_options"):
        merge_runs([first, other], tmp_path / "a")
    with pytest.raises(InputError, match="in both"):
        merge_runs([first, first], tmp_path / "b")
    with pytest.raises(InputError, match="not a run folder"):
        merge_runs([first, tmp_path / "missing"], tmp_path / "c")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("")
    with pytest.raises(InputError, match="already holds"):
        merge_runs([first, _part(tmp_path / "p", settings, 2)], tmp_path / "d")
    assert not any((tmp_path / name).exists() for name in ("a", "b", "c"))



def test_tasks_handed_on_from_a_stopped_part_count_once(tmp_path: Path, settings: Settings) -> None:
    first, second = _part(tmp_path, settings, 1), _part(tmp_path, settings, 2)
    planned = json.loads((second / MANIFEST).read_text())["planned"]
    assert len(planned) + len(json.loads((first / MANIFEST).read_text())["planned"]) == 5
    for name in (GENERATIONS, RESULTS):  # part 2 stopped after its first task; its last went to a third folder
        lines = (second / name).read_text().splitlines(keepends=True)
        (second / name).write_text("".join(line for line in lines if json.loads(line)["task_id"] != planned[-1]))
    third = _part(tmp_path / "t", settings, 1, part=None, task_ids=(planned[-1],))
    manifest = merge_runs([first, second, third], tmp_path / "merged")
    assert manifest["tasks"] == 5 and len(manifest["planned"]) == 5  # not 5 + 1
    assert build_report([tmp_path / "merged"]).runs[0].judged == 5


def test_parts_written_before_run_json_listed_their_tasks_are_counted_from_the_dataset(
        tmp_path: Path, settings: Settings, data_dir: Path) -> None:
    first, second = _part(tmp_path, settings, 1), _part(tmp_path, settings, 2)
    last = json.loads((second / MANIFEST).read_text())["planned"][-1]
    for name in (GENERATIONS, RESULTS):  # part 2 stopped before its last task, which a third folder ran
        lines = (second / name).read_text().splitlines(keepends=True)
        (second / name).write_text("".join(line for line in lines if json.loads(line)["task_id"] != last))
    third = _part(tmp_path / "t", settings, 1, part=None, task_ids=(last,))
    for folder in (first, second, third):  # as written before the runner listed `planned`
        manifest = json.loads((folder / MANIFEST).read_text())
        del manifest["planned"]
        (folder / MANIFEST).write_text(json.dumps(manifest))
    merged = merge_runs([first, second, third], tmp_path / "merged", data_dir=data_dir)
    assert merged["tasks"] == 5 and len(merged["planned"]) == 5
    assert not build_report([tmp_path / "merged"]).runs[0].partial
    # without the dataset at hand the parts' counts are summed, as before (5 + 1: the report says partial)
    summed = merge_runs([first, second, third], tmp_path / "summed", data_dir=tmp_path / "nothing-here")
    assert summed["tasks"] == 6 and summed["planned"] is None
