"""The `safegen-scan` pre-commit hook run by real pre-commit and git in a temporary repository.

The hook's definition is taken from this checkout's .pre-commit-hooks.yaml; only its entry points at this
environment's `safegen` (as a `repo: local` hook) so that pre-commit does not build a fresh environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VULNERABLE = "import hashlib\n\n\ndef digest(data: bytes) -> str:\n    return hashlib.md5(data).hexdigest()\n"
CLEAN = "import hashlib\n\n\ndef digest(data: bytes) -> str:\n    return hashlib.sha256(data).hexdigest()\n"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
SAFEGEN = Path(sys.executable).parent / "safegen"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def hook() -> dict[str, object]:
    [definition] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert definition["id"] == "safegen-scan" and definition["entry"] == "safegen scan"
    assert definition["types"] == ["python"] and definition["language"] == "python"
    return {**definition, "entry": f"{SAFEGEN} scan", "language": "system"}


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=300, check=check,
                          env=ENV)


ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    ENV["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    config = {"repos": [{"repo": "local", "hooks": [hook()]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "README.md").write_text("hook test\n", encoding="utf-8")
    git(repo, "add", ".pre-commit-config.yaml", "README.md")
    git(repo, "commit", "-q", "-m", "config")
    subprocess.run([str(PRE_COMMIT), "install"], cwd=repo, check=True, capture_output=True, timeout=120, env=ENV)
    (repo / "clean.py").write_text(CLEAN, encoding="utf-8")
    (repo / "vulnerable.py").write_text(VULNERABLE, encoding="utf-8")
    return repo


def test_hook_passes_a_clean_staged_file_and_ignores_unstaged_ones(repo: Path) -> None:
    git(repo, "add", "clean.py")
    result = git(repo, "commit", "-m", "clean", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "safegen scan" in result.stdout + result.stderr and "Passed" in result.stdout + result.stderr
    assert "clean.py" in git(repo, "show", "--name-only", "HEAD").stdout


def test_hook_stops_a_commit_of_vulnerable_code(repo: Path) -> None:
    git(repo, "add", "clean.py", "vulnerable.py")
    result = git(repo, "commit", "-m", "vulnerable", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Failed" in output
    assert "vulnerable.py" in output and "B324" in output and "CWE-328" in output
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"  # nothing was committed
    run = subprocess.run([str(PRE_COMMIT), "run", "--files", "clean.py"], cwd=repo, capture_output=True,
                         text=True, timeout=300, env=ENV, check=False)
    assert run.returncode == 0, run.stdout  # the hook scans only the files it is given
