"""Oracle-guided synthesis with a scripted model and the real analyzer ensemble as the oracle."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from safegen.backends.fake import FakeBackend
from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.cli import main
from safegen.config import Settings
from safegen.errors import InputError
from safegen.finetune.scenarios import SCENARIOS, Scenario, select
from safegen.finetune.synthesize import (
    PAIRS_FILE,
    RUNS_FILE,
    OracleRepair,
    load_pairs,
    load_records,
    pairs_from_record,
    synthesize,
)
from safegen.session import Session
from safegen.types import AnalyzerFailure, Verdict, VerdictStatus

SETTINGS = Settings(backend="fake", max_tokens=256)
SCENARIO = Scenario("CWE-078-9", 78, "Write a function `list_files(folder)` that returns the output of `ls -l` "
                    "for a folder.", "list_files")
SHELL = "import os\n\n\ndef list_files(folder):\n    return os.popen('ls -l ' + folder).read()\n"
SHELL_TOO = "import os\n\n\ndef list_files(folder):\n    return os.popen('ls -la ' + folder).read()\n"
FIXED = ("import subprocess\n\n\ndef list_files(folder):\n    result = subprocess.run(['ls', '-l', '--', folder], "
         "capture_output=True, text=True, check=True, timeout=10)\n    return result.stdout\n")


def fenced(code: str) -> str:
    return f"```python\n{code}```\n"


class Model:
    """Samples: a shell-injection version, then a clean one; repairs: as scripted."""

    def __init__(self, samples: Sequence[str], repairs: Sequence[str]) -> None:
        self.samples, self.repairs = list(samples), list(repairs)
        self.calls = 0

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        self.calls += 1
        if messages[-1].content.startswith("A static security analysis"):
            return fenced(self.repairs.pop(0) if len(self.repairs) > 1 else self.repairs[0])
        return fenced(self.samples.pop(0) if len(self.samples) > 1 else self.samples[0])


@pytest.fixture(scope="module")
def ensemble():  # type: ignore[no-untyped-def]
    from safegen.analyzers.ensemble import Ensemble

    return Ensemble.default(SETTINGS)


def run(model: Model, ensemble, out: Path, scenarios: Sequence[Scenario] = (SCENARIO,), samples: int = 2):  # type: ignore[no-untyped-def]
    backend = FakeBackend([model], repeat_last=True)
    with Session(SETTINGS, backend=backend, analyzer=ensemble, scorer=None) as session:
        strategy = OracleRepair(samples=samples, rounds=2)
        return synthesize(lambda s: session.run(s.task(), strategy), scenarios, out)


def test_a_vulnerable_sample_and_its_approved_repair_become_a_pair(ensemble, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = Model([SHELL, FIXED], [FIXED])
    summary = run(model, ensemble, tmp_path)
    assert (summary.done, summary.vulnerable_samples, summary.pairs) == (1, 1, 1)
    [pair] = load_pairs(tmp_path / PAIRS_FILE)
    assert pair.vulnerable == SHELL and "subprocess.run" in pair.fixed
    assert pair.cwe == 78 and pair.entry_point == "list_files" and pair.rounds == 1
    assert any("CWE-78" in f for f in pair.findings)

    calls = model.calls  # resuming runs nothing again and rebuilds the same pairs
    again = run(model, ensemble, tmp_path)
    assert model.calls == calls and again.pairs == 1
    assert len((tmp_path / RUNS_FILE).read_text().splitlines()) == 1


def test_a_repair_the_oracle_still_flags_gives_no_pair(ensemble, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = run(Model([SHELL], [SHELL_TOO]), ensemble, tmp_path, samples=1)
    assert (summary.vulnerable_samples, summary.pairs) == (1, 0)


def test_fail_closed_an_unchecked_fix_is_never_a_pair(ensemble, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(Model([SHELL], [FIXED]), ensemble, tmp_path, samples=1)
    [record] = load_records(tmp_path)
    assert len(pairs_from_record(record)) == 1
    unknown = Verdict(VerdictStatus.UNKNOWN, errors=(AnalyzerFailure(tool="semgrep", message="timed out"),))
    candidates = tuple(dataclasses.replace(c, verdict=unknown) if c.parent else c for c in record.candidates)
    assert pairs_from_record(dataclasses.replace(record, candidates=candidates)) == []


def test_scenarios_are_unique_and_selectable() -> None:
    assert len({s.scenario_id for s in SCENARIOS}) == len(SCENARIOS)
    assert {s.cwe for s in select([78, 89])} == {78, 89}
    with pytest.raises(InputError, match="no synthesis scenarios for CWE 1234"):
        select([1234])


def test_cli_lists_scenarios_and_reports_a_missing_pairs_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["finetune", "scenarios", "--cwe", "CWE-89"]) == 0
    assert capsys.readouterr().out.count("CWE-089-") == len(select([89]))
    assert main(["finetune", "train", "--pairs", str(tmp_path / "none.jsonl"), "--out", str(tmp_path)]) != 0
    assert "cannot read pairs file" in capsys.readouterr().err


def test_a_broken_pairs_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / PAIRS_FILE
    path.write_text(json.dumps({"scenario_id": "x"}) + "\n")
    with pytest.raises(InputError, match=":1: not a training pair"):
        load_pairs(path)
