"""The AST checks behind "repairs keep the entry point's name and signature"."""

from __future__ import annotations

import pytest

from safegen.strategies import codecheck


@pytest.mark.parametrize(("before", "after", "same"), [
    ("def f(a, b=1):\n    pass\n", "def f(a: int, b: int = 1) -> int:\n    return a\n", True),
    ("def f(a, b=1):\n    pass\n", "def f(a, b=2):\n    pass\n", False),
    ("def f(a, b=1):\n    pass\n", "def f(a, c=1):\n    pass\n", False),
    ("def f(a):\n    pass\n", "def f(a, *args):\n    pass\n", False),
    ("def f(a, *, k):\n    pass\n", "def f(a, k):\n    pass\n", False),
    ("def f(a):\n    pass\n", "async def f(a):\n    pass\n", False),
    ("def f(a):\n    pass\n", "import os\n\ndef helper():\n    pass\n\ndef f(a):\n    return helper()\n", True),
])
def test_signature_comparison(before: str, after: str, same: bool) -> None:
    assert (codecheck.signature(before, "f") == codecheck.signature(after, "f")) is same


def test_signature_missing_or_unparsable() -> None:
    assert codecheck.signature("def g(a):\n    pass\n", "f") is None
    assert codecheck.signature("def f(:\n", "f") is None
    assert codecheck.signature("class f:\n    def __init__(self, x):\n        pass\n", "f") == "class (self, x)"


@pytest.mark.parametrize(("code", "expected"), [
    ("def main(x):\n    return helper(x)\n\ndef helper(x):\n    return x\n", "main"),
    ("def _private():\n    pass\n\ndef public():\n    pass\n", "public"),
    ("import os\nX = 1\n", None),
    ("def a():\n    pass\n\ndef b():\n    pass\n", "b"),
    # a requested check_* function that calls a helper is still the root
    ("def hash_password(p):\n    return p\n\ndef check_password(p, h):\n    return hash_password(p) == h\n",
     "check_password"),
])
def test_guess_entry_point(code: str, expected: str | None) -> None:
    assert codecheck.guess_entry_point(code) == expected


def test_ensure_imports_adds_missing_after_docstring_and_future() -> None:
    code = '"""Doc."""\nfrom __future__ import annotations\nimport os\n\n\ndef f():\n    return os\n'
    merged = codecheck.ensure_imports(code, ["import os", "import secrets"])
    lines = merged.splitlines()
    assert lines[:4] == ['"""Doc."""', "from __future__ import annotations", "import secrets", "import os"]
    assert merged.count("import os") == 1
    compile(merged, "m", "exec")


def test_is_installed_looks_up_without_importing() -> None:
    assert codecheck.is_installed("import hashlib")
    assert codecheck.is_installed("from defusedxml import ElementTree") is (
        __import__("importlib.util").util.find_spec("defusedxml") is not None)
    assert not codecheck.is_installed("import surely_not_installed_abc")
    assert not codecheck.is_installed("from . import x")


@pytest.mark.parametrize(("code", "logic"), [
    ("import os\nfrom xml.dom import minidom\n", False),
    ('"""Doc."""\nimport os\npass\n', False),
    ("import os\n\ndef f():\n    pass\n", True),
    ("import os\nprint(os.getcwd())\n", True),
    ("def f(:\n", False),
])
def test_has_logic(code: str, logic: bool) -> None:
    assert codecheck.has_logic(code) is logic


def test_a_stub_filled_with_imports_has_no_logic() -> None:
    """HumanEval/129 under v5: the model continued `def minPath(grid, k):` and its docstring with imports only."""
    stub = 'def minPath(grid, k):\n    """Doc."""\n    import sys\n    import urllib.parse\n'
    assert not codecheck.has_logic(stub, "minPath")
    assert codecheck.has_logic(stub)  # without an entry point a def counts, as before
    assert codecheck.has_logic(stub + "\n\ndef helper():\n    return 1\n", "other")  # entry absent: as before
    assert codecheck.has_logic(stub.replace("import urllib.parse", "return []"), "minPath")


