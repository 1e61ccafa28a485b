"""Safe code the probes once flagged, and inputs an attacker picks: each case runs in the sandbox."""

from __future__ import annotations

import pytest

from safegen.attack import attack
from safegen.sandbox import Sandbox

RESTRICTED_EVAL = '''import ast


def calculate(expression: str) -> str:
    tree = ast.parse(expression, mode="eval")
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Constant)
    if not all(isinstance(node, allowed) for node in ast.walk(tree)):
        return "blocked"
    return str(eval(compile(tree, "<expr>", "eval")))
'''
OPENS_CALLERS_PATH = '''def read_document(path: str) -> str:
    with open(path) as handle:
        return handle.read()
'''
HTML_WITH_LINE_BREAKS = '''import html


def forum_post(header: str, body: str) -> str:
    return f"<h2>{html.escape(header)}</h2><p>{html.escape(body)}</p>"
'''
REDIRECT_WITHIN_BASE = '''from urllib.parse import urljoin, urlparse


def redirect_target(base_url: str, next_path: str) -> str:
    target = urljoin(base_url, next_path)
    if urlparse(target).netloc != urlparse(base_url).netloc:
        raise ValueError("redirect leaves the site")
    return target
'''

SPARED = [
    pytest.param(RESTRICTED_EVAL, "Evaluate the arithmetic expression.", "code-injection", id="ast-checked-eval"),
    pytest.param(OPENS_CALLERS_PATH, "Read the file at the given path.", "path-traversal", id="callers-own-path"),
    pytest.param(HTML_WITH_LINE_BREAKS, "Build the HTML of a forum post with a header.", "header-injection",
                 id="line-breaks-in-html"),
    pytest.param(REDIRECT_WITHIN_BASE, "Build the redirect URL after login.", "open-redirect", id="base-url-is-callers"),
]


@pytest.mark.parametrize(("code", "requirement", "probe"), SPARED)
def test_safe_code_is_not_confirmed(sandbox: Sandbox, code: str, requirement: str, probe: str) -> None:
    report = attack(code, requirement, sandbox=sandbox, probes=[probe])
    assert report.exploits == () and report.executions > 0, report


def test_plain_eval_is_confirmed_by_a_call_the_attacker_chose(sandbox: Sandbox) -> None:
    code = "def calculate(expression: str) -> str:\n    return str(eval(expression))\n"
    report = attack(code, "Evaluate the arithmetic expression.", sandbox=sandbox, probes=["code-injection"])
    assert report.exploits and "sgx_code" in report.exploits[0].input, report


def test_the_attacker_picks_the_format_even_where_it_has_a_default(sandbox: Sandbox) -> None:
    code = ("import json\nimport pickle\n\n\ndef decode(data, method='json'):\n"
            "    if method == 'pickle':\n        return pickle.loads(data)\n    return json.loads(data)\n")
    report = attack(code, "Decode serialized data in the named format.", sandbox=sandbox,
                    probes=["pickle-deserialization"])
    assert report.exploits and "method='pickle'" in report.exploits[0].input, report


def test_a_weak_hash_the_code_chose_itself_is_not_the_callers_pick(sandbox: Sandbox) -> None:
    code = ("import hashlib\n\n\ndef cache_key(text: str) -> str:\n"
            "    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()\n")
    report = attack(code, "A cache key for the text (hash algorithm: MD5).", sandbox=sandbox, probes=["weak-hash"])
    assert report.exploits == () and report.executions > 0, report


def test_a_weak_hash_the_caller_names_through_hmac_is_confirmed(sandbox: Sandbox) -> None:
    code = ("import hashlib\nimport hmac\n\n\ndef sign(key: bytes, message: bytes, hash_name: str = 'sha256') -> bytes:\n"
            "    return hmac.new(key, message, getattr(hashlib, hash_name)).digest()\n")
    report = attack(code, "Sign the message with HMAC.", sandbox=sandbox, probes=["weak-hash"])
    assert report.exploits and "hmac.new used the weak hash" in report.exploits[0].evidence, report


RECORDS = '''USERS = {1: {"role": "admin"}, 2: {"role": "user"}, 3: {"role": "user"}}
INVOICES = {2: {"amount": 200}, 3: {"amount": 300}}

'''
IGNORES_REQUESTER = RECORDS + '''
def fetch_invoice(requester_id: int, owner_id: int) -> dict:
    return INVOICES[owner_id]
'''
CHECKS_REQUESTER = RECORDS + '''
def fetch_invoice(requester_id: int, owner_id: int) -> dict | str:
    user = USERS.get(requester_id)
    if user is None or (requester_id != owner_id and user["role"] != "admin"):
        return "Unauthorized"
    return INVOICES[owner_id]
'''


