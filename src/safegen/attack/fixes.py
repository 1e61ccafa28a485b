"""Mechanical fixes for confirmed exploits, for when the model's repair rounds leave one standing.

Each fix is keyed by the probe that confirmed the exploit and rewrites the function the exploit reached. Like
every repair, a fixed version counts only after the probes are run again, the ordinary-input guard holds and
nothing else got worse (strategies/verification.py); a fix that does not apply returns None.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from safegen import astutil
from safegen.attack.fix_allow_lists import confine_urls, keep_allowed_fields, require_trusted_signature
from safegen.attack.fix_contract import keep_refusal_contract
from safegen.attack.fix_edits import Function, answers_bool, find_function, first_line, insert_at_top, parameters

STRONG_HASHES = ("sha224", "sha256", "sha384", "sha512", "sha512_224", "sha512_256", "sha3_224", "sha3_256",
                 "sha3_384", "sha3_512", "blake2b", "blake2s")
ALGORITHM_WORDS = ("alg", "hash", "digest", "method")  # a parameter naming the hash (hash_name, alg_name, ...)
GUARD = "_SAFEGEN_STRONG_HASHES"


def allow_strong_hashes(code: str, name: str) -> str | None:
    """Refuse, at the top of ``name``, any hash algorithm its caller names outside an allow-list of strong ones
    (a ``ValueError``, as a validating function raises). None when no parameter names the algorithm."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body:
        return None
    params = [a.arg for a in parameters(function)]
    chosen = next((p for p in params if any(w in p.lower() for w in ALGORITHM_WORDS)), None)
    if chosen is None or GUARD in code:
        return None
    names = tuple(n.replace("_", "") for n in STRONG_HASHES)  # compared without - and _: SHA-256, sha3_256
    return insert_at_top(code, function, [
        f"if str({chosen}).lower().replace('-', '').replace('_', '') not in {GUARD}:",
        f"    raise ValueError(f\"hash algorithm {{{chosen}!r}} is weak or not allowed\")"],
        (f"{GUARD} = frozenset({names!r})", "", ""))


MAX_INPUT = 10_000  # characters of an input's text form that one call may keep


def bound_stored_input(code: str, name: str) -> str | None:
    """Refuse, at the top of ``name``, content inputs whose text form is over ``MAX_INPUT`` characters (its
    key and sender parameters aside): ``return False`` in a function that answers True/False, else ValueError."""
    from safegen.attack.inputs import names_a_key

    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body:
        return None
    params = [a.arg for a in parameters(function)
              if not names_a_key(a.arg) and a.arg not in ("self", "cls")]
    if not params:
        return None
    refuse = "return False" if answers_bool(function) else f'raise ValueError("input over {MAX_INPUT} characters")'
    check = " or ".join(f"len(str({p})) > {MAX_INPUT}" for p in params)
    return insert_at_top(code, function, [f"if {check}:", f"    {refuse}"])


PATH_WORDS = ("file", "path", "name", "doc", "upload", "download", "resource", "attachment", "image", "report",
              "template", "page")  # a parameter that names a file to open
BASE_WORDS = ("base", "root", "dir", "folder")  # ... unless it names the directory the caller confines it to
PATH_HELPER = (
    "import os as _safegen_os",
    "",
    "",
    "def _safegen_confined(value):",
    "    # a path given by the caller may not be absolute or climb out with '..' (safegen exploit fix)",
    "    text = _safegen_os.fspath(value) if isinstance(value, (str, bytes, _safegen_os.PathLike)) else value",
    "    if isinstance(text, bytes):",
    "        text = text.decode(errors='replace')",
    "    if isinstance(text, str) and (_safegen_os.path.isabs(text) or text.startswith('~') or '..' in",
    "                                  text.replace('\\\\', '/').split('/')):",
    "        raise ValueError(f'path {text!r} leaves its directory')",
    "    return value",
    "",
    "",
)


