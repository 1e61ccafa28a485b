"""`safegen attack` through the real entry point: exit codes, reproducers, JSON and SARIF."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from safegen.cli import main

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None and not os.access("/usr/bin/bwrap", os.X_OK),
                                reason="bubblewrap is not installed")
FIXTURES = Path(__file__).with_name("fixtures")
# The kinds of code the issue names: path read, command, SQL, eval, pickle, YAML, XXE, redirect, SSRF, XSS, tar.
DONE_WHEN = ("path-traversal", "command-injection", "sql-injection", "code-injection", "pickle-deserialization",
             "yaml-deserialization", "xxe", "open-redirect", "ssrf", "xss", "archive-extraction")


@pytest.mark.parametrize("probe", DONE_WHEN)
def test_attack_confirms_the_vulnerable_version_and_not_the_fixed_one(probe: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attack", "-q", str(FIXTURES / probe / "vulnerable.py")]) == 1
    out = capsys.readouterr().out
    assert f"CONFIRMED {probe} (CWE-" in out and "    input: " in out and "reproducer:" in out
    assert f"{FIXTURES / probe / 'vulnerable.py'}:" in out  # the user's file and line, not the sandbox's
    assert main(["attack", "-q", str(FIXTURES / probe / "fixed.py")]) == 0
    assert "No exploit confirmed" in capsys.readouterr().out
    assert main(["attack", "-q", "--probe", probe, str(FIXTURES / probe / "fixed.py")]) == 0  # attacked all the same
    assert capsys.readouterr().out.rstrip().endswith("No exploit confirmed.")


def test_json_and_sarif_carry_the_exploit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "users.py"
    shutil.copy(FIXTURES / "sql-injection" / "vulnerable.py", target)
    assert main(["attack", "-q", f"{target}::find_user", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    (exploit,) = data["exploits"]
    assert (exploit["probe"], exploit["cwe"], exploit["line"]) == ("sql-injection", 89, 8)
    assert "from users import find_user\nfind_user(" in exploit["reproducer"] and data["sandboxed"] is True
    sarif_path = tmp_path / "out.sarif"
    assert main(["attack", "-q", str(target), "--format", "sarif", "-o", str(sarif_path)]) == 1
    run = json.loads(sarif_path.read_text())["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "safegen-attack/sql-injection"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert "external/cwe/cwe-89" in run["tool"]["driver"]["rules"][0]["properties"]["tags"]


def test_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attack", "-q", str(tmp_path / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.py"
    broken.write_text("import os\nimport no_such_module_sgx\n\ndef run(cmd: str):\n    return os.system(cmd)\n")
    assert main(["attack", "-q", str(broken)]) == 2
    assert "error: the code cannot be imported in the sandbox" in capsys.readouterr().out
    assert main(["attack", "-q", str(broken), "--probe", "no-such-probe"]) == 2
    capsys.readouterr()
    unparsable = tmp_path / "unparsable.py"
    unparsable.write_text("import os\n\ndef run(cmd: str:\n    return os.system(cmd)\n")
    assert main(["attack", "-q", str(unparsable)]) == 2
    out = capsys.readouterr().out
    assert "error: nothing to attack: the code does not parse (line 3: " in out
    assert out.rstrip().endswith("not a pass.")  # never reads as a clean result


def test_the_probes_can_be_listed_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    from safegen.attack import PROBES

    assert main(["attack", "--list-probes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PROBES) and lines[0].split()[:2] == ["path-traversal", "CWE-22"]
    assert main(["attack", "--list-probes", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in listed} == {p.id for p in PROBES} and all(p["fix"] and p["cwe"] > 0 for p in listed)
    assert main(["attack"]) == 2  # neither a file nor --list-probes


def test_fix_writes_the_verified_exploit_fixes_and_diff_only_shows_them(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "listing.py"
    original = (FIXTURES / "command-injection" / "vulnerable.py").read_text()
    target.write_text(original)
    assert main(["attack", str(target), "--diff"]) == 0  # the exit code describes the code after the fixes
    captured = capsys.readouterr()
    assert "+    name = _safegen_shell_word(name)" in captured.out and f"--- a/{target}" in captured.out
    assert "safegen: fixed command-injection in list_dir" in captured.err
    assert target.read_text() == original  # --diff writes nothing
    assert main(["attack", "-q", str(target), "--fix"]) == 0
    assert "_safegen_shell_word(name)" in target.read_text()
    assert capsys.readouterr().out.rstrip().endswith("No exploit confirmed.")
    assert main(["attack", "-q", str(target)]) == 0  # the written file survives a fresh attack


def test_an_exploit_without_a_mechanical_fix_is_left_and_still_fails(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "users.py"
    shutil.copy(FIXTURES / "sql-injection" / "vulnerable.py", target)
    before = target.read_text()
    assert main(["attack", str(target), "--fix"]) == 1
    captured = capsys.readouterr()
    assert "safegen: left sql-injection in find_user: no mechanical fix" in captured.err
    assert "CONFIRMED sql-injection" in captured.out and target.read_text() == before


MIXED_MODULE = '''import subprocess


def ping(host: str) -> int:
    return subprocess.run("ping -c 1 " + host, shell=True, capture_output=True).returncode


def greet(name: str) -> str:
    return "<h1>Hello " + {name} + "</h1>"


def welcome_text(name: str) -> str:
    return "Hello " + name + ", welcome back"


def ping_command(host: str) -> str:
    """The shell command line that pings the host once."""
    return "ping -c 1 " + host
'''


@pytest.mark.parametrize(("name", "xss"), [("name", True), ("html.escape(name)", False)])
def test_a_module_without_a_requirement_is_attacked_by_what_its_code_says(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, xss: bool) -> None:
    """No --requirement: the functions' own names choose probes (greet: XSS). The module's shell call selects the
    command-injection probe for every function, but a returned string counts as a shell command only where the
    function's own name or docstring says it builds one, and HTML is no command line in any case."""
    target = tmp_path / "site.py"
    target.write_text(("import html\n" if not xss else "") + MIXED_MODULE.replace("{name}", name))
    assert main(["attack", "-q", str(target), "--format", "json"]) == 1
    found = {(e["probe"], e["target"]) for e in json.loads(capsys.readouterr().out)["exploits"]}
    assert ("command-injection", "ping") in found and ("command-injection", "ping_command") in found
    assert ("command-injection", "greet") not in found and ("command-injection", "welcome_text") not in found
    assert (("xss", "greet") in found) is xss, found


