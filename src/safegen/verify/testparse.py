"""Turn the model's test code into self-contained derived tests: one per test function or top-level assert.

Never raises on model output: what cannot be used is dropped with a note saying why.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from safegen.astutil import DEFINITIONS, FUNCTIONS, names_read, parse, top_level_bound
from safegen.verify import contract, shim
from safegen.verify.records import DerivedTest

MAX_ANSWER = 20_000  # characters of an answer looked at: a handful of tests is far shorter
MAX_CHUNKS = 300  # top-level chunks tried one by one when an answer does not parse as a whole
MAX_PARSES = 400  # parse attempts per answer when salvaging: bounds the cost of long degenerate output
TEST_FILE = "tests.py"

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                    re.DOTALL | re.MULTILINE)
_PYTHON_FENCES = frozenset({"", "python", "python3", "py", "py3"})
# Statements of a test body that run in order without branching: such a body splits at its asserts.
_STRAIGHT = (ast.Assert, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Import, ast.ImportFrom, ast.Pass)
# Lines that continue the chunk before them although they start at column 0.
_CONTINUES = re.compile(r"^(?:[)\]}]|else\b|elif\b|except\b|finally\b)")


@dataclass(frozen=True)
class Parsed:
    """Derived tests from one answer, and notes on what was dropped."""

    tests: tuple[DerivedTest, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Unit:
    name: str
    nodes: tuple[ast.stmt, ...]  # the test itself (a runner is added for a TestCase method)
    checked: ast.AST  # what must reach the entry point and expect only documented exceptions
    position: int  # index of its first statement in the module: asserts see only the prelude before them
    is_function: bool


def code_regions(text: str) -> list[str]:
    """The Python fences of an answer (an unclosed one runs to the end), else the whole answer."""
    text = _THINK.sub("", text[:MAX_ANSWER].replace("\r\n", "\n"))
    fenced = [m.group(3) for m in _FENCE.finditer(text) if m.group(2).lower() in _PYTHON_FENCES]
    return fenced or [text]


def _chunks(code: str) -> list[tuple[int, str]]:
    """Top-level pieces with their first line: a line at column 0 starts one, unless it continues the last."""
    chunks: list[tuple[int, list[str]]] = []
    decorators: list[str] = []
    for number, line in enumerate(code.split("\n"), start=1):
        starts = bool(line) and not line[0].isspace() and not _CONTINUES.match(line)
        if starts and line.startswith("@"):
            decorators.append(line)
        elif starts or not chunks:
            chunks.append((number - len(decorators), decorators + [line]))
            decorators = []
        else:
            chunks[-1][1].append(line)
    return [(first, "\n".join(lines)) for first, lines in chunks[:MAX_CHUNKS]]


def _trimmed(chunk: str, budget: list[int]) -> ast.Module | None:
    """The chunk, else its longest head that parses: a test cut off by the token limit keeps its complete
    lines (``budget`` counts parse attempts left for the whole answer)."""
    lines = chunk.rstrip().split("\n")
    for cut in range(len(lines), 0, -1):
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        tree = parse("\n".join(lines[:cut]))
        if tree is not None:
            return tree if tree.body else None
    return None


def salvage(code: str) -> tuple[list[ast.stmt], int]:
    """The statements of ``code``; when it does not parse, those of its top-level chunks that do, each
    trimmed to its longest head that parses, and how many chunks had to be dropped or trimmed (prose
    between tests, a test cut off by the token limit)."""
    tree = parse(code)
    if tree is not None:
        return list(tree.body), 0
    body: list[ast.stmt] = []
    damaged = 0
    budget = [MAX_PARSES]
    for first, chunk in _chunks(code):
        if not chunk.strip():
            continue
        part = parse(chunk)
        if part is None:
            damaged += 1
            part = _trimmed(chunk, budget)
        if part is not None:
            body.extend(ast.increment_lineno(part, first - 1).body)
    return body, damaged


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__name__" in names_read(node.test)


def _is_noise(node: ast.stmt, test_names: set[str]) -> bool:
    """Top-level statements a test file needs not: docstrings, prints, calls of the tests, ``*.main()``."""
    if not isinstance(node, ast.Expr):
        return False
    value = node.value
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Call):
        function = value.func
        name = function.id if isinstance(function, ast.Name) else function.attr if isinstance(
            function, ast.Attribute) else ""
        return name in test_names or name in ("print", "main")
    return False


def _required(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return len(node.args.posonlyargs) + len(node.args.args) - len(node.args.defaults)


def _is_testcase(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        (base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else "")
        .endswith("TestCase") for base in node.bases)


def _has_assert(node: ast.stmt) -> bool:
    return any(isinstance(inner, ast.Assert) for inner in ast.walk(node))


def split_asserts(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, ast.stmt]]:
    """A straight-line test with several asserts as one test per assert (each with the setup before it):
    one wrong expectation then costs that assert only, not the right ones written beside it."""
    asserts = [i for i, statement in enumerate(node.body) if isinstance(statement, ast.Assert)]
    straight = all(isinstance(statement, _STRAIGHT) for statement in node.body)
    if len(asserts) < 2 or not straight or not isinstance(node, ast.FunctionDef):
        return [(node.name, node)]
    parts: list[tuple[str, ast.stmt]] = []
    for number, index in enumerate(asserts, start=1):
        setup = [statement for statement in node.body[:index] if not isinstance(statement, ast.Assert)]
        function = ast.FunctionDef(name=f"{node.name}_{number}", args=node.args, body=[*setup, node.body[index]],
                                   decorator_list=[], returns=None, type_comment=None)
        parts.append((f"{node.name}[{number}]", ast.fix_missing_locations(ast.copy_location(function, node))))
    return parts


class _Split:
    """Sort the statements of the answer into the prelude (imports, helpers, data) and the tests."""

    def __init__(self, body: Sequence[ast.stmt], entry_point: str) -> None:
        self.entry = entry_point
        self.prelude: list[tuple[int, ast.stmt]] = []
        self.units: list[_Unit] = []
        self.notes: list[str] = []
        candidates = {n.name for n in body if isinstance(n, FUNCTIONS) and n.name.startswith("test")}
        kept = [n for n in body if not (_is_main_guard(n) or _is_noise(n, candidates))]
        referenced = set().union(*(names_read(n) for n in kept)) if kept else set()  # helpers named test*
        for position, node in enumerate(body):
            self._sort(position, node, candidates, referenced)

    def _sort(self, position: int, node: ast.stmt, test_names: set[str], referenced: set[str]) -> None:
        if self.entry in top_level_bound(node) and not isinstance(node, (ast.Import, ast.ImportFrom)):
            self.notes.append(f"dropped the answer's own definition of `{self.entry}` (line {node.lineno})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and self.entry in top_level_bound(node):
            pass  # "from solution import f": the tests run where the candidate's code is defined
        elif _is_main_guard(node) or _is_noise(node, test_names):
            pass
        elif isinstance(node, FUNCTIONS) and node.name.startswith("test") and node.name not in referenced:
            if node.decorator_list or _required(node):
                self.notes.append(f"dropped {node.name}: it needs pytest fixtures or decorators")
            else:
                for name, function in split_asserts(node):
                    self.units.append(_Unit(name, (function,), function, position, True))
        elif _is_testcase(node):
            assert isinstance(node, ast.ClassDef)
            self.prelude.append((position, node))
            for method in node.body:
                if isinstance(method, FUNCTIONS) and method.name.startswith("test"):
                    runner = ast.parse(f"def test_{node.name}_{method.name}():\n"
                                       f"    {node.name}({method.name!r}).debug()\n").body[0]
                    self.units.append(_Unit(f"{node.name}.{method.name}", (runner,), method, position, True))
        elif isinstance(node, ast.Assert) or (not isinstance(node, DEFINITIONS) and _has_assert(node)):
            kind = "assert" if isinstance(node, ast.Assert) else "block"
            self.units.append(_Unit(f"{kind}_line{node.lineno}", (node,), node, position, False))
        else:
            self.prelude.append((position, node))

    def _needed(self, unit: _Unit) -> tuple[set[str], list[ast.stmt]]:
        """The names the test reads, through the prelude's helpers and values, and the prelude it needs."""
        seen = set(names_read(unit.checked)) | set().union(*(names_read(node) for node in unit.nodes))
        visible = [node for position, node in self.prelude if unit.is_function or position < unit.position]
        changed = True
        while changed:
            changed = False
            for node in visible:
                if top_level_bound(node) & seen and not names_read(node) <= seen:
                    seen |= names_read(node)
                    changed = True
        needed = [node for node in visible if top_level_bound(node) & seen
                  or not top_level_bound(node) and names_read(node) & seen]
        return seen, needed

    def reaches_entry(self, unit: _Unit) -> bool:
        """Whether the test reads the entry point, itself or through the prelude's helpers and values."""
        return self.entry in self._needed(unit)[0]

    def source(self, unit: _Unit) -> str:
        """The unit as a test file: the shim if it reads ``pytest``, the prelude it uses, the test."""
        lines: list[str] = []
        for node in self._needed(unit)[1]:
            lines.extend(shim.pytest_aliases(node) if shim.is_pytest_import(node) else [ast.unparse(node)])
        lines.extend(ast.unparse(node) for node in unit.nodes)
        text = "\n".join(lines) + "\n"
        if "pytest" in names_read(ast.parse(text)):
            text = shim.PYTEST_SHIM + text
        return text


