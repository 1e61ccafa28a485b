"""The fuzzer's parts on their own: hints, strategies, mutation, triage, shrinking, seeds, feedback."""

from __future__ import annotations

import math
import random
import typing

import pytest
from hypothesis import strategies as st

from safegen.backends.fake import FakeBackend
from safegen.errors import InputError
from safegen.fuzz.feedback import describe_defects
from safegen.fuzz.minimize import minimize
from safegen.fuzz.mutate import (
    STRING_PAYLOADS,
    Mutator,
    boundary_values,
    code_constants,
)
from safegen.fuzz.seeds import parse_seeds, propose_seeds
from safegen.fuzz.signature import Named, parse_signature, value_matches
from safegen.fuzz.strategies import draw_examples, register_strategy, strategy_for
from safegen.fuzz.triage import classify, compact_repr, is_rejection, strict_requirement
from safegen.sandbox import ExecResult, OracleEvent
from safegen.types import Defect, FuzzReport


@pytest.mark.parametrize("source, expected", [
    ("def f(a: int, b: str, c: bytes): ...", [int, str, bytes]),
    ("def f(a: list[int], b: dict[str, float]): ...", [list[int], dict[str, float]]),
    ("def f(a: Optional[str], b: int | None): ...", [typing.Optional[str], typing.Optional[int]]),
    ("def f(a: 'List[str]', b: typing.Tuple[int, ...]): ...", [list[str], tuple[int, ...]]),
    ("def f(a: Literal['r', 'w'], b: Point, c): ...", [typing.Literal["r", "w"], Named("Point"), typing.Any]),
    ("def f(a, b=1, *, c: bool, d: int = 2): ...", [typing.Any, bool]),
])
def test_signature_hints(source: str, expected: list[object]) -> None:
    signature = parse_signature(source, "f")
    assert [p.annotation for p in signature.params] == expected


def test_signature_errors() -> None:
    with pytest.raises(InputError, match="no top-level function"):
        parse_signature("def g(): pass", "f")
    with pytest.raises(InputError, match="not valid Python"):
        parse_signature("def f(:", "f")
    with pytest.raises(InputError, match="coroutine"):
        parse_signature("async def f(x): pass", "f")
    keyword = parse_signature("def f(a, *, key: str): ...", "f")
    assert keyword.to_call((1, "k")) == ((1,), {"key": "k"})


@pytest.mark.parametrize("value, hint, ok", [
    (1, float, True), (True, int, True), ("x", int, False), (None, typing.Optional[str], True),
    ([1, "a"], list[int], False), ({"a": 1}, dict[str, int], True), ((1, "a"), tuple[int, str], True),
    ("w", typing.Literal["r", "w"], True), (object(), Named("X"), True),
])
def test_value_matches(value: object, hint: object, ok: bool) -> None:
    assert value_matches(value, hint) is ok


def test_strategies_follow_hints_and_are_repeatable() -> None:
    hint = dict[str, list[int]]
    values = draw_examples(strategy_for(hint), 30, rng_seed=3)
    assert len(values) >= 10 and all(value_matches(v, hint) for v in values)
    assert values == draw_examples(strategy_for(hint), 30, rng_seed=3)
    assert all(v in ("r", "w") for v in draw_examples(strategy_for(typing.Literal["r", "w"]), 5, 0))


def test_registry_extends_by_type_and_by_name() -> None:
    register_strategy("EmailAddress", st.emails())
    emails = draw_examples(strategy_for(Named("EmailAddress")), 10, 0)
    assert emails and all("@" in e for e in emails)

    class Celsius(float):
        pass

    register_strategy(Celsius, st.floats(-273.15, 1000).map(Celsius))
    assert all(isinstance(v, Celsius) and v >= -273.15 for v in draw_examples(strategy_for(Celsius), 10, 0))


def test_boundaries_and_code_constants() -> None:
    constants = code_constants("def f(x):\n    if x == 1337 or x == 'magic' or x == b'\\x7fELF':\n        pass\n")
    ints = boundary_values(int, constants)
    assert ints[:4] == [1337, 1336, 1338, -1337] and 2**63 - 1 in ints and 0 in ints
    assert boundary_values(str, constants)[0] == "magic" and "../../../../etc/passwd" in boundary_values(str)
    assert bytes(b"\x7fELF") in boundary_values(bytes, constants)
    assert [] in boundary_values(list[int]) and None in boundary_values(typing.Optional[int])
    assert any(isinstance(v, float) and math.isnan(v) for v in boundary_values(float))
    assert {"\x00", "'", "; id", "%s%s%s%n", "A" * 100_000} <= set(STRING_PAYLOADS)


