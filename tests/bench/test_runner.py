"""The runner: records per task, resume after a kill (torn last line), re-judging without the model, executors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from safegen.bench.datasets import load_dataset
from safegen.bench.runner import GENERATIONS, MANIFEST, RESULTS, RunSpec, judge_run, run_benchmark
from safegen.bench.store import JsonlLog
from safegen.config import Settings
from safegen.errors import InputError

from .fakes import VULNERABLE_CODE, FakeGenerator


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture()
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=str(data_dir), backend="fake")


def test_run_writes_one_record_per_task_with_provenance(tmp_path: Path, settings: Settings) -> None:
    spec = RunSpec("securityeval", "baseline", tmp_path / "run", limit=3, judges=("bandit",), workers=0)
    generator = FakeGenerator()
    manifest = run_benchmark(spec, settings, generator=generator)
    assert manifest["generated"] == manifest["judged"] == manifest["expected"] == 3
    results = _lines(tmp_path / "run" / RESULTS)
    assert [r["task_id"] for r in results] == ["CWE-020_author_1", "CWE-020_author_2", "CWE-020_codeql_1"]
    first = results[0]
    assert first["dataset"]["sha256"] == load_dataset("securityeval", data_dir=settings.data_dir).sha256
    assert first["dataset"]["version"] == "6f4fb70" and first["seed"] == 0 and first["model"] == "fake"
    assert first["strategy"] == "baseline" and "safegen" in first["tool_versions"]
    head = subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()
    if head:  # a checkout (as in CI): the record names the commit that produced it
        assert first["tool_versions"]["safegen_commit"].split("+")[0] == head
    assert first["record"]["task"]["task_id"] == "CWE-020_author_1"
    by_protocol = {v["protocol"]: v for v in first["verdicts"]}
    assert set(by_protocol) == {"bandit-any", "bandit-medium"}
    code = first["record"]["final"]["code"]
    assert by_protocol["bandit-any"]["outcome"] == ("vulnerable" if code == VULNERABLE_CODE else "secure")
    assert first["judges"]["bandit"].startswith("bandit 1.7.")
    assert json.loads((tmp_path / "run" / MANIFEST).read_text())["dataset"]["name"] == "securityeval"


def test_resume_after_kill_repeats_and_loses_nothing(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    spec = RunSpec("securityeval", "baseline", out, limit=5, judges=("bandit",), workers=0)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(spec, settings, generator=FakeGenerator(stop_after=2))
    assert len(_lines(out / GENERATIONS)) == 2
    # The kill also tore a half-written line at the end of both logs.
    for name in (GENERATIONS, RESULTS):
        with open(out / name, "a") as handle:
            handle.write('{"key": "CWE-020_codeql_1#0", "task_id": "CWE-0')
    resumed = FakeGenerator()
    manifest = run_benchmark(spec, settings, generator=resumed)
    ids = [t.task_id for t in load_dataset("securityeval", data_dir=settings.data_dir).tasks]
    assert resumed.calls == ids[2:5]  # only the 3 not yet done
    keys = [r["key"] for r in _lines(out / RESULTS)]
    assert len(keys) == len(set(keys)) == 5 and manifest["judged"] == 5
    assert len(_lines(out / GENERATIONS)) == 5  # the torn line was dropped, every line parses
    again = FakeGenerator()
    run_benchmark(spec, settings, generator=again)
    assert again.calls == [] and len(_lines(out / RESULTS)) == 5


def test_generated_but_unjudged_records_are_judged_on_resume(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    spec = RunSpec("securityeval", "baseline", out, limit=2, judges=("bandit",), workers=0)
    run_benchmark(spec, settings, generator=FakeGenerator())
    lines = (out / RESULTS).read_text().splitlines()
    (out / RESULTS).write_text(lines[0] + "\n")  # killed after generating, before judging the second
    generator = FakeGenerator()
    run_benchmark(spec, settings, generator=generator)
    assert generator.calls == [] and len(_lines(out / RESULTS)) == 2


def test_rejudge_without_the_model(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=2, judges=("bandit",), workers=0), settings,
                  generator=FakeGenerator())
    manifest = judge_run(out, settings, judges=["bandit", "icd"], force=True, workers=0)
    assert manifest["judged"] == 2 and manifest["judges"] == ["bandit", "icd"]
    protocols = {v["protocol"] for r in _lines(out / RESULTS) for v in r["verdicts"]}
    assert protocols == {"bandit-any", "bandit-medium", "icd"}
    assert len(list(out.glob("results.*.jsonl"))) == 1  # the previous results were kept aside


def test_resume_refuses_a_different_run(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=1, judges=("bandit",), workers=0), settings,
                  generator=FakeGenerator())
    with pytest.raises(InputError, match="different run"):
        run_benchmark(RunSpec("securityeval", "prompted", out, limit=1, judges=("bandit",), workers=0), settings,
                      generator=FakeGenerator())


def test_strategy_crash_on_one_task_is_recorded_and_the_run_goes_on(tmp_path: Path, settings: Settings) -> None:
    class Flaky(FakeGenerator):
        def generate(self, task, seed):  # type: ignore[no-untyped-def]
            if task.task_id == "CWE-020_author_2":
                raise RuntimeError("boom")
            return super().generate(task, seed)

    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=3, judges=("bandit",), workers=0), settings,
                  generator=Flaky())
    results = {r["task_id"]: r for r in _lines(out / RESULTS)}
    assert len(results) == 3
    crashed = results["CWE-020_author_2"]
    assert crashed["record"]["final"] is None and "boom" in crashed["record"]["errors"][0]
    assert {v["outcome"] for v in crashed["verdicts"]} == {"no-code"}


def test_chosen_tasks_only_and_a_clear_error_for_an_unknown_id(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    spec = RunSpec("securityeval", "baseline", out, task_ids=("CWE-089_author_1", "CWE-020_author_2"),
                   judges=("bandit",), workers=0)
    manifest = run_benchmark(spec, settings, generator=FakeGenerator())
    assert [r["task_id"] for r in _lines(out / RESULTS)] == ["CWE-020_author_2", "CWE-089_author_1"]  # dataset order
    assert manifest["task_ids"] == ["CWE-089_author_1", "CWE-020_author_2"] and manifest["expected"] == 2
    with pytest.raises(InputError, match="no task 'CWE-089_author1'.*CWE-089_author_1"):
        run_benchmark(RunSpec("securityeval", "baseline", tmp_path / "other", task_ids=("CWE-089_author1",),
                              judges=("bandit",), workers=0), settings, generator=FakeGenerator())


def test_parts_side_by_side_hold_every_task_once(tmp_path: Path, settings: Settings) -> None:
    ids = []
    for k in (1, 2, 3):
        out = tmp_path / f"part{k}"
        manifest = run_benchmark(RunSpec("securityeval", "baseline", out, limit=7, part=(k, 3), judges=("bandit",),
                                         workers=0), settings, generator=FakeGenerator())
        assert manifest["part"] == [k, 3]
        ids.append([r["task_id"] for r in _lines(out / RESULTS)])
    everything = [t.task_id for t in load_dataset("securityeval", data_dir=settings.data_dir).tasks[:7]]
    assert [len(i) for i in ids] == [2, 2, 3] and [t for part in ids for t in part] == everything


def test_the_part_option_is_checked(tmp_path: Path, data_dir: Path) -> None:
    from safegen.cli import main

    for bad in ("0/2", "3/2", "1", "a/b"):
        with pytest.raises(SystemExit) as exit_info:
            main(["bench", "run", "--dataset", "securityeval", "--strategy", "baseline", "--part", bad,
                  "--out", str(tmp_path / "run"), "--data-dir", str(data_dir), "--backend", "fake"])
        assert exit_info.value.code == 2
    assert not (tmp_path / "run").exists()


def test_samples_and_seeds(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=2, samples=3, judges=("bandit",), workers=0),
                  settings.replace(seed=7), generator=FakeGenerator())
    results = _lines(out / RESULTS)
    assert sorted((r["task_id"], r["sample"], r["seed"]) for r in results)[:3] == [
        ("CWE-020_author_1", 0, 7), ("CWE-020_author_1", 1, 8), ("CWE-020_author_1", 2, 9)]
    assert len(results) == 6


def test_process_pool_judging(tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "run"
    manifest = run_benchmark(RunSpec("securityeval", "baseline", out, limit=3, judges=("bandit",), workers=2,
                                     batch_size=2), settings, generator=FakeGenerator())
    assert manifest["judged"] == 3
    assert all(len(r["verdicts"]) == 2 for r in _lines(out / RESULTS))


def test_ray_executor_on_a_local_instance(tmp_path: Path, settings: Settings) -> None:
    ray = pytest.importorskip("ray")
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=2, judges=("bandit",), workers=1,
                          executor="ray"), settings, generator=FakeGenerator())
    assert not ray.is_initialized()  # the runner shut down the instance it started
    assert {v["outcome"] for r in _lines(out / RESULTS) for v in r["verdicts"]} <= {"vulnerable", "secure"}
    assert len(_lines(out / RESULTS)) == 2


def test_jsonl_log_keeps_a_whole_record_without_newline(tmp_path: Path) -> None:
    log = JsonlLog(tmp_path / "x.jsonl")
    log.append({"a": 1})
    with open(log.path, "a") as handle:
        handle.write('{"a": 2}')
    log.repair()
    log.append({"a": 3})
    assert [r["a"] for r in log.read()] == [1, 2, 3]


KILLED_RUN = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from safegen.bench.runner import RunSpec, run_benchmark
from safegen.config import Settings
from tests.bench.fakes import FakeGenerator

class Slow(FakeGenerator):
    def generate(self, task, seed):
        time.sleep(0.2)
        return super().generate(task, seed)

run_benchmark(RunSpec("securityeval", "baseline", Path({out!r}), limit=8, judges=("bandit",), workers=0),
              Settings(data_dir={data!r}), generator=Slow())
"""


