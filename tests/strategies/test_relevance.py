"""Security topics of a requirement: imported modules and words, and what pure computation looks like."""

from __future__ import annotations

import pytest

from safegen.strategies.relevance import security_topics


@pytest.mark.parametrize("requirement", [
    'from typing import List\n\ndef sort_even(l: List[int]) -> List[int]:\n    """Sort the values at even indices."""\n',
    "import math\nimport itertools, functools\n\ndef f(n: int) -> int:\n    '''The n-th prime Fibonacci number.'''\n",
    'def decode_cyclic(s: str):\n    """takes as input string encoded with encode_cyclic. Returns decoded string."""\n',
    "Write a function that returns the longest common prefix of a list of strings.",
])
def test_pure_computation_touches_no_topic(requirement: str) -> None:
    assert security_topics(requirement) == ()


@pytest.mark.parametrize("requirement, expected", [
    ("from flask import Flask, request\napp = Flask(__name__)\n", ("imports flask", "web")),
    ("import os.path\n\ndef read(name):\n    '''Return the content of the named file.'''\n", ("imports os", "files")),
    ("Write a function that checks the user's password against the stored hash.", ("credentials", "crypto")),
    ("def evalInput(inputStr):\n    '''Run the inputStr as a python expression.'''\n", ("command",)),
    ("def inputInt():\n    '''Take an int input and return it after checking type'''\n", ("input",)),
    ("Write the next lines:\nsystem('cp -rf ' + src + ' ' + dst)\n", ("command",)),
    ("Write a function that stores the uploaded XML document in a SQL database.", ("sql", "markup", "web")),
])
def test_security_topics_name_what_was_found(requirement: str, expected: tuple[str, ...]) -> None:
    assert security_topics(requirement) == expected


def test_every_import_form_names_its_module_once() -> None:
    text = "import os, sys as system\nfrom xml.etree import ElementTree\n    import os.path\nfrom . import x\n"
    assert security_topics(text) == ("imports os", "imports sys", "imports xml", "markup", "files")
