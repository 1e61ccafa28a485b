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


def scan_sarif(*paths: str) -> tuple[int, Any]:
    result = subprocess.run([str(SAFEGEN), "scan", *paths, "--format", "sarif", "-q"], cwd=SCAN_DATA,
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
