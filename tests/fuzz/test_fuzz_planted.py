"""The fuzzer must find planted bugs, and report nothing on clean code that validates its input."""

from __future__ import annotations

import pytest

from safegen.fuzz import fuzz_function
from safegen.sandbox import Sandbox

# A time budget that the iterations, not the clock, exhaust: the counts asserted below do not depend on
# how loaded the machine is (a loaded one only takes longer).
BUDGET = 60.0

PLANTED = {
    "zero_division_at_boundary": ('''
def scale(value: int, divisor: int) -> float:
    return value / (divisor - 255)
''', "exception", "ZeroDivisionError", 3),
    "attribute_error_on_none_path": ('''
class Match:
    def __init__(self, text): self.text = text

def find(words: list[str], wanted: str) -> str:
    match = None
    for word in words:
        if word == wanted:
            match = Match(word)
    return match.text.upper()
''', "exception", "AttributeError", 10),
    "recursion_on_nested_input": ('''
def depth(text: str) -> int:
    if not text or text[0] != "(":
        return 0
    return 1 + depth(text[1:])
''', "exception", "RecursionError", 5),
    "hang_on_a_magic_word": ('''
def handle(command: str) -> str:
    if command.strip() == "reload":
        while True:
            pass
    return command.lower()
''', "hang", "", None),
    "memory_blowup": ('''
def banner(text: str, width: int) -> str:
    return (text or "*") * width
''', "memory", "MemoryError", 3),
    "write_outside_working_dir": ('''
def save(name: str, content: str) -> int:
    with open(name, "w") as handle:
        return handle.write(content)
''', "write_outside", "", 3),
    "shell_command": ('''
import os
def ping(host: str) -> int:
    return os.system("ping -c 1 " + host)
''', "shell", "", 4),
    "network_connection": ('''
import urllib.request
def fetch(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError("only http(s) URLs")
    return urllib.request.urlopen(url, timeout=1).read()
''', "network", "", 6),
    "path_traversal_read": ('''
import os
BASE = os.path.abspath("static")
def serve(name: str) -> bytes:
    with open(os.path.join(BASE, name), "rb") as handle:
        return handle.read()
''', "read_outside", "", 5),
    "assertion_as_validation_is_a_bug": ('''
def percent(part: int, whole: int) -> float:
    assert whole > 0
    return 100 * part / whole
''', "exception", "AssertionError", 3),
}

