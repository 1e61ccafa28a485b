"""`safegen scan --fix` / `--diff` through the real entry point, on copies of the fix fixtures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from safegen.sandbox.core import Sandbox
from safegen.sandbox.tests import run_tests

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input.py").is_file())


def scan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "safegen"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "safegen"]
    return subprocess.run([*command, "scan", *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixtures")
    for name in NAMES:
        shutil.copyfile(FIXTURES / name / "input.py", root / f"{name.replace('-', '_')}.py")
    return root


def test_diff_shows_the_fixes_and_writes_nothing(copies: Path) -> None:
    before = {p.name: p.read_text() for p in copies.glob("*.py")}
    result = scan(".", "--diff", cwd=copies)
    assert result.returncode == 0, result.stderr  # clean once the fixes are applied
    assert {p.name: p.read_text() for p in copies.glob("*.py")} == before
    for name in NAMES:
        assert f"+++ b/{name.replace('-', '_')}.py" in result.stdout
    assert '-        tar.extractall(target)\n+        tar.extractall(target, filter="data")' in result.stdout


def test_fix_leaves_clean_files_that_still_import_and_run(copies: Path, sandbox: Sandbox) -> None:
    result = scan(".", "--fix", cwd=copies)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not applied" not in result.stderr and "not checked" not in result.stderr
    for name in NAMES:
        fixed = (copies / f"{name.replace('-', '_')}.py").read_text()
        assert fixed == (FIXTURES / name / "expected.py").read_text(), name
        imported = run_tests(sandbox, fixed, "assert True\n", timeout=30)
        assert imported.passed, f"{name}: {imported.message}"
        check = FIXTURES / name / "check.py"
        if check.is_file():
            ran = run_tests(sandbox, fixed, check.read_text(), timeout=30)
            assert ran.passed, f"{name}: {ran.message}"
    rescan = scan(".", "-q", cwd=copies)
    assert rescan.returncode == 0, rescan.stdout


def test_fix_reports_what_remains(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import subprocess\nimport tarfile\n\n\ndef count(path: str) -> str:\n"
        "    return subprocess.check_output(f'cat {path} | wc -l', shell=True, text=True)\n\n\n"
        "def unpack(name: str) -> None:\n    with tarfile.open(name) as tar:\n        tar.extractall('out')\n")
    result = scan("app.py", "--fix", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "app.py:11: fixed: safegen.tar-extraction by tar-extraction-filter" in result.stderr
    assert "filter=\"data\"" in (tmp_path / "app.py").read_text()
    assert "shell=True" in (tmp_path / "app.py").read_text()
    assert '"safegen.command-injection"' in result.stdout


def test_fix_on_a_file_that_does_not_parse_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def broken(:\n")
    result = scan("bad.py", "--fix", cwd=tmp_path)
    assert result.returncode == 2
    assert (tmp_path / "bad.py").read_text() == "def broken(:\n"
