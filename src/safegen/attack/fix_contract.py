"""The requirement's stated answer to rejected input, kept when a fix's refusal happens inside the function.

The code-injection fix refuses attacker input with ValueError (attack/restricted.py). A function that catches
every exception and returns its message turns that refusal into an ordinary answer ("Import is not allowed"),
and one that lets it through may break a contract that says what rejected input gets. When the requirement
states that answer (``raise a ValueError if the code tries to execute disallowed operations``, ``returns
'Error!' if input is deemed untrustworthy``), the function is wrapped so that a refusal inside it ends in that
answer, whatever its own handlers did. Input the fix did not refuse is answered as before.
"""

from __future__ import annotations

import builtins
import re

from safegen import astutil
from safegen.attack.fix_edits import find_function, first_line

# Words by which a requirement names the input a function must reject, strongest first: a line that names the
# rejected input in these words is the contract for what the fix refuses (measured on the SecCodePLT dev sample).
REJECTION_WORDS = ("disallowed", "not allowed", "forbidden", "prohibited", "unsafe", "untrusted", "untrustworthy",
                   "malicious", "dangerous", "harmful", "restricted", "not permitted", "insecure", "invalid")
_EXCEPTION = re.compile(r"\b([A-Z][A-Za-z]*(?:Error|Exception))\b")
_RAISE = re.compile(r"\b(?:raise[sd]?|throws?|raising)\b", re.IGNORECASE)
_RETURN_LITERAL = re.compile(r"\breturns?\b[^'\"\n]*?(['\"])([^'\"\n]{1,40})\1", re.IGNORECASE)
REFUSALS = "_SAFEGEN_REFUSALS"  # the list attack/restricted.py's refusals are recorded in


def refusal_contract(requirement: str) -> tuple[str, str] | None:
    """("raise", exception class) or ("return", a string literal's source) that the requirement states for
    rejected input; None when it states neither, or names an exception that is not a builtin one."""
    lines = [line.strip() for line in requirement.splitlines() if line.strip()]
    for word in REJECTION_WORDS:
        for line in lines:
            if word not in line.lower():
                continue
            literal = _RETURN_LITERAL.search(line)
            if literal:
                return "return", repr(literal.group(2))
            exception = _EXCEPTION.search(line)
            if exception and (_RAISE.search(line) or line.lstrip("- ").startswith(exception.group(1))):
                kind = getattr(builtins, exception.group(1), None)
                if isinstance(kind, type) and issubclass(kind, Exception):
                    return "raise", exception.group(1)
    return None


def _wrapper(contract: tuple[str, str]) -> tuple[str, ...]:
    how, what = contract
    answer = f"return {what}" if how == "return" else f"raise {what}(_SAFEGEN_REFUSALS[-1]) from None"
    return (
        "def _safegen_keep_contract(function):",
        "    # safegen exploit fix: input the fix refused gets the answer the requirement states for it",
        "    import functools",
        "",
        "    @functools.wraps(function)",
        "    def kept(*args, **kwargs):",
        f"        del {REFUSALS}[:]",
        "        try:",
        "            result = function(*args, **kwargs)",
        "        except ValueError:",
        f"            if not {REFUSALS}:",
        "                raise",
        f"            {answer}",
        f"        if {REFUSALS}:",
        f"            {answer}",
        "        return result",
        "",
        "    return kept",
        "",
        "",
    )


def keep_refusal_contract(code: str, name: str, requirement: str) -> str | None:
    """``code`` with ``name`` wrapped so that a refusal recorded inside it answers as the requirement states;
    None when the requirement states no such answer, the module records no refusals, or it is wrapped already."""
    contract = refusal_contract(requirement)
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if contract is None or function is None or f"{REFUSALS} = " not in code or "_safegen_keep_contract" in code:
        return None
    lines = code.splitlines()
    start = first_line(function) - 1
    fixed = "\n".join(lines[:start] + list(_wrapper(contract)) + ["@_safegen_keep_contract"] + lines[start:]) + "\n"
    return fixed if astutil.parse(fixed) is not None else None
