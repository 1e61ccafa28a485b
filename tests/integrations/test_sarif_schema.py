"""safegen's SARIF validated against the OASIS SARIF 2.1.0 JSON schema, and the code-scanning workflow example.

data/sarif-schema-2.1.0.json is the schema from the OASIS SARIF TC's repository (oasis-tcs/sarif-spec,
sarif-2.1/schema/, commit e058381); its terms are in data/SARIF-SCHEMA-LICENSE.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from safegen.backends.fake import FakeBackend

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SCAN_DATA = ROOT / "tests" / "cli" / "scan_data"
SAFEGEN = Path(sys.executable).parent / "safegen"


def validate(document: Any) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def scan_sarif(*paths: str, cwd: Path = SCAN_DATA) -> tuple[int, Any]:
    result = subprocess.run([str(SAFEGEN), "scan", *paths, "--format", "sarif", "-q"], cwd=cwd,
                            capture_output=True, text=True, timeout=300, check=False)
    return result.returncode, json.loads(result.stdout)


def test_the_schema_rejects_a_broken_document() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})  # a driver needs a name


@pytest.mark.parametrize(("paths", "exit_code"), [(("app.py", "pkg"), 1), (("clean.py",), 0),
                                                  (("clean.py", "missing.py"), 2)])
def test_scan_sarif_is_valid(paths: tuple[str, ...], exit_code: int) -> None:
    code, document = scan_sarif(*paths)
    assert code == exit_code
    validate(document)
    results = document["runs"][0]["results"]
    assert bool(results) == (exit_code == 1)


ACCEPTED = """import hashlib
import subprocess


def digest(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def archive(folder):
    subprocess.call("tar czf backup.tgz " + folder, shell=True)
"""
LATER = """

def token(s: bytes) -> str:
    return hashlib.md5(s).hexdigest()  # nosec B324 - a cache key, not security


def run(cmd):
    return subprocess.check_output(cmd, shell=True)
"""


def test_suppressed_findings_stay_in_the_sarif_marked_as_suppressed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ACCEPTED, encoding="utf-8")
    code, document = scan_sarif("app.py", "--write-baseline", "base.json", cwd=tmp_path)
    assert code == 0
    validate(document)
    written = document["runs"][0]["results"]
    assert len(written) == 2 and all(r["suppressions"][0]["kind"] == "external" for r in written)
    (tmp_path / "app.py").write_text(ACCEPTED + LATER, encoding="utf-8")
    code, document = scan_sarif("app.py", "--baseline", "base.json", "--honour-inline", cwd=tmp_path)
    assert code == 1  # only the new, unsuppressed finding counts
    validate(document)
    lines = (ACCEPTED + LATER).splitlines()
    token_line = next(n for n, text in enumerate(lines, 1) if "# nosec" in text)
    by_line = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in document["runs"][0]["results"]}
    assert sorted(by_line) == [6, 10, token_line, len(lines)]
    assert "suppressions" not in by_line[len(lines)]
    for line in (6, 10):
        [external] = by_line[line]["suppressions"]
        assert external["kind"] == "external" and external["status"] == "accepted"
        assert "base.json" in external["justification"]
        assert external["location"]["physicalLocation"]["artifactLocation"]["uri"] == "base.json"
    [in_source] = by_line[token_line]["suppressions"]
    assert in_source["kind"] == "inSource" and in_source["justification"].startswith("# nosec B324")
    assert in_source["location"]["physicalLocation"]["region"]["startLine"] == token_line
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in by_line.values())


def test_generate_sarif_is_valid() -> None:
    import safegen
    from safegen.report import sarif

    answer = "```python\nimport subprocess\n\ndef run(cmd: str) -> str:\n" \
             "    return subprocess.check_output(cmd, shell=True, text=True)\n```"
    record = safegen.generate("Write run(cmd) that runs a shell command.", strategy="baseline",
                              backend=FakeBackend([answer]))
    document = json.loads(sarif.render_run(record, "generated.py"))
    validate(document)
    assert document["runs"][0]["results"]


def test_workflow_example_uploads_the_scan_sarif() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-code-scanning.yml").read_text(encoding="utf-8"))
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["safegen"]["steps"]
    scan = next(s for s in steps if "safegen scan" in s.get("run", ""))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "--format sarif -o safegen.sarif" in scan["run"] and upload["with"]["sarif_file"] == "safegen.sarif"
    assert steps.index(scan) < steps.index(upload)
