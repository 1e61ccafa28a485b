"""Code that cannot run as written: undefined names and called placeholders are found from the syntax tree, and
with the completion flag the answer gets a repair round that must leave fewer of them.

The model is scripted (control flow); the analyzers and the sandbox are real.
"""

from __future__ import annotations

from collections.abc import Sequence

from strategy_helpers import fenced

from safegen.backends.interface import ChatMessage, GenerationParams
from safegen.strategies.completeness import missing_parts
from safegen.strategies.safegen import SafegenStrategy
from safegen.types import Task

CALLS_MISSING = ("def total_price(items):\n    return sum(price_of(item) for item in items)\n")
PLACEHOLDER = ("def total_price(items):\n    return sum(price_of(item) for item in items)\n\n\n"
               "def price_of(item):\n    # implement the lookup here\n    pass\n")
COMPLETE = ("def total_price(items):\n    return sum(price_of(item) for item in items)\n\n\n"
            "def price_of(item):\n    return item['price'] * item.get('quantity', 1)\n")
TASK = Task("total", "Write a function total_price(items) that returns the sum of each item's price times its "
                     "quantity (1 when absent).", entry_point="total_price")


def test_names_nothing_defines_and_called_placeholders_are_missing_parts() -> None:
    assert missing_parts(CALLS_MISSING) == ("`price_of` is used but never defined or imported",)
    assert missing_parts(PLACEHOLDER) == ("`price_of` is called but only a placeholder (its body does nothing)",)
    nested = "def run(q):\n    def parse(q):\n        raise NotImplementedError('later')\n    return parse(q)\n"
    assert missing_parts(nested) == ("`parse` is called but only a placeholder (its body does nothing)",)
    assert missing_parts(COMPLETE) == ()


def test_what_the_setup_defines_uncalled_placeholders_and_methods_are_not_missing() -> None:
    assert missing_parts("def area(r):\n    return PI * r * r\n", "PI = 3.14159") == ()
    assert missing_parts("def area(r):\n    return math.pi * r * r\n", "import math") == ()
    assert missing_parts("def hook():\n    pass\n\n\ndef area(r):\n    return 3 * r * r\n") == ()
    abstract = ("class Shape:\n    def area(self):\n        pass\n\n\n"
                "class Square(Shape):\n    def __init__(self, s):\n        self.s = s\n\n"
                "    def area(self):\n        return self.s ** 2\n\n\ndef area_of(s):\n    return Square(s).area()\n")
    assert missing_parts(abstract) == ()
    assert missing_parts("from os.path import *\n\ndef f(p):\n    return join(p, 'x')\n") == ()
    assert missing_parts("def f(:\n") == ()  # unparsable: other checks say so


class Routed:
    """Replies by request: the first answer, then the completion repairs (the last repeats)."""

    def __init__(self, first: str, repairs: Sequence[str]) -> None:
        self.first, self.repairs, self.log = first, list(repairs), []  # type: list[str]

    def __call__(self, messages: Sequence[ChatMessage], params: GenerationParams) -> str:
        if messages[-1].content.startswith("Your code cannot run as written"):
            self.log.append("complete")
            return fenced(self.repairs.pop(0) if len(self.repairs) > 1 else self.repairs[0])
        self.log.append("code")
        return fenced(self.first)


def _run(make_ctx, script: Routed, **flags: object):  # type: ignore[no-untyped-def]
    return SafegenStrategy(attacks=False, rule_fixes=False, **flags).run(TASK, make_ctx(script))  # type: ignore[arg-type]


def test_a_placeholder_answer_is_completed_by_a_repair_round(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed(PLACEHOLDER, [COMPLETE])
    record = _run(make_ctx, script, completion=True)
    rounds = [r for r in record.rounds if r.kind == "complete"]
    assert len(rounds) == 1 and rounds[0].accepted and "`price_of` is called but only a placeholder" in rounds[0].prompt
    assert record.final is not None and record.final.code.strip() == COMPLETE.strip()


def test_a_repair_that_leaves_the_parts_missing_is_rejected_and_the_flag_is_off_by_default(make_ctx) -> None:  # type: ignore[no-untyped-def]
    script = Routed(CALLS_MISSING, [PLACEHOLDER])  # the helper now exists, but only as a placeholder
    record = _run(make_ctx, script, completion=True)
    rounds = [r for r in record.rounds if r.kind == "complete"]
    assert len(rounds) == 1 and not rounds[0].accepted
    assert "missing parts not reduced (1 >= 1)" in rounds[0].reason
    assert record.final is not None and record.final.code.strip() == CALLS_MISSING.strip()

    plain = Routed(CALLS_MISSING, [COMPLETE])
    record = _run(make_ctx, plain)
    assert "complete" not in plain.log and not record.rounds