def test_resume_after_sigkill(tmp_path: Path, settings: Settings) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    repo = str(Path(__file__).resolve().parents[2])
    script = KILLED_RUN.format(repo=repo, out=str(out), data=settings.data_dir)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / GENERATIONS).exists() and len((out / GENERATIONS).read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done = [line["task_id"] for line in JsonlLog(out / GENERATIONS).read()]
    assert 3 <= len(done) < 8
    resumed = FakeGenerator()
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=8, judges=("bandit",), workers=0), settings,
                  generator=resumed)
    ids = [t.task_id for t in load_dataset("securityeval", data_dir=settings.data_dir).tasks[:8]]
    assert resumed.calls == [i for i in ids if i not in done]
    results = _lines(out / RESULTS)
    assert sorted(r["task_id"] for r in results) == sorted(ids)


def test_session_generator_runs_a_real_strategy_with_the_seed(tmp_path: Path, settings: Settings) -> None:
    """The glue to safegen.session: the baseline strategy, one shared scripted backend, seeds per sample."""
    pytest.importorskip("safegen.session")
    from safegen.backends.fake import FakeBackend
    from safegen.bench.runner import SessionGenerator
    from safegen.types import Verdict, VerdictStatus

    class Ensemble:  # the analyzer ensemble's interface, returning a fixed verdict
        def check(self, code: str, path: str = "") -> Verdict:
            return Verdict(VerdictStatus.VULNERABLE)

        def scan(self, files: list) -> list[Verdict]:  # type: ignore[type-arg]
            return [Verdict(VerdictStatus.VULNERABLE) for _ in files]

    backend = FakeBackend([f"```python\n{VULNERABLE_CODE}```"], repeat_last=True)
    generator = SessionGenerator(settings, "baseline", backend=backend, analyzer=Ensemble())
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=2, samples=2, judges=("bandit",), workers=0),
                  settings, generator=generator)
    assert [call.params.seed for call in backend.history] == [0, 1, 0, 1]
    results = _lines(out / RESULTS)
    assert all(r["record"]["strategy"] == "baseline" and "pickle.loads" in r["record"]["final"]["code"]
               for r in results)
    assert {v["outcome"] for r in results for v in r["verdicts"]} == {"vulnerable"}


def test_cancelling_the_pool_stops_a_batch_being_judged() -> None:
    import time

    from safegen.bench.executors import ProcessExecutor
    from tests.bench.fakes import slow_judging

    executor = ProcessExecutor(["bandit"], {}, workers=1, job=slow_judging)
    executor.submit([{"key": "k"}])
    deadline = time.monotonic() + 60
    processes = []
    while time.monotonic() < deadline and not processes:  # wait until the worker has started
        processes = list(getattr(executor._pool, "_processes", {}).values())
        time.sleep(0.1)
    assert processes
    time.sleep(1.0)
    executor.close(cancel=True)
    for process in processes:
        process.join(timeout=60)  # well under the job's 120 s, with room for a loaded machine
    assert all(_ended(p.pid, p.exitcode) for p in processes)  # the 120 s job did not hold the exit


def _ended(pid: int | None, exitcode: int | None) -> bool:
    """Whether a worker process has ended. ``is_alive`` cannot say: the pool's own thread may have reaped it first,
    and then our poll of it fails and reads as "alive"."""
    import os

    if exitcode is not None or pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
