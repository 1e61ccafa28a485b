"""Every semgrep rule has a fixture; every `# ruleid:` line matches and no `# ok:` line does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safegen.analyzers import cwe_map
from safegen.analyzers.interface import SourceFile
from safegen.analyzers.semgrep import RULES_DIR, SemgrepAnalyzer, load_rules, rule_files
from safegen.errors import AnalyzerError
from safegen.types import Severity

FIXTURES = Path(__file__).parent / "rule_fixtures"
ANNOTATION = re.compile(r"#\s*(ruleid|ok)\s*:\s*([\w.,\s-]+)$")


def expectations(code: str) -> dict[tuple[str, str], set[int]]:
    """(kind, rule id) -> lines the annotation points at (the next line that is not a comment)."""
    lines = code.splitlines()
    result: dict[tuple[str, str], set[int]] = {}
    for number, line in enumerate(lines, start=1):
        match = ANNOTATION.search(line.strip())
        if not match:
            continue
        target = number + 1
        while target <= len(lines) and lines[target - 1].strip().startswith("#"):
            target += 1
        for rule_id in (r.strip() for r in match.group(2).split(",")):
            result.setdefault((match.group(1), rule_id), set()).add(target)
    return result


@pytest.fixture(scope="module")
def fixture_results() -> dict[str, dict[str, set[int]]]:
    """Fixture name -> rule id -> lines with findings, from one engine run over all fixtures."""
    files = [SourceFile(str(p), p.read_text()) for p in sorted(FIXTURES.glob("*.py"))]
    reports = SemgrepAnalyzer(engine="core").analyze(files)
    results: dict[str, dict[str, set[int]]] = {}
    for source, report in zip(files, reports):
        assert not report.errors, f"{source.path}: {report.errors}"
        found: dict[str, set[int]] = {}
        for finding in report.findings:
            found.setdefault(finding.rule_id, set()).add(finding.line)
        results[Path(source.path).stem] = found
    return results


RULES = load_rules(rule_files())
RULE_IDS = [rule["id"] for rule in RULES]


def test_every_rule_has_id_cwe_severity_and_a_fixture() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS)) >= 25
    for rule in RULES:
        assert rule["id"].startswith("safegen."), rule["id"]
        assert cwe_map.parse_cwe(rule["metadata"]["cwe"]) is not None
        Severity.parse(rule["severity"])
        fixture = FIXTURES / f"{rule['id'].removeprefix('safegen.')}.py"
        assert fixture.is_file(), f"no fixture for {rule['id']}"
        marks = expectations(fixture.read_text())
        assert marks.get(("ruleid", rule["id"])), f"{fixture.name} has no '# ruleid: {rule['id']}' line"
        assert marks.get(("ok", rule["id"])), f"{fixture.name} has no '# ok: {rule['id']}' line"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fixture(rule_id: str, fixture_results: dict[str, dict[str, set[int]]]) -> None:
    name = rule_id.removeprefix("safegen.")
    marks = expectations((FIXTURES / f"{name}.py").read_text())
    found = fixture_results[name].get(rule_id, set())
    expected = marks.get(("ruleid", rule_id), set())
    allowed = marks.get(("ok", rule_id), set())
    assert expected <= found, f"missed lines {sorted(expected - found)}"
    assert not (found & allowed), f"flagged ok lines {sorted(found & allowed)}"
    assert found <= expected, f"unannotated findings on lines {sorted(found - expected)}"


def test_rules_without_cwe_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    message: m\n    severity: ERROR\n    languages: [python]\n"
                   "    pattern: eval(...)\n")
    with pytest.raises(AnalyzerError, match="metadata.cwe"):
        load_rules([bad])


def test_rules_dir_ships_yaml_only() -> None:
    assert {p.suffix for p in RULES_DIR.iterdir() if p.is_file()} == {".yaml"}
