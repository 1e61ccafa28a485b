"""Turn analyzer findings and test failures into feedback a model can act on."""

from __future__ import annotations

from collections.abc import Sequence

from safegen.analyzers.cwe_map import ruff_rule_to_bandit
from safegen.types import Finding, TestOutcome

MAX_FINDINGS = 8
MAX_MITIGATION = 300

# Concrete fixes for bandit's rules (ruff's S rules share the numbers), shown instead of the CWE catalog's
# generic mitigation: a small model acts on "use X instead of Y", not on "assume all input is malicious".
# safegen's own semgrep rules say the fix in their message.
_STRONG_HASH = "use hashlib.sha256; for passwords hashlib.pbkdf2_hmac or hashlib.scrypt with a random salt."
_DEFUSED_XML = "parse with the defusedxml equivalent (defusedxml.ElementTree.fromstring / parse)."
FIX_HINTS: dict[str, str] = {
    "B104": "bind to 127.0.0.1 (or a host read from configuration), not 0.0.0.0.",
    "B105": "read the secret from the environment (os.environ[\"APP_SECRET\"]) instead of writing it in the code.",
    "B106": "read the secret from the environment (os.environ[\"DB_PASSWORD\"]) instead of a literal argument.",
    "B107": "give no literal default for the secret parameter; read it from the environment when it is missing.",
    "B108": "take the directory from tempfile (tempfile.mkdtemp() or tempfile.gettempdir()) instead of "
            "writing the literal \"/tmp\" path.",
    "B113": "pass timeout=10 (or another bound) to every requests call.",
    "B201": "run the Flask app without debug=True (debug=False, or no debug argument).",
    "B301": "load data with json instead of pickle.",
    "B303": _STRONG_HASH,
    "B307": "parse literals with ast.literal_eval instead of eval.",
    "B324": _STRONG_HASH,
    "B413": "use the pyca cryptography package (for example cryptography.hazmat.primitives.ciphers.aead.AESGCM "
            "or cryptography.hazmat.primitives.asymmetric.rsa) instead of Crypto.",
    "B501": "keep certificate verification on: remove verify=False.",
    "B506": "use yaml.safe_load.",
    "B602": "pass the command as a list to subprocess.run without shell=True.",
    "B605": "pass the command as a list to subprocess.run instead of os.system or os.popen.",
    **{f"B3{n}": _DEFUSED_XML for n in range(13, 21)},  # B313-B320: xml.* parsers
}


def fix_hint(rule_id: str) -> str | None:
    """The concrete fix for a bandit rule or its ruff twin (S105 -> B105), if we have one."""
    return FIX_HINTS.get(ruff_rule_to_bandit(rule_id) or rule_id)


def _code_line(code: str, line: int) -> str:
    lines = code.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def describe_finding(finding: Finding, code: str = "") -> str:
    """One finding as 'CWE-89 (name) at line 5: message. Offending line. Mitigation.'."""
    cwe = f"CWE-{finding.cwe}" if finding.cwe is not None else "Unclassified weakness"
    name = f" ({finding.cwe_name})" if finding.cwe_name else ""
    text = (f"- {cwe}{name} at line {finding.line}: {_shorten(finding.message, 240)} "
            f"[{finding.tool} {finding.rule_id}, severity {finding.severity.value}]")
    source = _code_line(code, finding.line)
    if source:
        text += f"\n  Line {finding.line}: `{_shorten(source, 160)}`"
    hint = fix_hint(finding.rule_id)
    if hint:
        text += f"\n  Fix: {hint}"
    elif finding.mitigation:
        text += f"\n  Mitigation: {_shorten(finding.mitigation, MAX_MITIGATION)}"
    return text


def describe_findings(findings: Sequence[Finding], code: str = "") -> str:
    """A bulleted list of the most severe findings (at most MAX_FINDINGS), most severe first."""
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.line))
    lines = [describe_finding(f, code) for f in ordered[:MAX_FINDINGS]]
    if len(ordered) > MAX_FINDINGS:
        lines.append(f"- ... and {len(ordered) - MAX_FINDINGS} more of lesser severity")
    return "\n".join(lines)


def describe_tests(outcome: TestOutcome) -> str:
    """One line about failing tests."""
    detail = f": {_shorten(outcome.message, 400)}" if outcome.message else ""
    return f"{outcome.failed} of {outcome.total} tests failed{detail}"
