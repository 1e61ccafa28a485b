"""`safegen scan` through the real entry point: formats, exit codes, golden JSON and SARIF."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safegen.cli import main

DATA = Path(__file__).parent / "scan_data"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("SAFEGEN_UPDATE_GOLDEN"))


def safegen_command() -> list[str]:
    script = Path(sys.executable).parent / "safegen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "safegen"]


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path = DATA) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*safegen_command(), "scan", *args], cwd=cwd, input=stdin, capture_output=True,
                          timeout=300, check=False)


def normalized(data: Any) -> Any:
    """Tool versions vary between installs; everything else must match the golden file."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in ("version", "semanticVersion") and isinstance(value, str) and value[:1].isdigit():
                value = "<version>"
            out[key] = normalized(value)
        if "analyzers" in out and isinstance(out["analyzers"], dict):
            out["analyzers"] = {name: "<version>" for name in out["analyzers"]}
        return out
    if isinstance(data, list):
        return [normalized(v) for v in data]
    return data


def check_golden(name: str, data: Any) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(json.dumps(normalized(data), indent=2, sort_keys=True) + "\n")
    assert normalized(data) == json.loads(path.read_text()), f"{name} changed; SAFEGEN_UPDATE_GOLDEN=1 to accept"


def test_json_output_matches_golden_file() -> None:
    result = run_cli("app.py", "clean.py", "pkg", "--format", "json", "-q")
    assert result.returncode == 1, result.stderr.decode()
    assert result.stderr == b""  # -q: nothing on stderr
    data = json.loads(result.stdout)
    assert data["files"] == 3 and data["errors"] == []
    assert set(data["analyzers"]) == {"bandit", "semgrep", "ruff"}
    for finding in data["findings"]:
        assert {"path", "line", "cwe", "rule_id", "tool", "severity", "message"} <= set(finding)
        assert isinstance(finding["cwe"], int)
    cwes = {(f["path"], f["cwe"]) for f in data["findings"]}
    assert {("app.py", 89), ("app.py", 78), ("app.py", 798), ("pkg/util.py", 916)} <= cwes
    assert [v["status"] for v in data["verdicts"]] == ["vulnerable", "secure", "vulnerable"]
    check_golden("scan.json", data)


def test_sarif_output_matches_golden_file_and_github_shape() -> None:
    result = run_cli("app.py", "clean.py", "--format", "sarif", "-q")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        tags = rule["properties"]["tags"]
        assert "security" in tags and any(t.startswith("external/cwe/cwe-") for t in tags)
        float(rule["properties"]["security-severity"])
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["message"]["text"] and item["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        assert item["level"] in ("error", "warning", "note")
    assert run["invocations"][0]["executionSuccessful"] is True
    check_golden("scan.sarif", log)


def test_stdin_and_text_format() -> None:
    result = run_cli("-", stdin=b"import os, sys\nos.system('rm ' + sys.argv[1])\n")
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "<stdin>:2:" in out and "CWE-78" in out and "safegen.command-injection" in out


def test_clean_file_exits_zero(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    assert main(["scan", "clean.py", "-q"]) == 0
    assert "0 findings in 1 file" in capsys.readouterr().out


def test_unparsable_file_is_an_error_never_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def broken(:\n    return 1\n")
    assert main(["scan", str(bad), "--format", "json", "-q"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["verdicts"] == [{"path": str(bad), "status": "unknown"}]
    assert data["errors"][0]["tool"] == "python" and "syntax error" in data["errors"][0]["message"]


def test_unreadable_paths_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin1 = tmp_path / "latin1.py"
    latin1.write_bytes(b"name = '\xe9t\xe9'\n")
    assert main(["scan", str(tmp_path / "missing.py"), str(latin1), "--format", "json", "-q"]) == 2
    errors = {e["path"]: e["message"] for e in json.loads(capsys.readouterr().out)["errors"]}
    assert "no such file" in errors[str(tmp_path / "missing.py")]
    assert "UTF-8" in errors[str(latin1)]


def test_directory_scan_skips_hidden_folders(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    assert main(["scan", ".", "--format", "json", "-q"]) == 1
    paths = [v["path"] for v in json.loads(capsys.readouterr().out)["verdicts"]]
    assert paths == ["app.py", "clean.py", "pkg/util.py"]


def test_min_severity_filters_findings(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    assert main(["scan", "app.py", "--format", "json", "--min-severity", "high", "-q"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] and all(f["severity"] == "high" for f in data["findings"])
    assert 798 not in {f["cwe"] for f in data["findings"]}  # the hard-coded password is medium


def test_output_file_and_analyzer_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(DATA)
    out = tmp_path / "report.json"
    assert main(["scan", "app.py", "--analyzers", "bandit", "--format", "json", "-o", str(out), "-q"]) == 1
    assert capsys.readouterr().out == ""
    data = json.loads(out.read_text())
    assert set(data["analyzers"]) == {"bandit"} and {f["tool"] for f in data["findings"]} == {"bandit"}


def test_unknown_analyzer_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(DATA / "clean.py"), "--analyzers", "nope", "-q"]) == 2
    err = capsys.readouterr().err
    assert "unknown analyzer 'nope'" in err and "Traceback" not in err