def _pass_params_through(code: str, name: str, wrapper: str, helper: tuple[str, ...],
                         chosen: Callable[[Function, str], bool]) -> str | None:
    """``code`` with ``p = wrapper(p)`` at the top of ``name`` for each ``chosen`` parameter and ``helper`` (which
    defines the wrapper) before it; None when the function is missing, already wrapped or no parameter is chosen."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body or wrapper in code:
        return None
    params = [a.arg for a in parameters(function) if chosen(function, a.arg)]
    if not params:
        return None
    return insert_at_top(code, function, [f"{p} = {wrapper}({p})" for p in params], helper)


def _names_a_path(param: str) -> bool:
    lowered = param.lower()
    return any(w in lowered for w in PATH_WORDS) and not any(w in lowered for w in BASE_WORDS)


def confine_paths(code: str, name: str) -> str | None:
    """Refuse, at the top of ``name``, a path parameter (named like a file, path or name, not like the base
    directory) that is absolute, starts with ``~`` or has a ``..`` part: relative paths below it still work."""
    return _pass_params_through(code, name, "_safegen_confined", PATH_HELPER,
                                lambda _, param: _names_a_path(param))


ESCAPE_HELPER = (
    "import html as _safegen_html",
    "",
    "",
    "def _safegen_escape(value):",
    "    # text escaped for HTML; the items of lists, tuples and dicts escaped one by one (safegen exploit fix)",
    "    if isinstance(value, str):",
    "        return _safegen_html.escape(value)",
    "    if isinstance(value, (list, tuple)):",
    "        return type(value)(_safegen_escape(item) for item in value)",
    "    if isinstance(value, dict):",
    "        return {key: _safegen_escape(item) for key, item in value.items()}",
    "    return value",
    "",
    "",
)
ESCAPING_CALLS = ("escape", "quote", "sanitize", "clean", "bleach")  # a parameter already made safe for HTML


def _not_passed_to(calls: tuple[str, ...]) -> Callable[[Function, str], bool]:
    """Chooses the parameters the function's own code does not pass to a call whose name has one of ``calls``."""
    def chosen(function: Function, param: str) -> bool:
        handled = {arg.id for call in ast.walk(function) if isinstance(call, ast.Call)
                   and any(word in ast.unparse(call.func).lower() for word in calls)
                   for arg in ast.walk(call) if isinstance(arg, ast.Name)}
        return param not in ("self", "cls") and param not in handled

    return chosen


def escape_html_inputs(code: str, name: str) -> str | None:
    """Escape, at the top of ``name``, every input its own code does not already pass to an escaping call
    (text, and the text inside lists and dicts), so no input can open markup. None when no input is left."""
    return _pass_params_through(code, name, "_safegen_escape", ESCAPE_HELPER, _not_passed_to(ESCAPING_CALLS))


SHELL_HELPER = (
    "import shlex as _safegen_shlex",
    "",
    "",
    "def _safegen_shell_word(value):",
    "    # safegen exploit fix: text that goes into a shell command is one quoted word, never shell syntax",
    "    return _safegen_shlex.quote(value) if isinstance(value, str) else value",
    "",
    "",
)


WHOLE_COMMAND_WORDS = ("cmd", "command", "script", "argv", "args")  # a parameter that is the command line itself


def quote_shell_inputs(code: str, name: str) -> str | None:
    """Quote, at the top of ``name``, every text input its own code does not already quote (``shlex.quote``), so
    an input that reaches a shell command is one word: plain words stay as they are. A parameter that is the
    whole command line is left to the model (quoted, it would become one word). None when none is left."""
    unquoted = _not_passed_to(("quote",))

    def chosen(function: Function, param: str) -> bool:
        return unquoted(function, param) and not any(w in param.lower() for w in WHOLE_COMMAND_WORDS)

    return _pass_params_through(code, name, "_safegen_shell_word", SHELL_HELPER, chosen)


