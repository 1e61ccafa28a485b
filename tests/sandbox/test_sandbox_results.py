"""What the sandbox reports for each outcome, and how it survives a dying worker."""

from __future__ import annotations

import ast

import pytest

from safegen.errors import InputError
from safegen.sandbox import ExecResult, Sandbox

CODE = '''
import os, sys, time
def add(x, y=1):
    return x + y
def divide(a, b):
    return a / b
def validate(x):
    if x < 0:
        raise ValueError("x must be >= 0")
    return x
def chatty(n):
    print("out" * n)
    print("err", file=sys.stderr)
    return n
def sleepy(seconds):
    time.sleep(seconds)
    return "woke"
def exits(code):
    sys.exit(code)
def hard_exit():
    os._exit(3)
def segfault():
    import ctypes
    ctypes.string_at(0)
def shell():
    os.system("echo hi")
def fork_and_return():
    if os.fork() == 0:
        return "child"
    return "parent"
'''


def at(snippet: str) -> str:
    """The location "target.py:N" of the line holding ``snippet`` in CODE."""
    return f"target.py:{next(n for n, line in enumerate(CODE.splitlines(), 1) if snippet in line)}"


def one(sandbox: Sandbox, entry: str, *args: object, timeout: float = 2.0) -> ExecResult:
    return sandbox.call(CODE, entry, [(args, {})], timeout=timeout)[0]


def test_many_inputs_one_import(sandbox: Sandbox) -> None:
    results = sandbox.call(CODE, "add", [((i,), {"y": 2}) for i in range(30)])
    assert [r.return_repr for r in results] == [str(i + 2) for i in range(30)]
    assert all(r.status == "ok" for r in results)
    code = "import os\nIMPORTED_IN = os.getpid()\ndef pids(x):\n    return IMPORTED_IN, os.getpid()\n"
    pids = [ast.literal_eval(r.return_repr) for r in sandbox.call(code, "pids", [((i,), {}) for i in range(10)])]
    assert len({module for module, _ in pids}) == 1  # imported once
    assert len({execution for _, execution in pids} - {pids[0][0]}) == 10  # each input in its own fork


@pytest.mark.parametrize("entry, args, status, exc, location, explicit", [
    ("divide", (1, 0), "exception", "ZeroDivisionError", at("return a / b"), False),
    ("validate", (-1,), "exception", "ValueError", at("raise ValueError"), True),
    ("exits", (3,), "exception", "SystemExit", at("sys.exit(code)"), False),
    ("hard_exit", (), "crash", "", "", False),
    ("segfault", (), "crash", "", "", False),
    ("shell", (), "oracle", "PermissionError", at('os.system("echo hi")'), False),
])
def test_outcomes(sandbox: Sandbox, entry: str, args: tuple, status: str, exc: str, location: str,
                  explicit: bool) -> None:
    result = one(sandbox, entry, *args)
    assert (result.status, result.exception_type, result.location, result.explicit_raise) == (
        status, exc, location, explicit), result
    if status == "crash":
        assert "died without a result" in result.message


def test_exception_details(sandbox: Sandbox) -> None:
    result = one(sandbox, "divide", 1, 0)
    assert result.exception_bases[:2] == ("ZeroDivisionError", "ArithmeticError")
    assert result.traceback.startswith("Traceback")
    assert f'File "target.py", line {at("return a / b").split(":")[1]}' in result.traceback
    assert "_worker" not in result.traceback and "<string>" not in result.traceback


def test_output_is_captured_and_truncated(sandbox: Sandbox) -> None:
    result = one(sandbox, "chatty", 10_000)
    assert result.ok and result.stderr == "err\n"
    assert result.stdout.startswith("outout") and "more bytes" in result.stdout
    assert len(result.stdout) < sandbox.limits.output_bytes + 100


def test_timeout_is_per_execution(sandbox: Sandbox) -> None:
    slow, fast = sandbox.call(CODE, "sleepy", [((3600,), {}), ((0,), {})], timeout=2)
    assert slow.status == "timeout" and slow.message == "no result within 2 s"
    assert slow.location == at("time.sleep(seconds)")
    assert fast.return_repr == "'woke'"  # the next input gets its own time, untouched by the hang


def test_a_fork_of_the_target_does_not_report(sandbox: Sandbox) -> None:
    result = one(sandbox, "fork_and_return")
    assert result.return_repr == "'parent'"


