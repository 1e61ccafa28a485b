"""Security topics of a requirement: imported modules and words, and what pure computation looks like.

The requirements are written for these tests (no benchmark prompt), one per shape: a Python prompt, prose,
a snippet to complete.
"""

from __future__ import annotations

import pytest

from safegen.strategies import heuristics
from safegen.strategies.relevance import security_topics


@pytest.mark.parametrize("requirement", [
    ('from typing import List\n\ndef interleave(a: List[int], b: List[int]) -> List[int]:\n'
     '    """Alternate the items of two lists, starting with the first."""\n'),
    ("import math\nimport itertools, functools\n\ndef square_triangular(n: int) -> int:\n"
     "    '''The n-th triangular number that is also a perfect square.'''\n"),
    'def rotate_left(s: str, k: int) -> str:\n    """Return s rotated left by k characters."""\n',
    "Write a function that returns the median of three numbers.",
])
def test_pure_computation_touches_no_topic(requirement: str) -> None:
    assert security_topics(requirement) == ()


@pytest.mark.parametrize("requirement, expected", [
    ("from flask import Blueprint\nnotes = Blueprint('notes', __name__)\n", ("imports flask", "web")),
    ("import os.path\n\ndef newest_backup(folder):\n    '''Return the name of the newest .bak file in folder.'''\n",
     ("imports os", "files")),
    ("Write a function that checks a login attempt against the stored password hash.", ("credentials", "crypto")),
    ("def calculate(formula):\n    '''Compute the formula, given as a python expression, and return it.'''\n",
     ("command",)),
    ("def ask_age():\n    '''Read an integer input from the keyboard and return it.'''\n", ("input",)),
    ("Complete the snippet:\nos.popen('tar czf ' + name)\n", ("command", "files")),
    ("Write a function that stores an uploaded HTML page in a SQL table.", ("sql", "markup", "web")),
])
def test_security_topics_name_what_was_found(requirement: str, expected: tuple[str, ...]) -> None:
    assert security_topics(requirement) == expected


def test_every_import_form_names_its_module_once() -> None:
    text = "import os, sys as system\nfrom xml.etree import ElementTree\n    import os.path\nfrom . import x\n"
    assert security_topics(text) == ("imports os", "imports sys", "imports xml", "markup", "files")


def test_words_match_at_word_starts_only() -> None:
    assert security_topics("Write a function that sorts the reports by date.") == ()  # "reports" is not "ports"
    assert security_topics("Write a function that opens the ports list.") == ("web",)


def test_every_heuristic_table_loads_and_each_entry_gives_a_one_line_reason() -> None:
    # the loaders reject an entry without its key or with a missing or multi-line reason
    assert [topic for topic, _ in heuristics.topic_patterns()][:2] == ["sql", "command"]
    assert "math" in heuristics.computation_modules() and "os" not in heuristics.computation_modules()
    assert "secrets" in heuristics.security_modules() and "random" not in heuristics.security_modules()
    assert heuristics.stdlib_names()["combinations"] == "itertools"
    assert heuristics.ambiguous_modules() == frozenset({"datetime"})
    assert "check" in heuristics.check_prefixes() and "main" not in heuristics.check_prefixes()


@pytest.mark.parametrize("entry", [{"module": "x"}, {"module": "x", "reason": " "}, {"module": "x", "reason": "a\nb"},
                                   {"reason": "no module"}])
def test_a_table_entry_without_a_one_line_reason_is_refused(entry: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="one-line reason"):
        heuristics._reasoned([entry], "module")