DECODE_HELPER = (
    "from urllib.parse import unquote as _safegen_unquote",
    "",
    "",
    "def _safegen_decoded(value):",
    "    # safegen exploit fix: validate what the input means, not how it is spelled (URL-decoded until stable)",
    "    for _ in range(8):",
    "        if not isinstance(value, str) or _safegen_unquote(value) == value:",
    "            return value",
    "        value = _safegen_unquote(value)",
    "    return value",
    "",
    "",
    "def _safegen_refused(value, path):",
    "    # decoded input that climbs with '..' or opens markup (and, for a path, an absolute one) is invalid",
    "    text = _safegen_decoded(value)",
    "    if not isinstance(text, str):",
    "        return False",
    "    slashed = text.replace('\\\\', '/')",
    "    absolute = slashed.startswith(('/', '~')) or slashed[1:3] == ':/'",
    "    return '..' in slashed.split('/') or any(c in text for c in '<>\"\\'\\x00') or (path and absolute)",
    "",
    "",
)


def decode_before_validating(code: str, name: str) -> str | None:
    """A validator that accepted encoded attack text: at the top of ``name``, each input is URL-decoded until it
    stops changing and refused (False, or ValueError where the function does not answer True/False) when the
    decoded text has a ``..`` part or markup characters, or is an absolute path in a path parameter; the
    function's own checks then see the decoded text. None when the function is missing or already fixed."""
    tree = astutil.parse(code)
    function = find_function(tree, name) if tree is not None else None
    if function is None or not function.body or "_safegen_decoded" in code:
        return None
    params = [a.arg for a in parameters(function) if a.arg not in ("self", "cls")]
    if not params:
        return None
    refuse = "return False" if answers_bool(function) else 'raise ValueError("invalid input")'
    checks = " or ".join(f"_safegen_refused({p}, {_names_a_path(p)})" for p in params)
    return insert_at_top(code, function, [f"if {checks}:", f"    {refuse}"]
                         + [f"{p} = _safegen_decoded({p})" for p in params], DECODE_HELPER)


ONE_LINE_HELPER = (
    "def _safegen_one_line(value):",
    "    # safegen exploit fix: a value bound for an HTTP header or cookie cannot start a new line (CR/LF removed)",
    "    if isinstance(value, str):",
    "        return value.replace('\\r', '').replace('\\n', '')",
    "    if isinstance(value, bytes):",
    "        return value.replace(b'\\r', b'').replace(b'\\n', b'')",
    "    return value",
    "",
    "",
)


def strip_line_breaks(code: str, name: str) -> str | None:
    """Remove, at the top of ``name``, CR and LF from every text input, so none can end a header line and start
    another (header or cookie injection). None when the function has no input or is already fixed."""
    return _pass_params_through(code, name, "_safegen_one_line", ONE_LINE_HELPER,
                                lambda _, param: param not in ("self", "cls"))


RESTRICTED = {"eval": "_safegen_restricted_eval", "exec": "_safegen_restricted_exec"}


def restricted_source() -> str:
    """The stand-ins for eval and exec (attack/restricted.py) as they are written into a module."""
    text = Path(__file__).with_name("restricted.py").read_text(encoding="utf-8")
    return text[text.index("import ast as _safegen_ast"):]


def _redirect_calls(code: str, tree: ast.Module, calls: dict[ast.expr, str], helper: str) -> str | None:
    """``code`` with the callee of each call in ``calls`` renamed as given and ``helper`` (module-level code
    defining the new names) placed after the module's imports; None when a callee spans lines or the result
    does not parse."""
    if not calls or any(func.lineno != func.end_lineno for func in calls):
        return None
    lines = [line.encode() for line in code.splitlines(keepends=True)]
    for func in sorted(calls, key=lambda f: (f.lineno, f.col_offset), reverse=True):  # offsets are UTF-8 bytes
        line = lines[func.lineno - 1]
        lines[func.lineno - 1] = line[:func.col_offset] + calls[func].encode() + line[func.end_col_offset or 0:]
    split = b"".join(lines).decode().splitlines(keepends=True)
    first = next((n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
                  and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))), None)
    at = len(split) if first is None else first_line(first) - 1
    fixed = "".join(split[:at]) + ("\n" if at and not split[at - 1].endswith("\n") else "") + ("\n" if at else "") + \
        helper.strip("\n") + "\n\n\n" + "".join(split[at:])
    return fixed if astutil.parse(fixed) is not None else None


