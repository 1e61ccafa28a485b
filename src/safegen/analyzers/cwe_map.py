"""The one table that says which CWE each tool's rule really means, and which rules are not findings.

Tools tag some rules wrongly (bandit: yaml.load and XML parsers as CWE-20, eval/exec as CWE-78,
jinja2 autoescape=False as CWE-94); every finding's CWE comes from here, not from the tool.
"""

from __future__ import annotations

import re

# bandit test id -> (CWE, what it detects). Every test bandit 1.9 ships (B1xx..B7xx) is listed.
BANDIT_CWE: dict[str, tuple[int, str]] = {
    "B101": (703, "assert used (removed under -O)"),
    "B102": (95, "exec used"),  # bandit says 78
    "B103": (732, "permissive file permissions"),
    "B104": (1327, "bind to all interfaces"),  # bandit says 605 (multiple binds to one port)
    "B105": (259, "hard-coded password string"),
    "B106": (259, "hard-coded password argument"),
    "B107": (259, "hard-coded password default"),
    "B108": (377, "hard-coded temporary file/directory"),
    "B109": (259, "password config option not marked secret"),
    "B110": (703, "try/except/pass"),
    "B111": (250, "execute with run_as_root"),
    "B112": (703, "try/except/continue"),
    "B113": (400, "request without timeout"),
    "B201": (489, "Flask debug mode"),  # bandit says 94
    "B202": (22, "tarfile extractall without member checks"),
    "B301": (502, "pickle"),
    "B302": (502, "marshal"),
    "B303": (328, "MD2/MD4/MD5/SHA1 hash object"),  # bandit says 327
    "B304": (327, "broken cipher"),
    "B305": (327, "ECB cipher mode"),
    "B306": (377, "tempfile.mktemp"),
    "B307": (95, "eval"),  # bandit says 78
    "B308": (79, "mark_safe"),
    "B309": (295, "HTTPSConnection without context"),
    "B310": (939, "urlopen of arbitrary schemes"),  # bandit says 22
    "B311": (338, "non-cryptographic random"),
    "B312": (319, "telnetlib"),
    "B313": (776, "xml.etree.cElementTree parser"),  # bandit says 20
    "B314": (776, "xml.etree.ElementTree parser"),  # bandit says 20
    "B315": (776, "xml.sax.expatreader"),  # bandit says 20
    "B316": (776, "xml.dom.expatbuilder"),  # bandit says 20
    "B317": (776, "xml.sax parser"),  # bandit says 20
    "B318": (776, "xml.dom.minidom parser"),  # bandit says 20
    "B319": (776, "xml.dom.pulldom parser"),  # bandit says 20
    "B320": (611, "lxml.etree parser"),  # bandit says 20
    "B321": (319, "ftplib"),
    "B322": (95, "input() under Python 2"),
    "B323": (295, "unverified SSL context"),
    "B324": (328, "weak hashlib algorithm"),  # bandit says 327
    "B325": (377, "os.tempnam"),
    "B401": (319, "import telnetlib"),
    "B402": (319, "import ftplib"),
    "B403": (502, "import pickle"),
    "B404": (78, "import subprocess"),
    "B405": (776, "import xml.etree"),
    "B406": (776, "import xml.sax"),
    "B407": (776, "import xml.dom.expatbuilder"),
    "B408": (776, "import xml.dom.minidom"),
    "B409": (776, "import xml.dom.pulldom"),
    "B410": (611, "import lxml"),
    "B411": (776, "import xmlrpc"),
    "B412": (284, "import httpoxy-affected CGI handler"),
    "B413": (327, "import pycrypto"),
    "B415": (319, "import pyghmi"),
    "B501": (295, "request with verify=False"),
    "B502": (327, "SSL/TLS with a broken protocol version"),
    "B503": (327, "SSL/TLS with broken defaults"),
    "B504": (327, "SSL/TLS without a version"),
    "B505": (326, "weak cryptographic key"),
    "B506": (502, "yaml.load"),  # bandit says 20
    "B507": (295, "SSH without host key verification"),
    "B508": (319, "SNMP v1/v2"),
    "B509": (319, "SNMP without encryption"),
    "B601": (78, "paramiko exec_command"),
    "B602": (78, "subprocess with shell=True"),
    "B603": (78, "subprocess without shell"),
    "B604": (78, "shell=True in another call"),
    "B605": (78, "process started with a shell"),
    "B606": (78, "process started without a shell"),
    "B607": (426, "process started with a partial path"),
    "B608": (89, "SQL built from strings"),
    "B609": (155, "wildcard injection"),
    "B610": (89, "Django extra()"),
    "B611": (89, "Django RawSQL"),
    "B612": (94, "logging.config.listen"),
    "B613": (838, "bidirectional control characters"),
    "B614": (502, "torch.load"),
    "B615": (494, "Hugging Face download without a pinned revision"),
    "B701": (79, "jinja2 autoescape=False"),  # bandit says 94
    "B702": (79, "Mako templates"),
    "B703": (79, "Django mark_safe"),
    "B704": (79, "markupsafe Markup"),
}

