"""The attacker agent's control flow (a scripted backend), target discovery, and failing closed."""

from __future__ import annotations

import json

import pytest

from safegen.attack import attack
from safegen.attack.targets import FunctionTarget, RouteTarget, find_targets
from safegen.backends.fake import FakeBackend
from safegen.sandbox import Sandbox

# The generic payloads never get past the prefix check; a task-specific input does.
PREFIXED_SQL = '''
import sqlite3

def find_order(reference: str):
    if not reference.startswith("ORD-"):
        raise ValueError("not an order reference")
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE orders (id INTEGER, reference TEXT)")
    return conn.execute("SELECT id FROM orders WHERE reference = '%s'" % reference).fetchall()
'''
PREFIXED_SQL_FIXED = PREFIXED_SQL.replace("""'%s'" % reference)""", """?", (reference,))""")
PROPOSAL = json.dumps([{"probe": "sql-injection", "target": "find_order",
                        "input": ["ORD-1' OR sgx_probe() OR 'x"]}])


def test_agent_input_counts_only_when_the_oracle_confirms_it(sandbox: Sandbox) -> None:
    generic = attack(PREFIXED_SQL, "Find an order by reference", sandbox=sandbox)
    assert generic.exploits == () and generic.probes == ("sql-injection",)
    backend = FakeBackend([PROPOSAL])
    report = attack(PREFIXED_SQL, "Find an order by reference", sandbox=sandbox, backend=backend)
    assert [(e.probe, e.source) for e in report.exploits] == [("sql-injection", "agent")]
    assert report.agent_inputs == 1 and "ORD-1" in report.exploits[0].input
    prompt = backend.history[0].messages[-1].content
    assert "sgx_probe()" in prompt and "find_order(reference)" in prompt
    fixed = attack(PREFIXED_SQL_FIXED, "Find an order by reference", sandbox=sandbox, backend=FakeBackend([PROPOSAL]))
    assert fixed.exploits == () and fixed.agent_inputs == 1 and fixed.survived


@pytest.mark.parametrize("reply", ["I cannot help with that.", "[1, 2", json.dumps([{"probe": "nope"}]),
                                   json.dumps([{"probe": "sql-injection", "target": "find_order", "input": "x"}])])
def test_unusable_agent_answers_add_a_note_and_no_input(sandbox: Sandbox, reply: str) -> None:
    report = attack(PREFIXED_SQL, "", sandbox=sandbox, backend=FakeBackend([reply]))
    assert report.exploits == () and report.agent_inputs == 0
    assert report.notes == ("attacker agent: the model proposed no usable input",)


def test_a_model_that_fails_leaves_the_attack_incomplete_never_survived(sandbox: Sandbox) -> None:
    backend = FakeBackend([])  # no scripted reply: the call raises BackendError, as an unreachable server does
    report = attack(PREFIXED_SQL_FIXED, "Find an order by reference", sandbox=sandbox, backend=backend)
    assert report.exploits == () and report.agent_inputs == 0 and not report.survived
    assert [e for e in report.errors if e.startswith("attacker agent: the model failed: ")]


def test_the_agent_is_not_asked_when_every_probe_is_confirmed(sandbox: Sandbox) -> None:
    code = "import os\n\ndef show(name: str) -> int:\n    return os.system('cat ' + name)\n"
    backend = FakeBackend([])
    report = attack(code, "", sandbox=sandbox, backend=backend, probes=["command-injection"])
    assert [e.probe for e in report.exploits] == ["command-injection"] and backend.history == []


def test_code_that_cannot_be_imported_is_an_error_never_survived(sandbox: Sandbox) -> None:
    code = "import sqlite3\nimport no_such_module_sgx\n\ndef f(q: str):\n    return sqlite3.connect(q)\n"
    report = attack(code, "", sandbox=sandbox)
    assert report.exploits == () and not report.survived
    assert report.errors[0].startswith("the code cannot be imported in the sandbox:")


def test_nothing_to_attack_is_an_error() -> None:
    report = attack("X = 1\n", "", sandbox=None)  # type: ignore[arg-type]  # never reaches the sandbox
    assert report.errors and not report.survived


def test_targets_routes_views_and_functions() -> None:
    flask = '''
from flask import Flask, request, redirect
app = Flask(__name__)

@app.route("/files/<path:name>", methods=["POST"])
def upload(name):
    return request.form["body"] + request.args.get("mode", "")

@app.get("/go")
def go():
    data = request.get_json()
    return redirect(data["next"])

def helper(text: str) -> str:
    return text

def _private(x):
    return x
'''
    targets = find_targets(flask)
    assert [type(t) for t in targets] == [RouteTarget, RouteTarget, FunctionTarget]
    upload, go, helper = targets
    assert isinstance(upload, RouteTarget) and isinstance(go, RouteTarget)
    assert (upload.method, upload.path_params, upload.form, upload.query) == ("POST", ("name",), ("body",), ("mode",))
    assert (go.method, go.json) == ("GET", ("next",))
    assert helper.label == "helper"
    django = "from django.http import HttpResponse\n\ndef view(request, slug):\n    return HttpResponse(request.GET['q'])\n"
    (view,) = find_targets(django)
    assert isinstance(view, RouteTarget) and (view.framework, view.query, view.path_params) == ("django", ("q",), ("slug",))
    fastapi = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/items/{item_id}')\ndef item(item_id: int, q: str = ''):\n    return q\n"
    (item,) = find_targets(fastapi)
    assert isinstance(item, RouteTarget) and (item.path_params, item.query) == (("item_id",), ("q",))
    assert find_targets(flask, "_private")[0].label == "_private"