def _compiles(source: str) -> bool:
    try:
        compile(source, TEST_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _shape(node: ast.AST) -> str:
    """The test's code without its name, to spot the same test written twice."""
    if isinstance(node, FUNCTIONS):
        return ast.dump(ast.Module(body=node.body, type_ignores=[]))
    return ast.dump(node)


def _unique(name: str, taken: set[str]) -> str:
    unique, number = name, 2
    while unique in taken:
        unique, number = f"{name}#{number}", number + 1
    taken.add(unique)
    return unique


def parse_tests(text: str, entry_point: str, requirement: str, *, limit: int) -> Parsed:
    """Derived tests in a model answer: each must compile, call ``entry_point`` and keep to the contract."""
    body: list[ast.stmt] = []
    notes: list[str] = []
    for region in code_regions(text or ""):
        statements, dropped = salvage(region)
        body.extend(statements)
        if dropped:
            notes.append(f"dropped or cut {dropped} unparsable piece(s) of the answer")
    if not body:
        return Parsed((), (*notes, "the answer held no parsable test code" if (text or "").strip()
                               else "the answer was empty"))
    split = _Split(body, entry_point)
    notes.extend(split.notes)
    tests: list[DerivedTest] = []
    seen: set[str] = set()
    taken: set[str] = set()
    for unit in split.units:
        if not split.reaches_entry(unit):
            notes.append(f"dropped {unit.name}: it does not call `{entry_point}`")
            continue
        invented = contract.undocumented(contract.expected_exceptions(unit.checked), requirement)
        if invented:
            notes.append(f"dropped {unit.name}: it expects {', '.join(sorted(invented))}, "
                         "which the requirement does not mention")
            continue
        source = split.source(unit)
        if not _compiles(source):
            notes.append(f"dropped {unit.name}: it does not compile")
            continue
        shape = _shape(unit.checked)
        if shape in seen:
            continue  # the same test under another name
        seen.add(shape)
        tests.append(DerivedTest(name=_unique(unit.name, taken), source=source))
    if len(tests) > limit:
        notes.append(f"kept the first {limit} of {len(tests)} tests")
        tests = tests[:limit]
    if not tests:
        notes.append("no usable test in the answer")
    return Parsed(tuple(tests), tuple(notes))