# ruff's flake8-bandit rules are re-implementations of bandit's: S### means B###, except where listed.
RUFF_CWE_EXCEPTIONS: dict[str, tuple[int, str]] = {
    "S320": (611, "lxml parser"),
    "S410": (611, "import lxml"),
}

# Rules that are not evidence of a weakness in generated code: imports, audit reminders, or the
# secure form itself (B603 is what a shell-injection fix looks like). They never make a verdict.
IGNORED_RULES: dict[str, str] = {
    "B101": "assert is not a vulnerability in generated functions",
    "B110": "code quality, not a weakness",
    "B112": "code quality, not a weakness",
    "B311": "any use of random; safegen.weak-random-secret flags random used for secrets",
    "B401": "import only", "B402": "import only", "B403": "import only", "B404": "import only",
    "B405": "import only", "B406": "import only", "B407": "import only", "B408": "import only",
    "B409": "import only", "B410": "import only", "B411": "import only", "B415": "import only",
    # B413 (import of Crypto.*) counts: pyCrypto is unmaintained and pycryptodome shares its namespace,
    # so the import cannot be told apart; the advice (pyca/cryptography) is what a fix looks like.
    "B603": "argument-list subprocess call is the safe form",
    "B606": "no shell is the safe form",
    "B607": "partial executable paths are not a weakness of generated code",
    # Superseded by safegen's taint rules, which see sanitizers and allow-lists these heuristics cannot.
    "B310": "urlopen audit; safegen.ssrf covers untrusted URLs",
    "B601": "any paramiko exec_command; safegen.command-injection covers untrusted commands",
    "B608": "any SQL-looking string; safegen.sql-injection tracks untrusted data into queries",
}

# Extra parent/child links the catalog lacks but tools rely on (child -> parents). Kept empty unless
# a tool's tag and the expected CWE are one weakness under two names.
EXTRA_PARENTS: dict[int, frozenset[int]] = {}

_CWE_TEXT = re.compile(r"CWE-(\d+)", re.IGNORECASE)


def bandit_cwe(test_id: str, tool_cwe: int | None = None) -> int | None:
    """The corrected CWE for a bandit test id; the tool's own tag only for unknown (plugin) tests."""
    entry = BANDIT_CWE.get(test_id)
    return entry[0] if entry else tool_cwe


def ruff_rule_to_bandit(code: str) -> str | None:
    """'S608' -> 'B608' for ruff's flake8-bandit rules."""
    if re.fullmatch(r"S\d{3}", code):
        return "B" + code[1:]
    return None


def ruff_cwe(code: str) -> int | None:
    """The CWE for a ruff S rule: its bandit twin's, unless listed as an exception."""
    if code in RUFF_CWE_EXCEPTIONS:
        return RUFF_CWE_EXCEPTIONS[code][0]
    twin = ruff_rule_to_bandit(code)
    return bandit_cwe(twin) if twin else None


def is_ignored(tool: str, rule_id: str) -> bool:
    """True for rules the ensemble never counts (see IGNORED_RULES)."""
    if tool == "ruff":
        twin = ruff_rule_to_bandit(rule_id)
        return twin is not None and twin in IGNORED_RULES
    return rule_id in IGNORED_RULES


def parse_cwe(value: object) -> int | None:
    """First CWE id in a tag such as 'CWE-89: SQL Injection', ['CWE-22'], 89 or '89'."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            found = parse_cwe(item)
            if found is not None:
                return found
        return None
    if isinstance(value, str):
        match = _CWE_TEXT.search(value)
        if match:
            return int(match.group(1))
        if value.strip().isdigit():
            return int(value.strip())
    return None
