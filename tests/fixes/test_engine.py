"""The fix engine: where no fix applies, and fixes dropped for syntax, analysis, import or tests."""

from __future__ import annotations

import pytest

from safegen.analyzers.ensemble import Ensemble
from safegen.fixes import FixSpec, apply_rule_fixes
from safegen.sandbox.core import Sandbox
from safegen.types import Finding, Severity

# (code, rule id reported) where the fix must not guess.
NOT_FIXED = [
    pytest.param("import pickle\nfrom flask import Flask, request\napp = Flask(__name__)\n\n\n"
                 "@app.route('/load', methods=['POST'])\ndef load():\n    return str(pickle.loads(request.data))\n",
                 "safegen.unsafe-deserialization", id="pickle-of-unknown-data"),
    pytest.param("import subprocess\n\n\ndef count(path: str) -> str:\n"
                 "    return subprocess.check_output(f'cat {path} | wc -l', shell=True, text=True)\n",
                 "safegen.command-injection", id="shell-pipeline"),
    pytest.param("import sqlite3\n\n\ndef rows(db: sqlite3.Connection, table: str):\n"
                 "    return db.execute(f'SELECT * FROM {table}').fetchall()\n",
                 "safegen.sql-injection", id="sql-identifier"),
    pytest.param("import hashlib\n\n\ndef hash_password(password: str) -> str:\n"
                 "    return hashlib.sha256(password.encode()).hexdigest()\n",
                 "safegen.weak-password-hash", id="password-without-salt"),
    pytest.param("import random\n\nrandom.seed(4)\n\n\ndef make_token() -> str:\n"
                 "    token = str(random.randint(0, 10 ** 6))\n    return token\n",
                 "safegen.weak-random-secret", id="seeded-random"),
]


@pytest.mark.parametrize(("code", "rule"), NOT_FIXED)
def test_no_fix_where_it_would_guess(code: str, rule: str, ensemble: Ensemble) -> None:
    findings = ensemble.check(code).findings
    assert rule in {f.rule_id for f in findings}
    outcome = apply_rule_fixes(code, findings, ensemble=ensemble)
    assert outcome.code == code and not outcome.fixed
    assert rule in {f.rule_id for f in outcome.unfixable}


DEBUG_APP = 'from flask import Flask\n\napp = Flask(__name__)\napp.config["DEBUG"] = True\n'


def spec(fix_id: str, replacement: str) -> FixSpec:
    return FixSpec(id=fix_id, rules=frozenset({"safegen.debug-enabled"}), description="test",
                   regex=r"= True\b", replacement=replacement)


def test_a_fix_that_breaks_syntax_is_dropped_and_reported(ensemble: Ensemble) -> None:
    findings = ensemble.check(DEBUG_APP).findings
    outcome = apply_rule_fixes(DEBUG_APP, findings, ensemble=ensemble, fixes=[spec("broken", "= (")])
    assert outcome.code == DEBUG_APP and not outcome.fixed
    assert [(r.fix_id, r.reason) for r in outcome.rejected] == [("broken", "the fixed code does not parse")]
    assert [f.rule_id for f in outcome.remaining] == ["safegen.debug-enabled"]


def test_a_fix_that_leaves_the_finding_is_dropped(ensemble: Ensemble) -> None:
    findings = ensemble.check(DEBUG_APP).findings
    outcome = apply_rule_fixes(DEBUG_APP, findings, ensemble=ensemble, fixes=[spec("noop", "= True ")])
    assert outcome.code == DEBUG_APP
    assert "remains after the fix" in outcome.rejected[0].reason


def test_a_fix_that_breaks_the_import_is_reverted(ensemble: Ensemble, sandbox: Sandbox) -> None:
    findings = ensemble.check(DEBUG_APP).findings
    outcome = apply_rule_fixes(DEBUG_APP, findings, ensemble=ensemble, sandbox=sandbox,
                               fixes=[spec("undefined", "= debug_setting")])
    assert outcome.code == DEBUG_APP and not outcome.fixed
    assert outcome.rejected[0].fix_id == "undefined"
    assert "no longer imports" in outcome.rejected[0].reason and "NameError" in outcome.rejected[0].reason


def test_a_fix_that_fails_the_tests_is_reverted_and_a_good_one_kept(ensemble: Ensemble, sandbox: Sandbox) -> None:
    tests = 'def test_debug_is_a_flag():\n    assert isinstance(app.config["DEBUG"], bool)\n'
    findings = ensemble.check(DEBUG_APP).findings
    wrong = apply_rule_fixes(DEBUG_APP, findings, ensemble=ensemble, sandbox=sandbox, tests=tests,
                             fixes=[spec("zero", "= 0")])
    assert wrong.code == DEBUG_APP and "fails 1 tests" in wrong.rejected[0].reason
    right = apply_rule_fixes(DEBUG_APP, findings, ensemble=ensemble, sandbox=sandbox, tests=tests)
    assert right.code == DEBUG_APP.replace("= True", "= False")
    assert right.executed and [a.fix_id for a in right.fixed] == ["debug-config-off"]
    assert right.remaining == () and right.verdict is not None and right.verdict.is_secure


def test_code_that_does_not_parse_comes_back_unchanged(ensemble: Ensemble) -> None:
    finding = Finding(tool="bandit", rule_id="B201", cwe=94, severity=Severity.HIGH, line=1, message="m")
    outcome = apply_rule_fixes("app.run(debug=True\n", [finding], ensemble=ensemble)
    assert outcome.code == "app.run(debug=True\n" and outcome.unfixable == (finding,)
    assert "does not parse" in outcome.execution


def test_fixes_are_checked_with_the_code_the_module_starts_with(ensemble: Ensemble, sandbox: Sandbox) -> None:
    app = DEBUG_APP + 'app.config["NAME"] = SITE_NAME\n'  # SITE_NAME comes from the task's setup
    findings = ensemble.check(app).findings
    alone = apply_rule_fixes(app, findings, ensemble=ensemble, sandbox=sandbox)
    assert not alone.executed and "does not import" in alone.execution and "NameError" in alone.execution
    setup = apply_rule_fixes(app, findings, ensemble=ensemble, sandbox=sandbox, context='SITE_NAME = "blog"')
    assert setup.executed and [a.fix_id for a in setup.fixed] == ["debug-config-off"]
    assert setup.code == app.replace("= True", "= False") and "SITE_NAME =" not in setup.code