def test_import_failure_is_reported_for_every_input(sandbox: Sandbox) -> None:
    results = sandbox.call("import no_such_module_here\ndef f(x):\n    return x\n", "f", [((1,), {}), ((2,), {})])
    assert all(r.status == "exception" and r.exception_type == "ModuleNotFoundError" for r in results)
    assert all(r.message.startswith("importing the code failed") for r in results)
    missing = sandbox.call("def g():\n    pass\n", "f", [((), {})])[0]
    assert missing.exception_type == "NameError" and "no function named 'f'" in missing.message


def test_import_check_runs_no_function(sandbox: Sandbox) -> None:
    assert sandbox.import_error("import json\ndef f(x):\n    raise SystemExit(3)\n", "f") is None
    assert "ModuleNotFoundError" in (sandbox.import_error("import no_such_module_xyz\ndef f(): pass\n", "f") or "")
    assert "no function named 'g'" in (sandbox.import_error("def f(): pass\n", "g") or "")
    assert "ZeroDivisionError" in (sandbox.import_error("1 / 0\ndef f(): pass\n", "f") or "")


def test_module_level_oracle_marks_every_result(sandbox: Sandbox) -> None:
    code = "import os\ntry:\n    os.system('id')\nexcept OSError:\n    pass\ndef f(x):\n    return x\n"
    result = sandbox.call(code, "f", [((1,), {})])[0]
    assert result.status == "oracle" and result.events[0].kind == "shell" and result.events[0].location == "target.py:3"


def test_worker_death_is_survived(sandbox: Sandbox) -> None:
    code = "import os, signal\ndef f(x):\n    if x == 1:\n        os.kill(-1, signal.SIGKILL)\n    return x\n"
    before = sandbox.restarts
    results = sandbox.call(code, "f", [((0,), {}), ((1,), {}), ((2,), {})])
    assert [r.status for r in results] == ["ok", "crash", "ok"]
    assert sandbox.restarts >= before + 2  # the loss, then the replay alone that confirms the culprit


def test_scripts(sandbox: Sandbox) -> None:
    assert sandbox.run_script("print('hi')").stdout == "hi\n"
    assert sandbox.run_script("import sys\nsys.exit(0)").ok
    failed = sandbox.run_script("import sys\nsys.exit(3)")
    assert failed.status == "exception" and failed.exception_type == "SystemExit"
    assert sandbox.run_script("while True:\n    pass\n", timeout=0.3).status == "timeout"


def test_bad_inputs_are_input_errors(sandbox: Sandbox) -> None:
    with pytest.raises(InputError):
        sandbox.call(CODE, "add", [(lambda: 1,)])  # type: ignore[list-item]
    with pytest.raises(InputError):
        sandbox.call(CODE, "add", [((lambda: 1,), {})])
    with pytest.raises(InputError):
        sandbox.call(CODE, "add", [((1,), {})], timeout=0)
    assert sandbox.call(CODE, "add", []) == []


def test_malformed_worker_results_become_crashes() -> None:
    assert ExecResult.from_worker("nonsense").status == "crash"
    odd = ExecResult.from_worker({"status": "weird", "events": [{"kind": "network", "detail": 1}], "seconds": "x"})
    assert odd.status == "crash" and odd.events[0].kind == "network" and odd.seconds == 0.0
    assert ExecResult.from_worker({"status": "ok", "events": [{"kind": "shell"}]}).status == "oracle"


def test_code_that_hangs_while_importing_times_out(sandbox: Sandbox) -> None:
    results = sandbox.call("while True:\n    pass\ndef f(x):\n    return x\n", "f", [((1,), {}), ((2,), {})],
                           timeout=0.3)
    assert [r.status for r in results] == ["timeout", "timeout"]
    assert "importing the code took longer" in results[0].message
    assert sandbox.call(CODE, "add", [((1,), {})])[0].return_repr == "2"


def test_installed_packages_import_read_only(sandbox: Sandbox) -> None:
    code = '''
import os
import yaml

def load(text):
    return yaml.safe_load(text)

def tamper():
    target = os.path.join(os.path.dirname(yaml.__file__), "planted.py")
    with open(target, "w") as handle:
        handle.write("x = 1")
'''
    assert sandbox.call(code, "load", [(("a: 1",), {})])[0].return_repr == "{'a': 1}"
    tampered = sandbox.call(code, "tamper", [((), {})])[0]
    assert tampered.status in ("exception", "oracle") and tampered.exception_type in ("OSError", "PermissionError")
