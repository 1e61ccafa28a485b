"""Findings as repair feedback: CWE, line, the offending code, and a concrete fix where we know one."""

from __future__ import annotations

from safegen.analyzers.ensemble import Ensemble
from safegen.prompts import feedback
from safegen.types import Finding, Severity

CODE = "import os\n\nPASSWORD = 'hunter2'\nos.makedirs('/tmp/x')\n"


def test_known_rules_get_a_concrete_fix_others_the_catalog_mitigation() -> None:
    tmp = Finding(tool="bandit", rule_id="B108", cwe=377, severity=Severity.MEDIUM, line=4,
                  message="Probable insecure usage of temp file/directory.", mitigation="generic advice")
    text = feedback.describe_finding(tmp, CODE)
    assert "CWE-377 at line 4" in text and "`os.makedirs('/tmp/x')`" in text
    assert "Fix: take the directory from tempfile" in text and "generic advice" not in text
    twin = Finding(tool="ruff", rule_id="S105", cwe=259, severity=Severity.LOW, line=3, message="password")
    assert "os.environ" in feedback.describe_finding(twin, CODE)  # ruff's S105 is bandit's B105
    other = Finding(tool="semgrep", rule_id="safegen.ssrf", cwe=918, severity=Severity.HIGH, line=1,
                    message="untrusted URL", mitigation="allow-list the hosts")
    assert "Mitigation: allow-list the hosts" in feedback.describe_finding(other, CODE)


def test_every_hinted_rule_is_one_the_ensemble_reports() -> None:
    """A hint for a rule the ensemble ignores would never be shown: keep the table honest."""
    from safegen.analyzers.cwe_map import BANDIT_CWE, is_ignored

    for rule in feedback.FIX_HINTS:
        assert rule in BANDIT_CWE and not is_ignored("bandit", rule), rule


def test_real_findings_carry_the_hint() -> None:
    with Ensemble.default(warm=False) as ensemble:
        verdict = ensemble.check("import os\n\n\ndef prepare():\n    os.makedirs('/tmp/work', exist_ok=True)\n")
    assert [f.rule_id for f in verdict.findings] == ["B108"]
    assert "Fix: take the directory from tempfile" in feedback.describe_findings(verdict.findings, "")