def test_mutation_is_seeded_and_keeps_shape() -> None:
    seeds = [("report.txt", 10, [1, 2, 3], {"k": "v"}, b"data", 2.5)]
    first = [Mutator(random.Random(1)).mutate_call(seeds[0]) for _ in range(5)]
    second = [Mutator(random.Random(1)).mutate_call(seeds[0]) for _ in range(5)]
    assert repr(first) == repr(second)
    mutator = Mutator(random.Random(0))
    outputs = [mutator.mutate_call(seeds[0]) for _ in range(300)]
    assert all(len(o) == 6 for o in outputs)
    texts = {o[0] for o in outputs if isinstance(o[0], str)}
    assert any(".." in t for t in texts) and any(len(t) > 1000 for t in texts) and any(None in o for o in outputs)


def result(status: str, exc: str = "", bases: tuple[str, ...] = (), explicit: bool = False,
           location: str = "target.py:3", events: tuple[OracleEvent, ...] = ()) -> ExecResult:
    return ExecResult(status=status, exception_type=exc, exception_bases=bases or (exc,), explicit_raise=explicit,
                      location=location, events=events, message="m")


@pytest.mark.parametrize("res, strict, kinds", [
    (result("ok"), False, []),
    (result("exception", "ValueError"), False, []),
    (result("exception", "JSONDecodeError", ("JSONDecodeError", "ValueError")), False, []),
    (result("exception", "FileNotFoundError", ("FileNotFoundError", "OSError")), False, []),
    (result("exception", "ValueError"), True, ["exception"]),
    (result("exception", "ZeroDivisionError", ("ZeroDivisionError", "ArithmeticError")), False, ["exception"]),
    (result("exception", "RuntimeError", explicit=True), False, []),
    (result("exception", "AssertionError", explicit=True), False, ["exception"]),
    (result("timeout"), False, ["hang"]),
    (result("memory", "MemoryError"), False, ["memory"]),
    (result("crash"), False, ["crash"]),
    (result("oracle", "PermissionError", events=(OracleEvent("network", "connect"), OracleEvent("spawn", "ls"),
                                                 OracleEvent("shell", "sh"))), False, ["network", "shell"]),
])
def test_triage(res: ExecResult, strict: bool, kinds: list[str]) -> None:
    assert [f.kind for f in classify(res, strict=strict)] == kinds


def test_rejection_and_strict_wording() -> None:
    assert is_rejection(result("exception", "KeyError", ("KeyError", "LookupError")))
    assert not is_rejection(result("exception", "AttributeError"))
    assert strict_requirement("The parser must never raise; return None instead.")
    assert strict_requirement("Should not throw on malformed input")
    assert not strict_requirement("Raise ValueError for negative numbers.")


@pytest.mark.parametrize("value", [
    "A" * 100_000, "x" + "\x00" * 40 + "y", b"\xff" * 300 + b"tail", [0] * 5000, (None,) * 20, float("nan"),
    {"a": [1, 2.5, float("-inf")]}, frozenset({1}), set(), bytearray(b"z" * 100), "short", ("a",),
    [8.07e270, -1.0, float("nan"), 3] * 2000, ("x", None) * 9, list(range(40)),
])
def test_compact_repr_round_trips(value: object) -> None:
    text = compact_repr(value)
    assert len(text) < 200
    rebuilt = eval(text)
    assert repr(rebuilt) == repr(value)


def test_compact_repr_names_a_repeated_block_and_keeps_short_lists_as_they_are() -> None:
    assert compact_repr([1.5, -2.0] * 1000) == "[1.5, -2.0] * 1000"
    assert compact_repr((None,) * 20) == "(None,) * 20"
    assert compact_repr([1, 2] * 4) == "[1, 2, 1, 2, 1, 2, 1, 2]"
    assert compact_repr([1, 2, 3] * 6 + [1]) == repr([1, 2, 3] * 6 + [1])  # not a whole number of blocks