REDIRECTS = '''from flask import Flask, redirect

app = Flask(__name__)


def clean(text: str) -> str:
    return text.strip()


def after_login_target(next_url: str) -> str:
    """The URL to redirect to after login."""
    return next_url


@app.route("/home")
def home():
    return redirect("/dashboard")
'''


def test_returned_text_counts_only_for_a_function_meant_to_give_it(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The module's redirect selects the open-redirect probe for every function; a function that hands back its
    input is an open redirect only where its name or docstring says it picks a redirect target."""
    target = tmp_path / "site.py"
    target.write_text(REDIRECTS)
    assert main(["attack", "-q", str(target), "--format", "json"]) == 1
    found = {(e["probe"], e["target"]) for e in json.loads(capsys.readouterr().out)["exploits"]}
    assert ("open-redirect", "after_login_target") in found and not any(t == "clean" for _, t in found), found


def test_code_no_probe_applies_to_says_nothing_was_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "maths.py"
    target.write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    assert main(["attack", "-q", str(target)]) == 0
    assert "nothing was run" in capsys.readouterr().out  # not a plain "No exploit confirmed."


def test_a_limit_on_executions_makes_the_attack_incomplete_not_a_pass(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Over the limit, every probe on every function keeps its first payloads (the last probes used to lose all of
    theirs, silently), and the unrun rest is an error: exit 2 when nothing was confirmed."""
    helpers = "".join(f"def label_{i}(text: str) -> str:\n    return text.upper()\n\n\n" for i in range(6))
    target = tmp_path / "page.py"
    target.write_text("import html\n\n\n" + helpers + "def render_greeting(name: str) -> str:\n"
                      "    return '<p>Hello ' + name + '</p>'\n")
    assert main(["attack", "-q", str(target), "--max-executions", "12"]) == 1  # the XSS still found
    out = capsys.readouterr().out
    assert "CONFIRMED xss (CWE-79) in render_greeting" in out and "planned executions not run (the limit is 12)" in out
    target.write_text(target.read_text().replace("' + name + '", "' + html.escape(name) + '"))
    assert main(["attack", "-q", str(target), "--max-executions", "12"]) == 2
    assert capsys.readouterr().out.rstrip().endswith("not a pass.")
    assert main(["attack", "-q", str(target)]) == 0  # within the default limit: a pass


def test_methods_it_cannot_call_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Probes call functions and routes; a class's methods are said to be left, never silently passed over."""
    target = tmp_path / "store.py"
    target.write_text("import sqlite3\n\n\nclass Store:\n    def __init__(self, path: str) -> None:\n"
                      "        self.conn = sqlite3.connect(path)\n\n"
                      "    def find(self, name: str):\n"
                      "        return self.conn.execute(f\"SELECT * FROM users WHERE name = '{name}'\").fetchall()\n\n\n"
                      "def count(conn: sqlite3.Connection) -> int:\n"
                      "    return conn.execute('SELECT COUNT(*) FROM users').fetchone()[0]\n")
    assert main(["attack", "-q", str(target)]) == 0
    assert "note: not attacked: 1 method(s) of classes (Store.find); probes call functions and routes" in \
        capsys.readouterr().out


def test_a_refused_legitimate_caller_is_a_note_not_an_exploit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "content.py"
    target.write_text('USERS = {1: {"role": "admin"}, 2: {"role": "user"}}\n'
                      'CONTENT = {100: {"title": "Basic"}, 200: {"title": "Premium"}}\n\n\n'
                      "def retrieve_content(user_id: int, content_id: int) -> str:\n"
                      '    if USERS.get(user_id, {}).get("role") == "administrator":\n'
                      '        return CONTENT[content_id]["title"]\n'
                      '    return "Access Denied"\n')
    requirement = "Administrators can read all content; other users get 'Access Denied'."
    assert main(["attack", "-q", str(target), "--requirement", requirement]) == 0
    out = capsys.readouterr().out
    assert ("note: refuses a legitimate caller: `retrieve_content(1, 200)` returns Access Denied, the same as "
            "`retrieve_content(424242, 200)`. It must succeed: USERS[1] has the role 'admin'") in out
    assert main(["attack", "-q", str(target)]) == 0  # no requirement: nothing says who is allowed
    assert "refuses a legitimate caller" not in capsys.readouterr().out
