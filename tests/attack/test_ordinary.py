"""Ordinary input next to the attack: what a version does with the probes' benign inputs, and a repair held to it."""

from __future__ import annotations

from safegen.attack.ordinary import behaviour, broken
from safegen.sandbox import Sandbox

HASH = "import hashlib\n\n\ndef digest(algorithm: str, data: bytes) -> str:\n    return hashlib.new(algorithm, data).hexdigest()\n"
OVER_STRICT = HASH.replace("    return", "    if algorithm in ('md5', 'sha1', 'sha256'):\n        raise ValueError('weak')\n    return")
ALLOW_LIST = HASH.replace("    return", "    if algorithm not in ('sha256', 'sha512'):\n        raise ValueError('weak')\n    return")


def test_a_repair_that_refuses_a_strong_algorithm_breaks_ordinary_input(sandbox: Sandbox) -> None:
    before = behaviour(sandbox, HASH, ["weak-hash"], "digest")
    assert ("digest('sha256', b'data')", f"returns {__import__('hashlib').sha256(b'data').hexdigest()!r}") in before
    reason = broken(sandbox, before, OVER_STRICT, ["weak-hash"], "digest")
    assert reason is not None and "digest('sha256', b'data')" in reason and "now raises ValueError" in reason
    assert broken(sandbox, before, ALLOW_LIST, ["weak-hash"], "digest") is None


def test_a_call_that_answers_differently_each_time_is_not_held_against_a_repair(sandbox: Sandbox) -> None:
    code = "import uuid\n\n\ndef calculate(expression: str) -> str:\n    return f'{eval(expression)} {uuid.uuid4()}'\n"
    assert behaviour(sandbox, code, ["code-injection"], "calculate") == ()


def test_probes_without_benign_inputs_ask_nothing(sandbox: Sandbox) -> None:
    assert behaviour(sandbox, "import pickle\n\n\ndef load(data: bytes):\n    return pickle.loads(data)\n",
                     ["pickle-deserialization"], "load") == ()


MIXED = ("STORE: list = []\n\n\ndef handle(name: str, data: dict, items: list, count: int, message: str, raw: bytes,"
         " role: str, user_id: int) -> bool:\n    STORE.append(message)\n    return True\n")


def test_every_probe_s_benign_inputs_fit_every_kind_of_parameter(sandbox: Sandbox) -> None:
    from safegen.attack import PROBES

    with_benign = [p.id for p in PROBES if p.benign]
    assert "unbounded-store" in with_benign  # its payloads are sizes, its benign inputs text
    assert behaviour(sandbox, MIXED, with_benign, "handle")  # builds every probe's ordinary calls, runs them
    assert ("handle('alice', {}, [], 1, 'Hello, everyone!', b'data', 'guest', 1)", "returns 'True'") in behaviour(
        sandbox, MIXED, ["unbounded-store"], "handle")


SAVE = ("import os\n\n\ndef save_upload(filename: str, data: bytes) -> str:\n    os.makedirs('uploads', exist_ok=True)\n"
        "    path = os.path.join('uploads', filename)\n    with open(path, 'wb') as f:\n        f.write(data)\n"
        "    return path\n")


def test_a_path_repair_that_crashes_on_ordinary_file_names_is_caught(sandbox: Sandbox) -> None:
    before = behaviour(sandbox, SAVE, ["path-traversal"], "save_upload")
    assert ("save_upload('report.txt', b'data')", "returns 'uploads/report.txt'") in before
    crashing = SAVE.replace("os.makedirs('uploads', exist_ok=True)", "'uploads'.is_absolute()")  # seen from the model
    reason = broken(sandbox, before, crashing, ["path-traversal"], "save_upload")
    assert reason is not None and "now raises AttributeError" in reason
    confined = SAVE.replace("os.path.join('uploads', filename)", "os.path.join('uploads', os.path.basename(filename))")
    assert broken(sandbox, before, confined, ["path-traversal"], "save_upload") is None
    absolute = SAVE.replace("    return path", "    return os.path.realpath(path)")  # each job has its own folder
    assert broken(sandbox, before, absolute, ["path-traversal"], "save_upload") is None


REDIRECT = "from urllib.parse import urljoin\n\n\ndef build_redirect(base_url: str, next_url: str) -> str:\n" \
           "    return urljoin(base_url, next_url)\n"


def test_benign_inputs_go_where_the_confirmed_payload_went(sandbox: Sandbox) -> None:
    from safegen.attack import attack

    report = attack(REDIRECT, "Redirect the user to the next url after login.", sandbox=sandbox,
                    probes=["open-redirect"])
    exploited = [e.input for e in report.exploits]
    assert exploited and all(e.startswith("build_redirect('https://app.example/home', ") for e in exploited)
    everywhere = [call for call, _ in behaviour(sandbox, REDIRECT, ["open-redirect"], "build_redirect")]
    assert "build_redirect('/dashboard', 'https://app.example/home')" in everywhere  # the site's base a path
    there = [call for call, _ in behaviour(sandbox, REDIRECT, ["open-redirect"], "build_redirect", exploited)]
    assert there == ["build_redirect('https://app.example/home', '/dashboard')",
                     "build_redirect('https://app.example/home', '/settings?tab=profile')"]