def test_minimize_shrinks_while_the_defect_reproduces() -> None:
    def reproduces(batch: object) -> list[bool]:
        return [len(args[0]) >= 3 and "!" in args[0] and args[1] > 10 for args in batch]  # type: ignore[attr-defined]

    best, runs = minimize(("x" * 500 + "!" + "y" * 500, 10**9), reproduces, max_runs=200)
    assert 10 < best[1] < 10**9
    assert "!" in best[0] and len(best[0]) <= 8 and runs <= 200


@pytest.mark.parametrize("reply, arity, expected", [
    ('[["a.txt", 1], ["../x", -1]]', 2, [["a.txt", 1], ["../x", -1]]),
    ('Here you go:\n```json\n[["a"], ["b"]]\n```\nEnjoy!', 1, [["a"], ["b"]]),
    ("[1, 2, 3]", 1, [[1], [2], [3]]),
    ('["only", 2]', 2, [["only", 2]]),
    ("[('py', None), ('x', True)]", 2, [["py", None], ["x", True]]),
    ('prefix [["a", 1], ["b"]] suffix', 2, [["a", 1]]),
    ("I cannot help with that.", 2, []),
    ('{"not": "a list"}', 1, []),
    ("```json\n[[1, 2], [3, \n```", 2, [[1, 2]]),  # cut off: the completed lists are kept
    ('[["a", 1], ["b", 2], ["c', 2, [["a", 1], ["b", 2]]),
    ('[[[[', 2, []),
    ("", 1, []),
])
def test_seed_parsing(reply: str, arity: int, expected: list[list[object]]) -> None:
    assert parse_seeds(reply, arity, 8) == expected


def test_propose_seeds_asks_for_json_and_never_raises_on_garbage() -> None:
    backend = FakeBackend(['```json\n[["../../etc/passwd"], ["report.pdf"], ["a;b"]]\n```', "no idea", "[[[["])
    code = "def open_report(name: str) -> bytes:\n    return b''\n"
    assert propose_seeds(backend, "Open a report by name", code, "open_report", n=2) == [["../../etc/passwd"],
                                                                                        ["report.pdf"]]
    prompt = backend.history[0].messages[-1].content
    assert "JSON" in backend.history[0].messages[0].content and "open_report(name)" in prompt
    assert propose_seeds(backend, "x", code, "open_report") == []
    assert propose_seeds(backend, "x", code, "open_report") == []
    assert propose_seeds(backend, "x", "def ping():\n    return 1\n", "ping") == []
    assert len(backend.history) == 3  # no parameters: the model is not asked


def test_feedback_text() -> None:
    report = FuzzReport(target="f", executions=150, seconds=1.0, defects=(
        Defect(kind="exception", input="f(0)", message="ZeroDivisionError: division by zero",
               exception_type="ZeroDivisionError", location="target.py:3", count=4),
        Defect(kind="shell", input="f('; id')", message="shell started: /bin/sh -c ping ; id", location="target.py:5"),
    ))
    text = describe_defects(report)
    assert text.startswith("Fuzzing `f` with 150 inputs found 2 defects:")
    assert "1. The function raises an unexpected exception at line 3" in text and "Input: f(0)" in text
    assert "starts a shell" in text and "shell=True" in text and "Seen 4 times" in text
    assert describe_defects(FuzzReport(target="f", executions=3, seconds=0.1)) == \
        "Fuzzing `f` with 3 inputs found no defects."
    long_input = Defect(kind="hang", input="f(" + "1234567, " * 100 + "0)", message="no result within 1 s")
    text = describe_defects(FuzzReport(target="f", executions=9, seconds=1.0, defects=(long_input,)))
    assert "f(1234567, 1234567" in text and "... [input cut here, 904 characters in all]" in text
    cut = Defect(kind="hang", input="f('" + "a" * 2000 + "...<truncated>", message="no result within 1 s")
    assert "[input cut here, over 2003 characters in all]" in describe_defects(
        FuzzReport(target="f", executions=9, seconds=1.0, defects=(cut,)))
    broken = FuzzReport(target="f", executions=2, seconds=0.1, errors=("the code cannot be imported: X",))
    assert describe_defects(broken) == "Fuzzing `f` could not run properly: the code cannot be imported: X"