def _defined(tree: ast.Module) -> set[str]:
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def restrict_eval(code: str, name: str) -> str | None:
    """Every ``eval``/``exec`` call of the module replaced by an interpreter of data and arithmetic that refuses
    anything else with ValueError (attack/restricted.py); ``name`` is not needed: any of them may be the path.
    None when there is no such call or the module defines its own eval/exec."""
    tree = astutil.parse(code)
    if tree is None or RESTRICTED["eval"] in code:
        return None
    defined = _defined(tree)
    calls: dict[ast.expr, str] = {n.func: RESTRICTED[n.func.id] for n in ast.walk(tree) if isinstance(n, ast.Call)
                                  and isinstance(n.func, ast.Name) and n.func.id in RESTRICTED
                                  and n.func.id not in defined}
    return _redirect_calls(code, tree, calls, restricted_source())


PICKLE_MODULES = ("pickle", "cPickle", "_pickle", "dill", "cloudpickle")
UNPICKLING = ("load", "loads", "Unpickler")
REFUSE_UNPICKLING = (
    "def _safegen_refuse_unpickling(*args, **kwargs):",
    "    # safegen exploit fix: loading a pickle runs whatever code its author put in it",
    '    raise ValueError("refusing to unpickle data: pickle can run code while loading; use JSON")',
)


def refuse_unpickling(code: str, name: str) -> str | None:
    """Every call that loads a pickle (``pickle.loads``, ``load``, ``Unpickler``; cPickle, dill, ...) replaced
    by a refusal (ValueError), so the function's other formats keep working. None when there is none."""
    tree = astutil.parse(code)
    if tree is None or "_safegen_refuse_unpickling" in code:
        return None
    imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and (node.module or "").split(".")[0] in PICKLE_MODULES for alias in node.names
                if alias.name in UNPICKLING} - _defined(tree)
    calls: dict[ast.expr, str] = {}
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if (isinstance(func, ast.Attribute) and func.attr in UNPICKLING and isinstance(func.value, ast.Name)
                and func.value.id in PICKLE_MODULES) or (isinstance(func, ast.Name) and func.id in imported):
            calls[func] = "_safegen_refuse_unpickling"
    return _redirect_calls(code, tree, calls, "\n".join(REFUSE_UNPICKLING))


ExploitFix = Callable[[str, str, str], "str | None"]  # (the code, the function exploited, code the module starts with)


def _code_only(fix: Callable[[str, str], str | None]) -> ExploitFix:
    """A fix that needs nothing but the code and the function's name."""
    def applied(code: str, name: str, context: str = "") -> str | None:
        return fix(code, name)

    return applied


# probe id -> the fix of a function that probe exploited
EXPLOIT_FIXES: dict[str, ExploitFix] = {
    "weak-hash": _code_only(allow_strong_hashes),
    "unbounded-store": _code_only(bound_stored_input),
    "code-injection": _code_only(restrict_eval),
    "xss": _code_only(escape_html_inputs),
    "pickle-deserialization": _code_only(refuse_unpickling),
    "path-traversal": _code_only(confine_paths),
    "validator-bypass": _code_only(decode_before_validating),
    "command-injection": _code_only(quote_shell_inputs),
    "header-injection": _code_only(strip_line_breaks),
    "open-redirect": confine_urls,  # these three need the module's allow-list of hosts
    "ssrf": confine_urls,
    "url-vetting": confine_urls,
    "mass-assignment": keep_allowed_fields,  # needs the module's allow-list of fields
    "forged-signature": require_trusted_signature,  # needs the module's table of trusted signatures
}


def apply_exploit_fix(probe: str, code: str, name: str, context: str = "", requirement: str = "") -> str | None:
    """The fix of ``probe``'s exploit in ``name`` (None when there is none or it does not apply); a refusal it
    writes in answers as the requirement states for rejected input (attack/fix_contract.py)."""
    fix = EXPLOIT_FIXES.get(probe)
    fixed = fix(code, name, context) if fix is not None else None
    if fixed is None:
        return None
    return keep_refusal_contract(fixed, name, requirement) or fixed
