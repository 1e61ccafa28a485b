"""A URL compared whole with the module's list of host names: every real URL is refused.

Small models write ``if callback_url not in ALLOWED_RETURN_DOMAINS: raise ValueError(...)`` where the set holds
bare host names (``'app.example.com'``): no URL ever equals one, so the function refuses every input its own
allow-list permits. The fix compares the URL's host instead (``_safegen_host_of``); a value that is not an
absolute URL is compared as it is, so input that matched before still matches and nothing else changes. With the
``host_lists`` flag (strategies/verify_options.py) the fixed version replaces the answer when it keeps everything
its parent had (never worse: attacks, tests, static verdict); the parent, known to refuse what it should accept,
leaves the ranking.
"""

from __future__ import annotations

import ast

from safegen import astutil
from safegen.attack.fix_allow_lists import HOST, string_lists
from safegen.attack.fix_edits import find_function, insert_at_top, parameters
from safegen.fixes.source import SourceIndex, apply_edits, replace
from safegen.strategies.state import RunState
from safegen.types import Candidate

HELPER = (
    "from urllib.parse import urlsplit as _safegen_urlsplit",
    "",
    "",
    "def _safegen_host_of(value):",
    "    # safegen fix: an absolute URL's host, to compare with a list of host names; other values as they are",
    "    try:",
    "        host = _safegen_urlsplit(value).hostname if isinstance(value, str) and '//' in value else None",
    "    except ValueError:",
    "        host = None",
    "    return host or value",
    "",
    "",
)


def host_lists(module: str) -> set[str]:
    """Names of the module-level lists, sets and tuples made only of bare host names."""
    return {name for name, texts in string_lists(module)
            if all(HOST.match(text.strip().lower()) for text in texts)}


def compare_hosts(code: str, name: str, context: str = "") -> str | None:
    """``code`` with each ``param in HOSTS`` / ``param not in HOSTS`` of the function ``name`` comparing the
    parameter's host, where HOSTS is a list of bare host names in the module (or the setup before it); None when
    there is no such test or the code does not parse."""
    try:
        index = SourceIndex(code)
    except (SyntaxError, ValueError):
        return None
    function = find_function(index.tree, name)
    if function is None:
        return None
    lists, params = host_lists(astutil.with_context(context, code)), {a.arg for a in parameters(function)}
    edits = [replace(index, node.left, f"_safegen_host_of({node.left.id})") for node in ast.walk(function)
             if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))
             and isinstance(node.left, ast.Name) and node.left.id in params
             and isinstance(node.comparators[0], ast.Name) and node.comparators[0].id in lists]
    if not edits:
        return None
    edited = apply_edits(code, edits)
    tree = astutil.parse(edited)
    function = find_function(tree, name) if tree is not None else None
    return insert_at_top(edited, function, [], HELPER) if function is not None else None


def fix(state: RunState, candidate: Candidate) -> Candidate | None:
    """The host-comparing version of ``candidate``, analyzed and attacked like any repair; None when the fix does
    not apply, rejected when it loses anything. An accepted fix takes its parent's place in the ranking."""
    if not state.verify.host_lists or not candidate.code or not state.entry_point:
        return None
    from safegen.strategies.repair import judge_kept
    from safegen.strategies.verification import new_version

    code = compare_hosts(candidate.code, state.entry_point, state.task.context or "")
    if code is None:
        return None
    child = new_version(state, candidate, code, "host-fix")
    reason = judge_kept(state, candidate, child)
    if reason:
        return state.reject(child, reason)
    state.reject(candidate, f"compares whole URLs with a list of host names, refusing every URL on it "
                            f"({child.candidate_id} compares their hosts)")
    return child
