"""Inputs read from the candidate's code: parameter types from their uses, ReDoS strings from its patterns, and
the requirement words that gate the URL-vetting probe. Each case runs in the sandbox."""

from __future__ import annotations

import ast

from safegen.attack import attack, select_probes
from safegen.attack.derive import regex_payloads
from safegen.attack.targets import FunctionTarget, find_targets
from safegen.attack.usage import inferred
from safegen.fuzz.signature import Param
from safegen.sandbox import Sandbox

EVAL_WITH_VARIABLES = '''def calculate(expression, variables):
    for name, value in variables.items():
        expression = expression.replace(name, str(value))
    return str(eval(expression))
'''
URL_PATTERN = '''import re

URL = r'^(https?:\\/\\/)?([\\da-z\\.-]+)\\.([a-z\\.]{2,6})([\\/\\w \\.-]*)*\\/?$'


def is_url(text: str) -> bool:
    return re.match(URL, text) is not None
'''
BOUNDED_URL_PATTERN = URL_PATTERN.replace("([\\/\\w \\.-]*)*", "([\\/\\w \\.-]{0,300})")
PASS_THROUGH = '''from urllib.parse import urljoin


def absolute_url(value: str, host: str) -> str:
    """Make a location absolute on this host; a URL with a scheme is kept as it is."""
    return value if "://" in value else urljoin(f"https://{host}/", value)
'''


def _params(code: str) -> dict[str, object]:
    target = find_targets(code)[0]
    assert isinstance(target, FunctionTarget)
    return {p.name: p.annotation for p in target.params}


def test_an_untyped_parameter_takes_the_type_its_uses_imply() -> None:
    assert _params(EVAL_WITH_VARIABLES) == {"expression": __import__("typing").Any, "variables": dict}
    function = ast.parse("def f(a, b, c):\n    a.append(1)\n    b.decode()\n    c = c.items()\n").body[0]
    any_type = __import__("typing").Any
    assert inferred(function, Param("a", any_type)).annotation is list
    assert inferred(function, Param("b", any_type)).annotation is bytes
    assert inferred(function, Param("c", any_type)).annotation is any_type  # rebound: its uses say nothing
    assert inferred(function, Param("a", str)).annotation is str  # a written annotation wins


def test_code_injection_reaches_eval_once_the_mapping_is_a_dict(sandbox: Sandbox) -> None:
    report = attack(EVAL_WITH_VARIABLES, "Evaluate the arithmetic expression with the variables.", sandbox=sandbox,
                    probes=["code-injection"])
    assert [e.probe for e in report.exploits] == ["code-injection"], report
    assert "{}" in report.exploits[0].input  # the reproducer passes an (empty) mapping


def test_redos_strings_come_from_the_code_s_own_pattern(sandbox: Sandbox) -> None:
    derived = regex_payloads(URL_PATTERN)
    assert derived and all(len(p) < 100 for p in derived)  # exponential: a short string suffices
    assert regex_payloads(BOUNDED_URL_PATTERN) == ()
    report = attack(URL_PATTERN, "Check whether the text is a URL.", sandbox=sandbox, probes=["redos"])
    assert [e.probe for e in report.exploits] == ["redos"] and report.exploits[0].input.count(".") >= 1, report
    fixed = attack(BOUNDED_URL_PATTERN, "Check whether the text is a URL.", sandbox=sandbox, probes=["redos"])
    assert fixed.exploits == () and fixed.errors == (), fixed


def test_url_vetting_needs_a_requirement_that_asks_for_vetting(sandbox: Sandbox) -> None:
    helper = "Make a location URL absolute; check whether it has a scheme first."
    assert "url-vetting" not in [p.id for p in select_probes(PASS_THROUGH, helper)]
    vetting = "Return the location URL only when it points to a trusted host."
    assert "url-vetting" in [p.id for p in select_probes(PASS_THROUGH, vetting)]
    report = attack(PASS_THROUGH, vetting, sandbox=sandbox, probes=["url-vetting"])
    assert report.exploits and "sgx-attacker.example" in report.exploits[0].evidence, report


def test_a_forged_signature_needs_a_signature_parameter(sandbox: Sandbox) -> None:
    signer = ("import hashlib\nimport hmac\n\nKEYS = {'svc': b'k'}\n\n\n"
              "def sign(service: str, message: str) -> str:\n"
              "    return hmac.new(KEYS[service], message.encode(), hashlib.sha256).hexdigest()\n")
    report = attack(signer, "Sign the message with the service's key (an HMAC signature).", sandbox=sandbox,
                    probes=["forged-signature"])
    assert report.exploits == () and report.executions == 0, report
    accepts = ("SIGNATURES = {'msg-1': 'aa11', 'msg-2': 'bb22'}\nMESSAGES = {'msg-1': 'hello', 'msg-2': 'bye'}\n\n\n"
               "def read_message(message_id, signature):\n    return MESSAGES.get(message_id)\n")
    report = attack(accepts, "Return the message if its signature is valid.", sandbox=sandbox,
                    probes=["forged-signature"])
    assert report.exploits and "'bye'" in report.exploits[0].evidence, report
    assert report.exploits[0].input == "read_message(<a key of the module's own records>, 'sgx0forged0signature0')"


def test_validator_bypass_is_for_functions_that_judge_validity() -> None:
    saver = "def save_upload(path: str, data: bytes) -> bool:\n    return True\n"
    assert "validator-bypass" not in [p.id for p in select_probes(saver, "Save the upload at the path; True when done.")]
    assert "validator-bypass" in [p.id for p in select_probes(saver, "Return True when the upload path is valid.")]
