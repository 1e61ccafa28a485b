"""The attack probes as data: payloads, the oracle that confirms them, the CWE, and what selects them.

Each probe has a fixture pair under ``tests/attack/fixtures/<id>/`` (``vulnerable.py`` it confirms,
``fixed.py`` it does not). Payload strings carry the marker ``sgx`` so that an oracle can tell the
attacker's text from the code's own; ``{canary}`` becomes the path of a canary file the harness writes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

# Payload kinds: how a payload becomes an argument (see attack/inputs.py).
TEXT, BINARY, ARCHIVE, INTEGER, PRINCIPAL, FIELDS, FORGED, BULK, TOKENLESS = (
    "text", "binary", "archive", "integer", "principal", "fields", "forged", "bulk", "tokenless")
ATTACKER_HOST = "sgx-attacker.example"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Probe:
    """One attack: the inputs to send, the oracle that confirms an exploit, and when it applies."""

    id: str
    cwe: int
    title: str
    oracle: str  # a key of attack.oracles.ORACLES
    payloads: tuple[str | int, ...]
    kind: str = TEXT
    sinks: tuple[str, ...] = ()  # names in the code (imports, calls, attributes) that select the probe
    topics: tuple[str, ...] = ()  # words in the requirement that select the probe
    setup: tuple[str, ...] = ()  # what the harness prepares first: "canary", "sqlite"
    archive_format: str = ""  # ARCHIVE payloads: "tar" or "zip"
    web: bool = False  # selected for every module with web routes (a handler's text is HTML by default)
    fix: str = ""  # how to fix the code once the probe is confirmed
    filler: str = ""  # what the other text parameters hold while one carries the payload (default: plain values)
    benign: tuple[str | int, ...] = ()  # ordinary inputs in the payloads' place: a repair must keep their results
    choice: str = ""  # what a parameter that picks a format or method holds (inputs.CHOICE_WORDS): the attacker's pick
    requires: str = ""  # a regular expression the requirement must also match (the topic alone is not enough)
    derive: str = ""  # a key of attack.derive.DERIVERS: payloads built from the candidate's own code, tried as well


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "sgxsgxsgxsgxsgxsgxsgxsgxsgxsgx">'
           + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
           + "]><r>&i;</r>")

PROBES: tuple[Probe, ...] = (
    Probe("path-traversal", 22, "Path traversal", "traversal",
          ("../../../../../../../etc/passwd", "/etc/passwd", "../../../../../../../sgx-evil.txt"),
          sinks=("open", "send_file", "send_from_directory", "FileResponse", "read_text", "read_bytes",
                 "write_text", "write_bytes", "os.path.join", "pathlib", "os.remove", "os.unlink", "shutil"),
          topics=("file", "path", "directory", "folder", "upload", "download", "filename"),
          benign=("report.txt", "notes.md"),
          fix="Resolve the path (os.path.realpath or Path.resolve) and refuse it unless it stays inside the base "
              "directory."),
    Probe("archive-extraction", 22, "Archive extraction outside the target directory (zip/tar slip)", "path",
          ("../../../../../../../sgx-slip.txt", "/sgx-slip-absolute.txt"), kind=ARCHIVE,
          archive_format="tar", sinks=("tarfile", "extractall", "unpack_archive"), topics=("tar", "archive"),
          fix="Check that each member's resolved path stays inside the destination before extracting (tarfile: "
              "extractall(..., filter=\"data\"))."),
    Probe("zip-slip", 22, "Zip slip: a member path that leaves the target directory", "path",
          ("../../../../../../../sgx-slip.txt",), kind=ARCHIVE, archive_format="zip",
          sinks=("zipfile", "unpack_archive"), topics=("zip",),
          fix="Resolve each member's path and refuse any that leaves the destination directory before extracting."),
    Probe("command-injection", 78, "OS command injection", "shell",
          ("sgx; echo sgx-cmd", "sgx && echo sgx-cmd", "sgx | echo sgx-cmd", "$(echo sgx-cmd)", "`echo sgx-cmd`",
           "sgx\necho sgx-cmd"),
          sinks=("os.system", "os.popen", "subprocess", "commands", "pty", "os.spawn", "os.exec"),
          topics=("command", "shell", "ping", "execute a program"),
          # plain words: quoting leaves them as they are, so a command a repair quotes still reads the same
          benign=("notes", "report-2024.txt"),
          fix="Run the program with an argument list and shell=False (subprocess.run([...])); never build a shell "
              "command from input."),
    Probe("sql-injection", 89, "SQL injection", "sql",
          ("sgx' OR sgx_probe() OR 'sgx", "sgx' || sgx_probe() || 'sgx", "1 OR sgx_probe()",
           'sgx" OR sgx_probe() OR "sgx', "sgx') OR sgx_probe() OR ('sgx", "sgx' OR sgx_probe() --",
           # where a table, column or sort key goes (FROM {table}, ORDER BY {column}): a subquery parses there
           "(SELECT sgx_probe())"),
          sinks=("sqlite3", "execute", "executemany", "executescript", "cursor"),
          topics=("sql", "database", "query", "table"), setup=("sqlite",),
          benign=("alice", "bob"),
          fix="Use a parameterized query (cursor.execute(sql, params)); never format input into the SQL text."),
    Probe("code-injection", 95, "Code injection (eval/exec of attacker data)", "exec",
          # each calls the harness's builtin sgx_code(): evaluating literals or arithmetic never reaches it
          ("sgx_code()", "__import__('builtins').sgx_code()", "' + sgx_code() + '", '" + sgx_code() + "',
           "sgx = sgx_code()",
           "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'BuiltinImporter'][0]"
           ".load_module('builtins').sgx_code()"),
          sinks=("eval", "exec", "compile", "execfile", "InteractiveInterpreter", "runpy"),
          topics=("expression", "evaluate", "calculator", "formula", "python code"),
          benign=("1 + 2 * 3", "(10 - 4) / 2"),
          fix="Never eval or exec input; parse literals with ast.literal_eval or map the input to allowed "
              "operations."),
    Probe("pickle-deserialization", 502, "Deserialization of untrusted data (pickle)", "deserialize",
          (_b64(b"ctarget\n_sgx_constructed\n(tR."), _b64(b"cos\ngetpid\n(tR.")), kind=BINARY,
          sinks=("pickle", "cPickle", "_pickle", "dill", "shelve", "jsonpickle"),
          topics=("pickle", "unpickle", "deserialize", "serialized"), choice="pickle",
          fix="Never unpickle untrusted data; use JSON or another data-only format."),
    Probe("yaml-deserialization", 502, "Deserialization of untrusted data (YAML object construction)",
          "deserialize", ("!!python/object/apply:target._sgx_constructed []",
                          "- !!python/object/apply:target._sgx_constructed [sgx]"),
          sinks=("yaml",), topics=("yaml", "yml"), choice="yaml",
          fix="Load YAML with yaml.safe_load (SafeLoader), never with an unsafe Loader."),
    Probe("weak-hash", 327, "A weak hash algorithm the caller names is used (MD5, SHA-1)", "weak_hash",
          ("md5", "sha1"), sinks=("hashlib", "hmac"),
          topics=("hash algorithm", "digest", "hmac", "checksum"), choice="md5",
          benign=("sha256", "sha512"),
          fix="Accept only strong hash algorithms from an allow-list (sha256, sha384, sha512, sha3_*, blake2b, "
              "blake2s) and raise ValueError for any other name, MD5 and SHA-1 included."),
    Probe("xxe", 611, "XML external entity (a canary file read)", "canary",
          ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY sgx SYSTEM "file://{canary}">]><r>&sgx;</r>',
           '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % sgx SYSTEM "file://{canary}"> %sgx;]><r>sgx</r>'),
          sinks=("lxml", "xml.etree", "xml.dom", "xml.sax", "minidom", "pulldom", "XMLParser", "xml"),
          topics=("xml", "soap", "svg", "rss"), setup=("canary",),
          fix="Parse XML with defusedxml, or turn off external entities and DTD loading (lxml: "
              "resolve_entities=False, no_network=True)."),
    Probe("xml-entity-expansion", 776, "XML entity expansion (billion laughs)", "resource", (_LAUGHS,),
          sinks=("lxml", "xml.etree", "xml.dom", "xml.sax", "minidom", "XMLParser", "xml"), topics=("xml",),
          fix="Parse XML with defusedxml (it refuses entity declarations), or refuse documents with a DTD."),
    Probe("ssrf", 918, "Server-side request forgery", "network",
          (f"http://{ATTACKER_HOST}/sgx", "http://169.254.169.254/latest/meta-data/", ATTACKER_HOST),
          sinks=("requests", "urllib.request", "urlopen", "urlretrieve", "urllib2", "httpx", "http.client", "urllib3",
                 "aiohttp", "socket"),
          topics=("url", "fetch", "webhook", "proxy", "http"),
          fix="Allow only expected schemes and hosts, and refuse private, loopback and link-local addresses after "
              "resolving the host."),
    Probe("url-vetting", 918, "A URL check approves a host the attacker chose (SSRF, open redirect)", "approved_url",
          (f"http://{ATTACKER_HOST}/sgx", "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/admin"),
          topics=("url", "link", "endpoint", "webhook", "uri"),
          # only where the requirement asks the function to vet the URL (trust, safety, permission words; "check"
          # is not one: code checks many things) - a URL helper may pass any URL through
          requires=r"\b(validat|verif|secur|safe|trust|approv|allow|permit|restrict|whitelist)",
          # the other URL parameters name a legitimate site: a URL the payload alone points elsewhere is the attack
          filler="https://app.example/home",
          fix="Return the URL only when its scheme is http or https and its host is on the module's allow-list (or "
              "the expected host); refuse private, loopback and link-local addresses; raise ValueError otherwise."),
    Probe("open-redirect", 601, "Open redirect", "redirect",
          (f"https://{ATTACKER_HOST}/sgx", f"//{ATTACKER_HOST}/sgx", f"https:/{ATTACKER_HOST}/sgx"),
          sinks=("redirect", "RedirectResponse", "HttpResponseRedirect", "Location"),
          topics=("redirect", "next url", "return url", "return_to"),
          # the other URL parameters name a legitimate site: a redirect the caller's own base URL leads to the
          # attacker's host is the caller's choice, one the payload alone chooses is an open redirect
          filler="https://app.example/home",
          benign=("/dashboard", "/settings?tab=profile"),
          fix="Redirect only to paths on this site (one leading '/', no scheme or host) or to hosts on an "
              "allow-list."),
    Probe("xss", 79, "Cross-site scripting (the payload comes back unescaped in HTML)", "xss",
          ("<script>sgx_xss()</script>", '"><img src=x onerror=sgx_xss()>', "<svg onload=sgx_xss()>",
           # quotes too: escaping only < and > leaves an attribute the input can leave
           "sgx' onmouseover='sgx_xss()", 'sgx" onmouseover="sgx_xss()'),
          sinks=("render_template_string", "Markup", "HttpResponse", "make_response", "HTMLResponse", "Response",
                 "mark_safe", "html"),
          topics=("html", "web page", "comment", "render", "greet", "profile", "display", "xml", "markup"), web=True,
          benign=("Hello world", "alice"),
          fix="Escape input before it goes into HTML (markupsafe.escape or html.escape, or an autoescaping "
              "template)."),
    Probe("header-injection", 113, "HTTP response header injection (CR/LF)", "header",
          ("sgx\r\nSet-Cookie: sgx=1", "sgx\nX-Sgx: 1"),
          sinks=("headers", "set_cookie", "make_response", "Response", "HttpResponse"),
          topics=("header", "cookie", "http response"),
          benign=("en-US", "session-42"),
          fix="Refuse or strip CR and LF in values put into response headers or cookies."),
    Probe("redos", 1333, "Regular expression denial of service", "resource",
          ("a" * 34 + "!", "a" * 30 + "@" + "a" * 30 + "!", "0" * 34 + "x", "a" * 25000 + "!",
           " " * 20000 + "sgx", "a@" + "a." * 5000 + "!"),
          sinks=("re", "regex"), topics=("regex", "regular expression", "pattern", "email"),
          benign=("user@example.com", "hello world"), derive="regex",
          fix="Use a regular expression without nested or overlapping quantifiers, bound the input's length, or use "
              "a linear-time engine (re2)."),
    Probe("resource-exhaustion", 400, "Uncontrolled resource consumption", "resource",
          (10 ** 10, 2 ** 40), kind=INTEGER,
          topics=("repeat", "times", "count", "size", "allocate"),
          fix="Bound the sizes and counts taken from input before allocating or looping (refuse values over a "
              "limit)."),
    Probe("unbounded-store", 770, "Unbounded storage: one call keeps attacker-sized data in the module's state",
          "stored", (200_000,), kind=BULK, setup=("state",),
          topics=("cache", "queue", "history", "log", "buffer", "store", "storage", "global list",
                  "global dictionary"),
          benign=("Hello, everyone!", "report ready"),
          fix="Bound what one call may add to module-level data: refuse input over a sensible size (return False or "
              "raise ValueError, e.g. over 1,000 items or 10,000 characters) and stop adding once the store holds "
              "its maximum number of entries."),
    Probe("validator-bypass", 179, "A validator accepts input that decodes to path traversal or markup", "approved",
          ("../../sgx/private.config", "uploads/%2e%2e/%2e%2e/%2e%2e/sgx.config", "uploads/..%2f..%2f..%2fsgx.config",
           "sgx%3Cscript%3Ealert(1)%3C%2Fscript%3E", "sgx%3Cscript%3E"),
          topics=("path", "file", "filename", "upload", "query", "parameter", "param", "username", "user input", "key"),
          # only a function that decides whether input is valid: its True lets the input through
          requires=r"\b(valid|invalid|legitima|sanitiz|verif)",
          benign=("uploads/report.txt", "alice"),
          fix="Decode and canonicalize the input first (URL-decode it until it stops changing, normalize the path), "
              "then validate the decoded form: refuse '..' segments and markup characters (< > \" "
              "'); return False (or raise, as documented) for them."),
    Probe("csrf", 352, "Cross-site request forgery: a request without its CSRF token changes data", "changed",
          ("no-token",), kind=TOKENLESS, setup=("state",),
          topics=("csrf", "request", "requests", "headers"),
          fix="Before changing any data, compare the request's CSRF token header (X-CSRF-Token, or the one the "
              "module names) with the expected token using hmac.compare_digest, and refuse (return False or "
              "raise) when it is missing or wrong."),
    Probe("mass-assignment", 915, "Mass assignment: the input sets a field outside the allowed ones", "mass",
          ("sgx_injected",), kind=FIELDS, topics=("field", "attribute", "editable", "permitted", "mass assignment"),
          fix="Copy only the fields the allow-list names from the input (for key in ALLOWED: ...); ignore or refuse "
              "every other key, for callers without the privilege to set them."),
    Probe("forged-signature", 347, "A forged signature is accepted (the data is used without a valid signature)",
          "accepted", ("sgx0forged0signature0",), kind=FORGED,
          # not "signature" alone: every prompt shows the function's signature
          topics=("cryptographic signature", "digital signature", "signed", "hmac", "signature verification",
                  "verify the signature", "valid signature"),
          fix="Look up the expected signature of exactly this record, compare it with hmac.compare_digest, and "
              "refuse (return None or False, or raise) when it is missing or differs, before using the data."),
    Probe("missing-authorization", 862, "Missing authorization (a caller without the role or ownership succeeds)",
          "authz", ("principal",), kind=PRINCIPAL,
          topics=("admin", "administrator", "owner", "role", "permission", "authorized", "privilege", "moderator"),
          fix="Check the caller's role or ownership before acting, and deny by default."),
)

BY_ID = {probe.id: probe for probe in PROBES}
