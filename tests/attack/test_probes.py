"""Each probe confirms its vulnerable fixture and not its fixed twin, in the sandbox, by its oracle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from safegen.attack import PROBES, attack, select_probes
from safegen.attack.oracles import ORACLES
from safegen.sandbox import Sandbox

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(probe: str, variant: str) -> tuple[str, str]:
    """The fixture's code and its requirement (the module docstring)."""
    code = (FIXTURES / probe / f"{variant}.py").read_text(encoding="utf-8")
    return code, ast.get_docstring(ast.parse(code)) or ""


IDS = [probe.id for probe in PROBES]


def test_every_probe_is_data_with_a_fixture_pair_and_a_known_oracle() -> None:
    assert len(set(IDS)) == len(IDS)
    for probe in PROBES:
        assert probe.oracle in ORACLES, probe.id
        assert probe.payloads and probe.cwe > 0 and (probe.sinks or probe.topics) and probe.fix, probe.id
        assert (FIXTURES / probe.id / "vulnerable.py").is_file() and (FIXTURES / probe.id / "fixed.py").is_file()


@pytest.mark.parametrize("probe", IDS)
def test_probe_confirms_the_vulnerable_fixture(sandbox: Sandbox, probe: str) -> None:
    code, requirement = fixture(probe, "vulnerable")
    report = attack(code, requirement, sandbox=sandbox, probes=[probe])
    confirmed = [e for e in report.exploits if e.probe == probe]
    assert confirmed, report
    exploit = confirmed[0]
    assert exploit.evidence and exploit.input and exploit.line > 0
    assert exploit.reproducer.startswith(f"# safegen attack: {probe} (CWE-")


@pytest.mark.parametrize("probe", IDS)
def test_probe_does_not_confirm_the_fixed_twin(sandbox: Sandbox, probe: str) -> None:
    code, requirement = fixture(probe, "fixed")
    report = attack(code, requirement, sandbox=sandbox, probes=[probe])
    assert report.exploits == () and report.errors == (), report
    assert report.executions > 0 and report.survived


@pytest.mark.parametrize("probe", IDS)
def test_the_vulnerable_fixture_selects_its_probe(probe: str) -> None:
    code, requirement = fixture(probe, "vulnerable")
    assert probe in [p.id for p in select_probes(code, requirement)]
