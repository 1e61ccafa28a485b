"""Payloads derived from the candidate's own code: ReDoS attack strings for the regular expressions it uses.

A generic ReDoS payload rarely fits a pattern (a URL pattern backtracks only after a valid scheme and host).
regexploit reads each pattern literal the code passes to ``re`` and builds the string that makes that pattern
backtrack: its prefix, the repeated character, and the character that makes the match fail. The string is long
enough to take seconds where the backtracking is exponential or polynomial; the ``resource`` oracle confirms it
by the sandbox's time limit, as for every other payload. Nothing runs here but parsing.
"""

from __future__ import annotations

import ast
import logging
import warnings
from collections.abc import Callable

from safegen import astutil

RE_FUNCTIONS = frozenset({"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"})
MAX_PATTERN = 400  # longer patterns (and many alternatives) are skipped: expanding them can take long
MAX_BRANCHES = 12
MAX_PAYLOADS = 4


def _pattern_literals(tree: ast.Module) -> list[str]:
    """String patterns passed to ``re.<function>`` (literally, or by a module-level name bound to one)."""
    constants: dict[str, str] = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = statement.value.value
    found: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in RE_FUNCTIONS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("re", "regex")):
            continue
        argument = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "pattern"), None)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.append(argument.value)
        elif isinstance(argument, ast.Name) and argument.id in constants:
            found.append(constants[argument.id])
    return list(dict.fromkeys(found))


def _repeats(starriness: int) -> int:
    """How often to repeat the character: enough for seconds of backtracking at that degree."""
    if starriness > 10:  # exponential
        return 40
    return {1: 0, 2: 50_000, 3: 3_000}.get(starriness, 600)


def redos_strings(pattern: str) -> list[str]:
    """Attack strings for one pattern (none when regexploit finds no super-linear backtracking)."""
    if len(pattern) > MAX_PATTERN or pattern.count("|") > MAX_BRANCHES:
        return []
    try:
        with warnings.catch_warnings():  # it reads the pattern with the (deprecated) sre_parse module
            warnings.simplefilter("ignore", DeprecationWarning)
            from regexploit.ast.sre import SreOpParser
            from regexploit.redos import find
    except ImportError:  # without it the probe's generic payloads still run
        return []
    logging.getLogger("regexploit").setLevel(logging.ERROR)
    try:
        found = find(SreOpParser().parse_sre(pattern))
    except Exception:  # noqa: BLE001 - a pattern regexploit cannot parse yields no derived payload
        return []
    strings = []
    for redos in found[:2]:
        count = _repeats(redos.starriness)
        if count == 0:
            continue
        repeated, killer = redos.repeated_character, redos.killer
        if killer is not None and (both := repeated & killer) is not None:
            repeated, killer = both, None
        try:
            text = redos.example_prefix + repeated.example() * count + (killer.example() if killer else "")
        except Exception:  # noqa: BLE001 - a character class with no printable example
            continue
        strings.append(text)
    return strings


def regex_payloads(code: str) -> tuple[str, ...]:
    """The ReDoS attack strings of every pattern literal ``code`` passes to ``re``."""
    tree = astutil.parse(code)
    if tree is None:
        return ()
    payloads = [s for pattern in _pattern_literals(tree) for s in redos_strings(pattern)]
    return tuple(dict.fromkeys(payloads))[:MAX_PAYLOADS]


# Probe.derive names one of these: payloads the code itself suggests, tried after the probe's own.
DERIVERS: dict[str, Callable[[str], tuple[str, ...]]] = {"regex": regex_payloads}
