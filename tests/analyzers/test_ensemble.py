"""The ensemble: merged findings, fail-closed verdicts, one batch for all files."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safegen.analyzers import Ensemble as ReExported
from safegen.analyzers.bandit import BanditAnalyzer
from safegen.analyzers.ensemble import Ensemble
from safegen.analyzers.interface import Analyzer, AnalyzerReport, SourceFile
from safegen.analyzers.semgrep import SemgrepAnalyzer
from safegen.config import Settings
from safegen.types import Verdict, VerdictStatus

VULNERABLE = "import subprocess\n\ndef run(cmd):\n    subprocess.call('ls ' + cmd, shell=True)\n"
SECURE = "import subprocess\n\ndef run(path):\n    subprocess.run(['ls', '--', path], check=True)\n"


@pytest.fixture(scope="module")
def ensemble() -> Ensemble:
    with Ensemble.default(warm=False) as instance:
        yield instance


class Exploding(Analyzer):
    """Stands in for any analyzer that crashes."""

    name = "exploding"

    def version(self) -> str:
        return "0"

    def analyze(self, files: Sequence[SourceFile]) -> list[AnalyzerReport]:
        raise RuntimeError("boom")


class Forgetful(Analyzer):
    """Returns fewer reports than files."""

    name = "forgetful"

    def version(self) -> str:
        return "0"

    def analyze(self, files: Sequence[SourceFile]) -> list[AnalyzerReport]:
        return []


def test_reexported_and_named(ensemble: Ensemble) -> None:
    assert ReExported is Ensemble
    assert ensemble.names == ("bandit", "semgrep", "ruff")
    versions = ensemble.versions()
    assert set(versions) == {"bandit", "semgrep", "ruff"} and all(v[0].isdigit() for v in versions.values())


def test_vulnerable_code_one_merged_finding(ensemble: Ensemble) -> None:
    verdict = ensemble.check(VULNERABLE)
    assert verdict.status is VerdictStatus.VULNERABLE and not verdict.errors
    line4 = [f for f in verdict.findings if f.line == 4]
    assert len(line4) == 1  # semgrep, bandit and ruff all report it
    finding = line4[0]
    assert finding.cwe == 78 and finding.tool == "semgrep" and finding.path == "candidate.py"
    assert set(finding.also_reported_by) == {"bandit", "ruff"}
    assert finding.cwe_name and finding.mitigation


def test_secure_code_is_secure(ensemble: Ensemble) -> None:
    verdict = ensemble.check(SECURE, path="ok.py")
    assert verdict.status is VerdictStatus.SECURE, verdict
    assert verdict.findings == () and verdict.errors == ()  # B404/B603 are not findings
    assert verdict.analyzers == ("bandit", "semgrep", "ruff")


def test_pycrypto_import_counts_other_imports_do_not(ensemble: Ensemble) -> None:
    pycrypto = "from Crypto.PublicKey import RSA\n\ndef key():\n    return RSA.generate(2048).export_key()\n"
    verdict = ensemble.check(pycrypto)
    assert verdict.status is VerdictStatus.VULNERABLE
    assert [(f.rule_id, f.cwe) for f in verdict.findings] == [("B413", 327)]
    assert "cryptography" in verdict.findings[0].message
    pickle_import = "import pickle\nimport xml.etree.ElementTree\n\ndef f(x):\n    return x\n"
    assert ensemble.check(pickle_import).status is VerdictStatus.SECURE  # import-only rules never count


def test_syntax_error_is_unknown_never_secure(ensemble: Ensemble) -> None:
    verdict = ensemble.check("def f(:\n    return 1\n")
    assert verdict.status is VerdictStatus.UNKNOWN
    assert verdict.errors[0].tool == "python" and "syntax error" in verdict.errors[0].message


def test_null_bytes_are_unknown(ensemble: Ensemble) -> None:
    assert ensemble.check("x = 1\x00\n").status is VerdictStatus.UNKNOWN


def test_batch_order_and_independence(ensemble: Ensemble) -> None:
    verdicts = ensemble.scan([SourceFile("a.py", VULNERABLE), SourceFile("b.py", "def f(:\n"),
                              SourceFile("c.py", SECURE)])
    assert [v.status for v in verdicts] == [VerdictStatus.VULNERABLE, VerdictStatus.UNKNOWN, VerdictStatus.SECURE]
    assert all(f.path == "a.py" for f in verdicts[0].findings)
    assert ensemble.scan([]) == []


def test_crashing_analyzer_makes_verdict_unknown() -> None:
    verdicts = Ensemble([BanditAnalyzer(), Exploding()]).scan([SourceFile("a.py", SECURE),
                                                                SourceFile("b.py", VULNERABLE)])
    assert all(v.status is VerdictStatus.UNKNOWN for v in verdicts)
    assert any(e.tool == "exploding" and "boom" in e.message for e in verdicts[0].errors)
    assert any(f.rule_id == "B602" for f in verdicts[1].findings)  # the others still ran


def test_analyzer_with_wrong_report_count_is_unknown() -> None:
    verdict = Ensemble([Forgetful()]).check(SECURE)
    assert verdict.status is VerdictStatus.UNKNOWN and "reports" in verdict.errors[0].message


def test_semgrep_timeout_is_unknown() -> None:
    verdict = Ensemble([BanditAnalyzer(), SemgrepAnalyzer(timeout=0.001)]).check(SECURE)
    assert verdict.status is VerdictStatus.UNKNOWN and verdict.errors[0].tool == "semgrep"


def test_verdict_round_trips_through_json(ensemble: Ensemble) -> None:
    verdict = ensemble.check(VULNERABLE)
    assert Verdict.from_dict(verdict.to_dict()) == verdict


def test_default_uses_settings_timeout() -> None:
    with Ensemble.default(Settings(scan_timeout=7.5), warm=False) as instance:
        semgrep = next(a for a in instance.analyzers if a.name == "semgrep")
        assert isinstance(semgrep, SemgrepAnalyzer) and semgrep.timeout == 7.5 and not semgrep.prespawn


def test_warm_ensemble_answers_like_a_cold_one(ensemble: Ensemble) -> None:
    with Ensemble.default() as warm:
        warm.warm_up()
        first, second = warm.check(VULNERABLE), warm.check(SECURE)
    assert [f.rule_id for f in first.findings] == [f.rule_id for f in ensemble.check(VULNERABLE).findings]
    assert second.status is VerdictStatus.SECURE


def test_threads_share_a_warm_ensemble() -> None:
    from concurrent.futures import ThreadPoolExecutor

    codes = [VULNERABLE, SECURE] * 3
    with Ensemble.default() as warm, ThreadPoolExecutor(3) as pool:
        verdicts = list(pool.map(warm.check, codes))
    assert [v.status for v in verdicts] == [VerdictStatus.VULNERABLE, VerdictStatus.SECURE] * 3


def test_big_batches_are_split(monkeypatch: pytest.MonkeyPatch, ensemble: Ensemble) -> None:
    monkeypatch.setattr("safegen.analyzers.ensemble.MAX_BATCH", 2)
    files = [SourceFile(f"f{i}.py", VULNERABLE if i % 2 else SECURE) for i in range(5)]
    statuses = [v.status for v in ensemble.scan(files)]
    assert statuses == [VerdictStatus.SECURE, VerdictStatus.VULNERABLE] * 2 + [VerdictStatus.SECURE]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=80), st.sampled_from([SECURE, VULNERABLE, "", "pass\n", "x = '\\udcff'\n"])))
def test_any_text_gets_a_fail_closed_verdict(ensemble: Ensemble, code: str) -> None:
    verdict = ensemble.check(code)
    assert verdict.status in set(VerdictStatus)
    if verdict.status is VerdictStatus.SECURE:
        assert not verdict.findings and not verdict.errors
    if verdict.errors:
        assert verdict.status is VerdictStatus.UNKNOWN
