"""`safegen fuzz FILE::FUNCTION`: exit codes, text and JSON output, errors as messages."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from safegen.cli import fuzz as fuzz_cli

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None and not os.access("/usr/bin/bwrap", os.X_OK),
                                reason="bubblewrap is not installed")

TARGETS = '''
import os

def ratio(a: int, b: int) -> float:
    return a / (b - 7)

def clamp(x: int, low: int, high: int) -> int:
    if low > high:
        raise ValueError("low > high")
    return max(low, min(x, high))

def run(host: str) -> int:
    return os.system("ping -c 1 " + host)
'''


def invoke(*argv: str) -> int:
    """Parse like `safegen` does (only the fuzz command) and run the handler."""
    parser = argparse.ArgumentParser(prog="safegen")
    parser.add_argument("--debug", action="store_true")
    fuzz_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fuzz", *argv])
    return int(args.handler(args))


@pytest.fixture()
def module(tmp_path: Path) -> Path:
    path = tmp_path / "targets.py"
    path.write_text(TARGETS)
    return path


def test_clean_function_exits_0(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(f"{module}::clamp", "-q", "--seconds", "8") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{module}::clamp: 150 executions") and out.rstrip().endswith("No defects found.")


def test_defects_exit_1_with_json(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(f"{module}::ratio", "--format", "json", "-q", "--iterations", "60", "--seconds", "8") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["executions"] == 60 and report["sandboxed"] is True
    defect = report["defects"][0]
    assert defect["kind"] == "exception" and defect["exception_type"] == "ZeroDivisionError"
    assert defect["input"] == "ratio(0, 7)" and "division by zero" in defect["message"]
    assert defect["location"] == f"{module}:5"
    assert defect["reproducer"].splitlines()[1:] == ["from targets import ratio", "ratio(0, 7)"]


def test_output_file_and_oracle_defect(module: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert invoke(f"{module}::run", "--format", "json", "-o", str(out), "-q", "--iterations", "10") == 1
    assert capsys.readouterr().out == ""
    report = json.loads(out.read_text())
    assert [d["kind"] for d in report["defects"]] == ["shell"]


@pytest.mark.parametrize("target, message", [
    ("nofunction", "expected FILE::FUNCTION"),
    ("{module}::missing", "no top-level function named 'missing'"),
    ("{missing}::ratio", "no such file"),
    ("{broken}::f", "not valid Python"),
])
def test_errors_exit_2(module: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str,
                       message: str) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    target = target.format(module=module, missing=tmp_path / "nope.py", broken=broken)
    assert invoke(target, "-q") == 2
    err = capsys.readouterr().err
    assert err.startswith("safegen: error:") and message in err and "Traceback" not in err


def test_code_that_cannot_be_imported_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "needs_flask.py"
    path.write_text("from flask_not_installed import request\ndef view(x: int) -> int:\n    return x\n")
    assert invoke(f"{path}::view", "-q", "--seconds", "5") == 2
    out = capsys.readouterr().out
    assert "error: the code cannot be imported in the sandbox: ModuleNotFoundError" in out


def test_bad_options_exit_2(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(f"{module}::ratio", "--seed-inputs", "[[1, 2", "-q") == 2
    assert invoke(f"{module}::ratio", "--iterations", "0", "-q") == 2
    assert "--seed-inputs is not valid JSON" in capsys.readouterr().err


def test_seed_inputs_and_failed_llm_seeds_keep_going(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = invoke(f"{module}::ratio", "--seed-inputs", "[[3, 7]]", "--llm-seeds", "--backend", "fake",
                  "--format", "json", "-q", "--iterations", "20", "--seconds", "8")
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["defects"]
    assert "seeds" in report["engines"]
    assert report["errors"][0].startswith("no LLM seeds")  # the fake backend has no reply: noted, not fatal


def test_unsafe_flag_warns(module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(f"{module}::clamp", "--unsafe-no-sandbox", "-q", "--iterations", "10") == 0
    captured = capsys.readouterr()
    assert "WITHOUT isolation" in captured.err and "WITHOUT SANDBOX" in captured.out


def test_verbose_text_shows_reproducers_and_survives_surrogates(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "odd.py"
    path.write_text("def f(x: int) -> str:\n    raise RuntimeError('bad \\ud800 char') if x == 3 else None\n"
                    "def g(x: int) -> None:\n    assert x != 3, 'x is \\ud800'\n")
    assert invoke(f"{path}::g", "-v", "--iterations", "20") == 1
    out = capsys.readouterr().out
    assert "AssertionError: x is \\ud800" in out
    assert "    reproducer:\n      # safegen fuzz:" in out and "      g(3)" in out


def test_through_the_real_entry_point(module: Path) -> None:
    try:
        from safegen.cli import build_parser

        build_parser()
    except ModuleNotFoundError as exc:  # another team's subcommand is not written yet
        pytest.skip(f"safegen CLI incomplete: {exc}")
    proc = subprocess.run([sys.executable, "-m", "safegen", "fuzz", f"{module}::ratio", "--format", "json",
                           "--iterations", "30", "-q"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["defects"][0]["exception_type"] == "ZeroDivisionError"