CLEAN = {
    "validated_division": '''
def safe_div(a: int, b: int) -> float:
    if not isinstance(a, int) or not isinstance(b, int):
        raise TypeError("integers only")
    if b == 0:
        raise ValueError("b must not be zero")
    return a / b
''',
    "parse_port": '''
def parse_port(text: str) -> int:
    port = int(text.strip())
    if not 0 < port < 65536:
        raise ValueError(f"port out of range: {port}")
    return port
''',
    "confined_file_read": '''
import os
BASE = os.path.realpath("notes")
def read_note(name: str) -> str:
    path = os.path.realpath(os.path.join(BASE, name))
    if not path.startswith(BASE + os.sep):
        raise ValueError("outside the notes directory")
    with open(path, encoding="utf-8") as handle:
        return handle.read()
''',
    "bounded_repeat": '''
def banner(text: str, width: int) -> str:
    if not 0 <= width <= 1000:
        raise ValueError("width must be between 0 and 1000")
    return (text or "*")[:1] * width
''',
    "dict_lookup_with_keyerror": '''
PRICES = {"apple": 3, "pear": 4}
def total(items: dict[str, int]) -> int:
    unknown = sorted(name for name in items if name not in PRICES)
    if unknown:
        raise KeyError(f"no price for {unknown}")  # an implicit PRICES[name] KeyError is a defect (issue 20)
    return sum(PRICES[name] * count for name, count in items.items())
''',
    "subprocess_without_shell": '''
import re
import subprocess
def git_log(ref: str) -> list:
    if not re.fullmatch(r"[A-Za-z0-9._/-]{1,64}", ref) or ref.startswith("-"):
        raise ValueError("bad ref")
    return ["git", "log", ref]
''',
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_bug_is_found(sandbox: Sandbox, name: str) -> None:
    code, kind, exception_type, line = PLANTED[name]
    entry = code.split("def ")[-1].split("(")[0]
    report = fuzz_function(sandbox, code, entry, seconds=BUDGET)
    found = [d for d in report.defects if d.kind == kind]
    assert found, (name, report)
    defect = found[0]
    assert defect.exception_type == exception_type
    if line is not None:
        assert defect.location == f"target.py:{line}", defect
    assert defect.input.startswith(f"{entry}(") and defect.reproducer.rstrip().endswith(defect.input)
    assert report.executions >= 100 and not report.errors  # it goes on after the first defect


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_code_reports_nothing(sandbox: Sandbox, name: str) -> None:
    code = CLEAN[name]
    entry = code.split("def ")[-1].split("(")[0]
    report = fuzz_function(sandbox, code, entry, seconds=BUDGET)
    assert report.defects == (), report.defects
    assert report.executions >= 150 and not report.errors  # all its runs


def test_reproducers_reproduce(sandbox: Sandbox) -> None:
    code, *_ = PLANTED["zero_division_at_boundary"]
    report = fuzz_function(sandbox, code, "scale", seconds=10)
    script = code + "\n" + report.defects[0].reproducer
    result = sandbox.run_script(script)
    assert result.status == "exception" and result.exception_type == "ZeroDivisionError"
    assert report.defects[0].input in ("scale(0, 255)", "scale(1, 255)")  # minimized


def test_never_raises_requirement_makes_rejections_defects(sandbox: Sandbox) -> None:
    code = CLEAN["parse_port"]
    lenient = fuzz_function(sandbox, code, "parse_port", iterations=40, seconds=10)
    strict = fuzz_function(sandbox, code, "parse_port", iterations=40, seconds=10,
                           requirement="Parse a port number. It must never raise; return -1 for bad input.")
    assert lenient.defects == ()
    assert {d.exception_type for d in strict.defects} >= {"ValueError"}


def test_same_seed_same_report(sandbox: Sandbox) -> None:
    code, *_ = PLANTED["attribute_error_on_none_path"]
    first = fuzz_function(sandbox, code, "find", iterations=60, seconds=15, rng_seed=7)
    second = fuzz_function(sandbox, code, "find", iterations=60, seconds=15, rng_seed=7)
    assert [(d.kind, d.input, d.count) for d in first.defects] == [(d.kind, d.input, d.count) for d in second.defects]


def test_code_that_cannot_import_is_an_error_not_a_defect(sandbox: Sandbox) -> None:
    report = fuzz_function(sandbox, "import flask_not_installed\ndef view(x: int) -> int:\n    return x\n", "view",
                           seconds=10)
    assert report.defects == ()
    assert report.errors and "ModuleNotFoundError" in report.errors[0]
    assert report.executions <= 60  # stops after the first batch


def test_llm_seeds_steer_the_fuzzer(sandbox: Sandbox) -> None:
    code = '''
def lookup(user: str, action: str) -> str:
    if user == "admin" and action == "purge-all":
        return [][0]
    return f"{user}:{action}"
'''
    without = fuzz_function(sandbox, code, "lookup", iterations=30, seconds=10)
    seeded = fuzz_function(sandbox, code, "lookup", iterations=30, seconds=10, seeds=[["admin", "purge-all"]])
    assert without.defects == () or all(d.exception_type != "IndexError" for d in without.defects)
    assert "seeds" in seeded.engines
    # IndexError is a rejection style, but here it comes from our own code: the strict requirement shows it
    strict = fuzz_function(sandbox, code, "lookup", iterations=30, seconds=10, seeds=[["admin", "purge-all"]],
                           requirement="never raises")
    assert any(d.exception_type == "IndexError" and d.input == "lookup('admin', 'purge-all')" for d in strict.defects)


def test_atheris_solves_a_comparison_chain(sandbox: Sandbox) -> None:
    if not sandbox.atheris_available:
        pytest.skip("atheris is not installed")
    code = '''
def parse(packet: bytes) -> int:
    if len(packet) > 4 and packet[0] == 0x7E and packet[1] ^ packet[2] == 0x5A and packet[3] == packet[4] + 3:
        return 100 // (packet[3] - packet[4] - 3)
    return 0
'''
    report = fuzz_function(sandbox, code, "parse", seconds=20)
    assert "atheris" in report.engines
    assert report.executions > 1000  # atheris runs in-process: many more inputs than forked executions
    found = [d for d in report.defects if d.exception_type == "ZeroDivisionError"]
    assert found and found[0].location == "target.py:4"
    replay = sandbox.run_script(code + found[0].reproducer)
    assert replay.exception_type == "ZeroDivisionError"
