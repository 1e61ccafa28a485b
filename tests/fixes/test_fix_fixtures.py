"""Every rule fix has a fixture pair: the input's `# ruleid:` findings are fixed into exactly the expected file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safegen.analyzers.ensemble import Ensemble
from safegen.fixes import apply_rule_fixes, default_fixes
from safegen.sandbox.core import Sandbox
from safegen.sandbox.tests import run_tests

FIXTURES = Path(__file__).parent / "fixtures"
RULEID = re.compile(r"#\s*ruleid\s*:\s*([\w.,\s-]+)$")
FIX_IDS = [spec.id for spec in default_fixes()]


def marked_lines(code: str) -> dict[int, set[str]]:
    """Line -> rule ids a `# ruleid:` comment above it expects (as in the rules' own fixtures)."""
    lines = code.splitlines()
    marks: dict[int, set[str]] = {}
    for number, line in enumerate(lines, start=1):
        match = RULEID.search(line.strip())
        if match:
            target = number + 1
            while lines[target - 1].strip().startswith("#"):
                target += 1
            marks.setdefault(target, set()).update(r.strip() for r in match.group(1).split(","))
    return marks


def test_every_fix_has_a_fixture_pair() -> None:
    assert len(FIX_IDS) == len(set(FIX_IDS)) >= 15
    for fix_id in FIX_IDS:
        for name in ("input.py", "expected.py"):
            assert (FIXTURES / fix_id / name).is_file(), f"{fix_id} has no {name}"
        assert marked_lines((FIXTURES / fix_id / "input.py").read_text()), f"{fix_id}/input.py marks no finding"
    assert {p.name for p in FIXTURES.iterdir()} == set(FIX_IDS), "a fixture directory without its fix"


@pytest.mark.parametrize("fix_id", FIX_IDS)
def test_fix_fixture(fix_id: str, ensemble: Ensemble) -> None:
    code = (FIXTURES / fix_id / "input.py").read_text()
    verdict = ensemble.check(code)
    assert not verdict.errors
    found = {(f.line, f.rule_id) for f in verdict.findings}
    for line, rules in marked_lines(code).items():
        for rule in rules:
            assert (line, rule) in found, f"the analyzers do not report {rule} on line {line}"
    outcome = apply_rule_fixes(code, verdict.findings, ensemble=ensemble)
    assert outcome.code == (FIXTURES / fix_id / "expected.py").read_text()
    assert {a.fix_id for a in outcome.fixed} >= {fix_id}
    assert {(a.finding.line, a.finding.rule_id) for a in outcome.fixed} >= \
        {(line, rule) for line, rules in marked_lines(code).items() for rule in rules}
    assert outcome.remaining == () and outcome.rejected == () and outcome.unfixable == ()
    assert ensemble.check(outcome.code).is_secure


CHECKED = sorted(p.parent.name for p in FIXTURES.glob("*/check.py"))


@pytest.mark.parametrize("fix_id", CHECKED)
def test_fixed_code_behaves_as_before(fix_id: str, sandbox: Sandbox) -> None:
    """The fixture's own tests pass on the fixed output, and on the vulnerable input unless marked otherwise."""
    checks = (FIXTURES / fix_id / "check.py").read_text()
    names = ["expected.py"] if checks.startswith("# fixed code only") else ["input.py", "expected.py"]
    for name in names:
        outcome = run_tests(sandbox, (FIXTURES / fix_id / name).read_text(), checks, timeout=30)
        assert outcome.passed, f"{name}: {outcome.message}"
