"""`safegen bench` through the real entry point: list, run, judge, report, and bad input without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safegen.backends.fake import FakeBackend
from safegen.bench.datasets import find_data_dir
from safegen.bench.runner import RunSpec, run_benchmark
from safegen.cli import main
from safegen.config import Settings
from safegen.registry import BACKENDS

REPO = Path(__file__).resolve().parents[2]
DATA = find_data_dir(REPO)
pytestmark = pytest.mark.skipif(DATA is None, reason="shared/datasets not found")

VULNERABLE = "```python\nimport pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n```"


@pytest.fixture()
def run_folder(tmp_path: Path) -> Path:
    """A small judged run made without the model (scripted backend, baseline-like generator)."""
    sys.path.insert(0, str(REPO))
    try:
        from tests.bench.fakes import FakeGenerator
    finally:
        sys.path.remove(str(REPO))
    out = tmp_path / "run"
    run_benchmark(RunSpec("securityeval", "baseline", out, limit=2, judges=("bandit",), workers=0),
                  Settings(data_dir=str(DATA)), generator=FakeGenerator())
    return out


def test_bench_datasets_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "datasets", "--data-dir", str(DATA)]) == 0
    out = capsys.readouterr().out
    for name in ("securityeval", "llmseceval", "humaneval", "cyberseceval-instruct", "cyberseceval-autocomplete"):
        assert name in out
    assert "121 rows" in out and str(DATA) in out


def test_bench_judge_and_report(run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "judge", str(run_folder), "--judges", "bandit,icd", "--force", "--workers", "0",
                 "--data-dir", str(DATA), "-q"]) == 0
    assert "icd (codeshield" in capsys.readouterr().out
    assert main(["bench", "report", str(run_folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs"][0]["judged"] == 2 and {p["id"] for p in data["protocols"]} >= {"bandit-any", "icd"}
    assert main(["bench", "report", str(run_folder), "--out-dir", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.html").read_text().count("<svg") >= 3


def test_console_script_renders_a_report(run_folder: Path) -> None:
    script = Path(sys.executable).with_name("safegen")
    out = subprocess.run([str(script), "bench", "report", str(run_folder)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "| baseline | fake | 2/2 |" in out.stdout


@pytest.mark.parametrize("argv, message", [
    (["bench", "run", "--dataset", "nope", "--strategy", "baseline"], "unknown dataset 'nope'"),
    (["bench", "run", "--dataset", "securityeval", "--strategy", "nope"], "unknown strategy 'nope'"),
    (["bench", "run", "--dataset", "securityeval", "--strategy", "baseline", "--samples", "0"], "--samples"),
    (["bench", "run", "--dataset", "securityeval", "--strategy", "baseline", "--judges", "bandit,zzz"],
     "unknown judge(s): zzz"),
])
def test_bad_input_is_a_message_not_a_traceback(argv: list[str], message: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--out", str(tmp_path / "o"), "--data-dir", str(DATA), "-q"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_report_on_a_folder_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "report", str(tmp_path)]) == 2
    assert "no benchmark run" in capsys.readouterr().err


def test_bench_run_end_to_end_with_a_scripted_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("safegen.analyzers.ensemble")

    class Scripted(FakeBackend):
        @classmethod
        def from_settings(cls, settings: Any) -> "Scripted":
            return cls([VULNERABLE], repeat_last=True)

    monkeypatch.setitem(BACKENDS._targets, "scripted", Scripted)
    out = tmp_path / "run"
    argv = ["bench", "run", "--dataset", "securityeval", "--strategy", "baseline", "--limit", "2", "--out",
            str(out), "--backend", "scripted", "--judges", "bandit,inloop", "--workers", "0",
            "--data-dir", str(DATA), "-q"]
    assert main(argv) == 0
    stdout = capsys.readouterr().out
    assert "| baseline |" in stdout and "2/2" in stdout
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [line["record"]["strategy"] for line in lines] == ["baseline", "baseline"]
    assert all({v["protocol"]: v["outcome"] for v in line["verdicts"]}["bandit-any"] == "vulnerable"
               for line in lines)
    assert main(argv) == 0  # resuming a finished run does nothing and succeeds
    assert len((out / "results.jsonl").read_text().splitlines()) == 2


def test_bench_ablate_runs_each_part_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("safegen.analyzers.ensemble")
    from safegen.registry import STRATEGIES
    from safegen.strategies.interface import Strategy, StrategyContext
    from safegen.types import Candidate, RunRecord, Task

    class Toy(Strategy):
        name = "toy"

        def __init__(self, *, secure_prompt: bool = True, repair_rounds: int = 2) -> None:
            self.secure_prompt, self.repair_rounds = secure_prompt, repair_rounds

        def run(self, task: Task, ctx: StrategyContext) -> RunRecord:
            code = "def f():\n    return 1\n" if self.secure_prompt and self.repair_rounds else \
                "import pickle\n\n\ndef f(d):\n    return pickle.loads(d)\n"
            return RunRecord(task=task, strategy="toy", backend="fake", model="fake",
                             final=Candidate("c0", code, "sample"),
                             config={"strategy_options": {"secure_prompt": self.secure_prompt,
                                                          "repair_rounds": self.repair_rounds}})

    monkeypatch.setitem(STRATEGIES._targets, "toy", Toy)
    out = tmp_path / "abl"
    assert main(["bench", "ablate", "--dataset", "securityeval", "--strategy", "toy", "--limit", "2", "--out",
                 str(out), "--backend", "fake", "--judges", "bandit", "--workers", "0", "--data-dir", str(DATA),
                 "-q"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["toy", "toy-no-repair-rounds",
                                                                   "toy-no-secure-prompt"]
    report = (out / "report.md").read_text()
    assert "| toy | fake | 2/2 | 0.0%" in report and "| toy (no-repair-rounds) | fake | 2/2 | 100.0%" in report
    line = json.loads((out / "toy-no-secure-prompt" / "results.jsonl").read_text().splitlines()[0])
    assert line["variant"] == "no-secure-prompt" and line["strategy_options"] == {"secure_prompt": False}