@pytest.mark.parametrize(("code", "confirmed"), [pytest.param(IGNORES_REQUESTER, True, id="ignores-the-requester"),
                                                 pytest.param(CHECKS_REQUESTER, False, id="checks-the-requester")])
def test_an_outsider_acting_on_an_existing_record(sandbox: Sandbox, code: str, confirmed: bool) -> None:
    report = attack(code, "Fetch an invoice; only its owner or an admin may.", sandbox=sandbox,
                    probes=["missing-authorization"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report
    if confirmed:
        assert report.exploits[0].input.startswith("fetch_invoice(424242, ")


XML_REPLY = 'REPLY = "<response><message>{text}</message></response>"\n\n\ndef build_reply(text: str) -> str:\n'


@pytest.mark.parametrize(("body", "confirmed"), [
    pytest.param("    return REPLY.format(text=text)\n", True, id="unescaped"),
    pytest.param("    from xml.sax.saxutils import escape\n\n    return REPLY.format(text=escape(text))\n", False,
                 id="escaped")])
def test_markup_injection_into_xml_a_function_builds(sandbox: Sandbox, body: str, confirmed: bool) -> None:
    report = attack(XML_REPLY + body, "Build the XML reply that carries the user's text.", sandbox=sandbox)
    assert any(e.probe == "xss" for e in report.exploits) is confirmed, report


GREETING = "BASE = 'echo Hello, {name}!'\n\n\ndef greeting_command(name: str) -> str:\n"
GREETS_IN_A_SHELL = "import os\nimport shlex\n\n\ndef greeting_command(name: str) -> int:\n"  # starts the shell itself


@pytest.mark.parametrize(("code", "confirmed"), [
    pytest.param(GREETING + "    return BASE.format(name=name)\n", True, id="unquoted"),
    pytest.param(GREETING + "    import shlex\n\n    return BASE.format(name=shlex.quote(name))\n", False, id="quoted"),
    pytest.param(GREETING + "    return name\n", False, id="the-input-itself"),
    pytest.param(GREETING + "    return '<p>Hello, ' + name + '</p>'\n", False, id="html-is-no-command-line"),
    pytest.param(GREETING + "    return 'echo \"Hello, ' + name + '\"'\n", True, id="double-quotes-leave-substitution-live"),
    pytest.param(GREETS_IN_A_SHELL + "    return os.system('echo Hello, ' + name)\n", True, id="shell-started-unquoted"),
    pytest.param(GREETS_IN_A_SHELL + "    return os.system(f'echo \"Hello, {name}\"')\n", True, id="shell-started-double-quoted"),
    pytest.param(GREETS_IN_A_SHELL + "    return os.system('echo Hello, ' + shlex.quote(name))\n", False,
                 id="shell-started-quoted-as-one-word")])
def test_a_shell_command_a_function_builds_or_runs(sandbox: Sandbox, code: str, confirmed: bool) -> None:
    report = attack(code, "Build the shell command that greets the user.", sandbox=sandbox,
                    probes=["command-injection"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report


PROFILE = 'FORMAT = "User: {name}<br>Bio: {bio}"\n\n\ndef profile_html(name: str, bio: str) -> str:\n'


@pytest.mark.parametrize(("code", "confirmed"), [
    pytest.param(PROFILE + '    clean = [v.replace("<", "&lt;").replace(">", "&gt;") for v in (name, bio)]\n'
                 "    return FORMAT.format(name=clean[0], bio=clean[1])\n", True, id="html-angle-brackets-only"),
    pytest.param(PROFILE + "    import html\n\n    return FORMAT.format(name=html.escape(name), bio=html.escape(bio))\n",
                 False, id="html-escape"),
    pytest.param("from xml.sax.saxutils import escape\n\n\ndef note_xml(text: str) -> str:\n"
                 '    return f"<note><text>{escape(text)}</text></note>"\n', False, id="xml-text-keeps-quotes")])
def test_quotes_left_in_html(sandbox: Sandbox, code: str, confirmed: bool) -> None:
    report = attack(code, "Build the markup that shows the user's text.", sandbox=sandbox, probes=["xss"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report


PROJECTS = 'PROJECTS = {"P1": {"owner": "U1", "settings": {}}, "P2": {"owner": "U2", "settings": {}}}\n\n\n'


@pytest.mark.parametrize(("check", "confirmed"), [
    pytest.param('    if user_role not in ("manager", "team_member", "viewer"):\n        return "Invalid role"\n',
                 True, id="any-known-role-passes"),
    pytest.param('    if user_role != "manager" and PROJECTS[project_id]["owner"] != user_id:\n'
                 '        raise PermissionError("not allowed")\n', False, id="owner-or-manager")])
def test_the_outsider_also_tries_the_roles_the_code_names(sandbox: Sandbox, check: str, confirmed: bool) -> None:
    code = (PROJECTS + "def update_settings(user_id: str, user_role: str, project_id: str, settings: dict) -> str:\n"
            + check + '    PROJECTS[project_id]["settings"] = settings\n    return "updated"\n')
    report = attack(code, "Update a project's settings; only its owner or a manager may.", sandbox=sandbox,
                    probes=["missing-authorization"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report
    if confirmed:
        assert "'team_member'" in report.exploits[0].input or "'viewer'" in report.exploits[0].input


MEMBERS = ('USERS = {1: {"role": "admin"}, 2: {"role": "user"}, 3: {"role": "user"}}\n'
           'TEAMS = {10: {"owner_id": 2, "members": [2]}}\n\n\n'
           "def manage(acting_user_id: int, team_id: int, action: str, member_id: int) -> bool:\n")


@pytest.mark.parametrize(("check", "confirmed"), [
    pytest.param("", True, id="no-check"),
    pytest.param('    if USERS.get(acting_user_id, {}).get("role") != "admin" and '
                 'TEAMS[team_id]["owner_id"] != acting_user_id:\n        return False\n', False, id="owner-or-admin"),
    pytest.param('    if action not in ("add", "remove"):\n        return False\n', True, id="action-checked-only")])
def test_the_outsider_asks_for_an_action_the_code_accepts(sandbox: Sandbox, check: str, confirmed: bool) -> None:
    # with a made-up action ('alice') every version refuses for the wrong reason, and no check is ever tested
    code = MEMBERS + check + ('    if action == "add" and member_id not in TEAMS[team_id]["members"]:\n'
                              '        TEAMS[team_id]["members"].append(member_id)\n        return True\n'
                              '    return False\n')
    report = attack(code, "Team owners and admins can add members to a team.", sandbox=sandbox,
                    probes=["missing-authorization"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report
    if confirmed:
        assert "'add'" in report.exploits[0].input


DISK_USAGE = "def disk_usage(folder: str) -> str:\n"


@pytest.mark.parametrize(("code", "confirmed"), [
    pytest.param("import os\n\n\n" + DISK_USAGE + '    return os.popen("du -sh " + folder).read()\n', True,
                 id="shell-line"),
    pytest.param("import subprocess\n\n\n" + DISK_USAGE + '    return subprocess.run(["du", "-sh", "--", folder], '
                 "capture_output=True, text=True).stdout\n", False, id="argument-list")])
def test_a_directory_the_caller_names_is_text_to_a_shell(sandbox: Sandbox, code: str, confirmed: bool) -> None:
    """A parameter named like a directory is the probes' trusted base for paths only: it carries other payloads."""
    report = attack(code, "Report the disk usage of a folder.", sandbox=sandbox)
    commands = [e for e in report.exploits if e.probe == "command-injection"]
    assert bool(commands) is confirmed and report.executions > 0 and not report.errors, report


FLASK_XML = '''from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    doc = etree.fromstring(request.form["xml"].encode(), etree.XMLParser(PARSER))
    return doc.text or ""
'''
FASTAPI_XML = '''from fastapi import FastAPI
from lxml import etree

app = FastAPI()


@app.post("/xml")
def parse_xml(body: str):
    return {"text": etree.fromstring(body.encode(), etree.XMLParser(PARSER)).text}
'''


@pytest.mark.parametrize("app", [pytest.param(FLASK_XML, id="flask-form"), pytest.param(FASTAPI_XML, id="fastapi-query")])
@pytest.mark.parametrize(("parser", "confirmed"), [("resolve_entities=True", True),
                                                   ("resolve_entities=False, no_network=True", False)])
def test_a_web_route_gets_the_canary_entity_too(sandbox: Sandbox, app: str, parser: str, confirmed: bool) -> None:
    """The payload's {canary} is the canary file's path in a request's values as in a function's arguments."""
    report = attack(app.replace("PARSER", parser), "Parse the uploaded XML document.", sandbox=sandbox,
                    probes=["xxe"])
    assert bool(report.exploits) is confirmed and report.executions > 0 and not report.errors, report


COUNT_ROWS = "import sqlite3\n\n\ndef count_rows(db_path: str, table: str) -> int:\n    conn = sqlite3.connect(db_path)\n"


@pytest.mark.parametrize(("body", "confirmed"), [
    pytest.param('    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]\n', True, id="table-name-spliced"),
    pytest.param('    if not table.isidentifier():\n        raise ValueError("bad table name")\n'
                 '    return conn.execute(f\'SELECT COUNT(*) FROM "{table}"\').fetchone()[0]\n', False,
                 id="identifier-checked-and-quoted")])
def test_sql_spliced_where_a_table_name_goes(sandbox: Sandbox, body: str, confirmed: bool) -> None:
    """Quote-breaking payloads cannot parse in an identifier's place; a subquery can."""
    report = attack(COUNT_ROWS + body, "Count the rows of a table in the database.", sandbox=sandbox,
                    probes=["sql-injection"])
    assert bool(report.exploits) is confirmed and report.executions > 0, report


def test_a_result_full_of_control_characters_still_decides(sandbox: Sandbox) -> None:
    """Escaped, 2,500 NUL characters outgrow the harness's line: the report must still parse (it did not), with
    the payload where it came back kept in view."""
    code = 'def render_blob(name: str) -> str:\n    return "\\x00" * 1500 + "<b>" + name + "</b>" + "\\x00" * 1500\n'
    report = attack(code, "Render the HTML of a blob.", sandbox=sandbox, probes=["xss"])
    assert report.exploits and report.executions > 0 and not report.errors, report


ASKS = "import subprocess\n\n\ndef run_requested() -> str:\n    request = input('Command: ')\n"


@pytest.mark.parametrize(("body", "confirmed"), [
    pytest.param("    return subprocess.run(request, shell=True, capture_output=True, text=True).stdout\n", True,
                 id="shell-line-from-input"),
    pytest.param("    return subprocess.run(['echo', request], capture_output=True, text=True).stdout\n", False,
                 id="argument-list-from-input")])
def test_input_a_function_reads_from_stdin_carries_the_payload(sandbox: Sandbox, body: str, confirmed: bool) -> None:
    """A function without parameters that asks with input() is attacked through standard input."""
    report = attack(ASKS + body, "Run the command the user types.", sandbox=sandbox, probes=["command-injection"])
    assert bool(report.exploits) is confirmed and report.executions > 0 and not report.errors, report
    if confirmed:
        assert "sys.stdin = io.StringIO(" in report.exploits[0].input


FLASK_SEND = '''import os

from flask import Flask, abort, request, send_file

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/files")
def download():
    path = os.path.join(BASE, request.args["name"])
CHECK    return send_file(path)
'''
STARLETTE_SEND = '''import os

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

app = FastAPI()
BASE = "/srv/files"


@app.get("/files")
def download(name: str):
    path = os.path.join(BASE, name)
CHECK    return FileResponse(path)
'''
CONFINED = {FLASK_SEND: "    path = os.path.realpath(path)\n    if not path.startswith(BASE + os.sep):\n        abort(404)\n",
            STARLETTE_SEND: "    path = os.path.realpath(path)\n    if not path.startswith(BASE + os.sep):\n"
                            "        raise HTTPException(status_code=404)\n"}


@pytest.mark.parametrize("app", [pytest.param(FLASK_SEND, id="flask-send_file"),
                                 pytest.param(STARLETTE_SEND, id="fastapi-FileResponse")])
@pytest.mark.parametrize("confined", [False, True])
def test_a_framework_that_sends_the_file_itself(sandbox: Sandbox, app: str, confined: bool) -> None:
    """send_file and FileResponse stat the path before they read it, in the framework's code: the sandbox's decoy
    /etc/passwd lets the read happen, and its text coming back in the response is the evidence."""
    code = app.replace("CHECK", CONFINED[app] if confined else "")
    report = attack(code, "Download a file by name.", sandbox=sandbox, probes=["path-traversal"])
    assert bool(report.exploits) is not confined and report.executions > 0 and not report.errors, report