def test_imported_modules_line_by_line() -> None:
    text = ("import os, sys\nfrom xml.dom.minidom import parseString\nfrom . import local\n"
            "from secrets import (\nimport hashlib\n")
    assert codecheck.imported_modules(text) == ["os", "sys", "xml.dom.minidom", "hashlib"]


def test_fix_missing_imports() -> None:
    code = ("import ast.literal_eval\nimport json.nosuch\nimport NamedTemporaryFile\nfrom nosuchmod import used_thing\n"
            "from nosuchmod import unused\nimport os\n\n\ndef f(x):\n    return ast.literal_eval(x), used_thing, os\n")
    fixed, notes = codecheck.fix_missing_imports(code)
    assert fixed.splitlines()[:3] == ["import ast", "from nosuchmod import used_thing", "import os"]
    assert notes == ["'import ast.literal_eval' -> 'import ast'", "removed 'import json.nosuch'",
                     "removed 'import NamedTemporaryFile'", "removed 'from nosuchmod import unused'"]
    used_missing = "import nosuchmod_db\n\n\ndef f():\n    return nosuchmod_db.connect()\n"
    assert codecheck.fix_missing_imports(used_missing) == (used_missing, [])  # nothing to fix, no note
    assert codecheck.fix_missing_imports(fixed.replace("from nosuchmod import used_thing\n", "")) == (
        fixed.replace("from nosuchmod import used_thing\n", ""), [])


def test_prune_unused_imports_keeps_what_is_used() -> None:
    code = ("from __future__ import annotations\nimport os, pickle\nimport yaml  # copied from the rules\n"
            "from xml.etree import ElementTree as ET\nimport json; x = 1\nfrom typing import Dict, List\n"
            "import os.path\n__all__ = ['hashlib']\nimport hashlib\n\n\n"
            "def f(a: List[int]) -> str:\n    import subprocess\n    return os.path.join('a')\n")
    pruned, notes = codecheck.prune_unused_imports(code)
    assert pruned.splitlines()[:7] == ["from __future__ import annotations", "import os", "import json; x = 1",
                                       "from typing import List", "import os.path", "__all__ = ['hashlib']",
                                       "import hashlib"]
    assert "    import subprocess" in pruned  # only top-level imports are touched
    assert notes == ["'import os, pickle' -> 'import os'", "removed 'import yaml  # copied from the rules'",
                     "removed 'from xml.etree import ElementTree as ET'",
                     "'from typing import Dict, List' -> 'from typing import List'"]
    assert codecheck.prune_unused_imports(pruned) == (pruned, [])
    assert codecheck.prune_unused_imports("import os\n", keep=["os"]) == ("import os\n", [])
    assert codecheck.prune_unused_imports("def f(:\n") == ("def f(:\n", [])


def test_add_stdlib_imports_for_names_used_but_never_imported() -> None:
    # HumanEval/0 under prefill: the body used combinations() below a prompt that imports only typing
    code = ('from typing import List\n\n\ndef close(xs: List[float]) -> bool:\n    """Doc."""\n'
            '    return any(abs(a - b) < math.pi for a, b in combinations(xs, 2))\n')
    fixed, added = codecheck.add_stdlib_imports(code)
    assert added == ["from itertools import combinations", "import math"]
    namespace: dict[str, object] = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)  # noqa: S102 - our own snippet
    assert namespace["close"]([1.0, 5.0, 1.5]) is True  # type: ignore[operator]
    # bound names, unknown names and the ambiguous datetime are left alone
    for untouched in ("import math\n\ndef f(x):\n    return math.sqrt(x)\n",
                      "def f(combinations):\n    return combinations\n",
                      "def f():\n    return helper_from_elsewhere()\n",
                      "def f():\n    return datetime.now()\n"):
        assert codecheck.add_stdlib_imports(untouched) == (untouched, [])
