"""The Python API: safegen.generate / scan / fuzz with the real analyzers and sandbox, a scripted model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import safegen
from safegen.backends.fake import FakeBackend
from safegen.errors import ConfigError, InputError
from safegen.types import VerdictStatus

PICKLE = "import pickle\n\n\ndef load(blob: bytes):\n    return pickle.loads(blob)\n"
JSON = "import json\n\n\ndef load(blob: bytes):\n    return json.loads(blob)\n"


def test_scan_gives_the_ensemble_verdict() -> None:
    vulnerable = safegen.scan(PICKLE)
    assert vulnerable.status is VerdictStatus.VULNERABLE
    assert any(f.cwe == 502 for f in vulnerable.findings)
    assert safegen.scan(JSON).status is VerdictStatus.SECURE


def test_generate_runs_a_strategy_with_settings_as_keywords(tmp_path: Path) -> None:
    backend = FakeBackend([f"```python\n{PICKLE}```", f"```python\n{JSON}```"], repeat_last=True)
    record = safegen.generate("Write a function load(blob: bytes) that decodes a stored object.",
                              backend=backend, strategy="franc", samples=1, cache_dir=str(tmp_path))
    assert record.strategy == "franc"
    assert record.final is not None and "json.loads" in record.final.code  # the re-prompted, clean answer
    assert record.final.verdict is not None and record.final.verdict.is_secure
    assert "pickle" in backend.history[1].messages[-1].content  # the findings went back to the model


def test_generate_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="empty"):
        safegen.generate("   ")
    with pytest.raises(ConfigError, match="no_such_setting"):
        safegen.generate("Write f()", backend=FakeBackend(["x"]), no_such_setting=1)
    with pytest.raises(InputError, match="samples=0 is out of range"):
        safegen.generate("Write f()", backend=FakeBackend(["x"]), samples=0)
    with pytest.raises(InputError, match="tests are not valid Python: line 1"):
        safegen.generate("Write f()", backend=FakeBackend(["x"]), tests="def test(:\n")
    with pytest.raises(InputError, match="tests are empty"):
        safegen.generate("Write f()", backend=FakeBackend(["x"]), tests="  \n")


def test_fuzz_finds_a_crash_and_leaves_no_hypothesis_folder_behind(tmp_path: Path) -> None:
    if shutil.which("bwrap") is None and not os.access("/usr/bin/bwrap", os.X_OK):
        pytest.fail("bubblewrap is not installed (see README)")
    # hypothesis picks its folder (./.hypothesis) when imported and fills it when it draws text, so a fresh
    # process in a fresh folder shows where it went
    script = (
        "import safegen\n"
        "code = 'def per_char(text: str) -> int:\\n    return 100 // len(text)\\n'\n"
        "report = safegen.fuzz(code, 'per_char', fuzz_iterations=40, fuzz_seconds=10,"
        f" cache_dir={str(tmp_path / 'cache')!r})\n"
        "print(report.target, report.executions, [d.message for d in report.defects])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("per_char ") and "ZeroDivisionError" in result.stdout
    assert not (tmp_path / ".hypothesis").exists()
    assert (tmp_path / "cache" / "hypothesis").is_dir()  # the settings' cache dir holds it instead
