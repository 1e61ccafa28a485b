"""Fuzz triage: the code's own lookup and None bugs are defects; a `raise` it wrote or a library's
validation is a rejection (issue 20, item 4)."""

from __future__ import annotations

import pytest

from safegen.fuzz import fuzz_function
from safegen.fuzz.triage import classify, is_own_bug, is_rejection
from safegen.sandbox import ExecResult, Sandbox

TARGETS = '''
import json
import os
import re


def nth_word(text: str, n: int) -> str:
    return text.split()[n]


def header_value(raw: bytes) -> bytes:
    return raw.split(b":")[1]


def checked_header(raw: str) -> str:
    if ":" not in raw:
        raise ValueError("bad header")
    return raw.split(":", 1)[1]


def setting(name: str) -> str:
    return os.environ[name]


def pair(text: str) -> str:
    key, value = text.split("=")
    return value


def number(text: str) -> int:
    return int(text)


def first_a(text: str) -> str:
    return re.match("a", text).group(0)


def parse(text: str) -> object:
    return json.loads(text)


def size(text: str) -> int:
    return len({"x": "1"}.get(text))


def color(name: str) -> str:
    return {"red": "#f00"}[name]


def lookup(name: str) -> str:
    table = {"red": "#f00"}
    if name not in table:
        raise KeyError(name)
    return table[name]
'''


@pytest.mark.parametrize("function, args, defect", [
    ("nth_word", ("one two", 5), True),  # text.split()[n]
    ("header_value", (b"no colon",), True),  # raw.split(b":")[1]
    ("checked_header", ("no colon",), False),  # raise ValueError("bad header")
    ("setting", ("SGX_UNSET",), False),  # KeyError from os.environ: the library's lookup
    ("pair", ("no equals",), True),  # unpacking its own split
    ("number", ("x",), False),  # int() rejecting text: validation
    ("first_a", ("b",), True),  # re.match(...) is None, then .group
    ("parse", ("{",), False),  # JSONDecodeError from the json module
    ("size", ("y",), True),  # TypeError on None from its own line
    ("color", ("blue",), True),  # KeyError on a dict it built
    ("lookup", ("blue",), False),  # raise KeyError(name): documented
])
def test_own_bugs_are_defects_and_raises_are_rejections(sandbox: Sandbox, function: str,
                                                          args: tuple[object, ...], defect: bool) -> None:
    (result,) = sandbox.call(TARGETS, function, [(args, {})])
    assert result.status == "exception"
    assert is_own_bug(result) is defect
    assert is_rejection(result) is not defect
    assert [f.kind for f in classify(result)] == (["exception"] if defect else [])


@pytest.mark.parametrize("traceback, explicit, defect", [
    ('Traceback (most recent call last):\n  File "target.py", line 3, in f\n    return t[9]\nIndexError: x\n',
     False, True),
    ('  File "target.py", line 3, in f\n  File "/usr/lib/python3.11/json/decoder.py", line 9, in d\n', False, False),
    ('  File "target.py", line 5, in f\n    raise IndexError("no such row")\n', True, False),
    ("", False, False),  # no traceback: nothing says it was the code's own line, so as before
])
def test_the_innermost_frame_decides(traceback: str, explicit: bool, defect: bool) -> None:
    result = ExecResult(status="exception", exception_type="IndexError", exception_bases=("IndexError", "LookupError"),
                        explicit_raise=explicit, traceback=traceback, message="x", location="target.py:3")
    assert is_own_bug(result) is defect


def test_fuzzing_reports_the_split_index_bug_and_not_the_validation(sandbox: Sandbox) -> None:
    buggy = fuzz_function(sandbox, TARGETS, "header_value", iterations=40, seconds=20)
    assert [d.exception_type for d in buggy.defects] == ["IndexError"]
    clean = fuzz_function(sandbox, TARGETS, "checked_header", iterations=40, seconds=20)
    assert clean.defects == ()
