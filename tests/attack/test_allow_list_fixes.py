"""The URL fix: a URL that leads off the module's allow-list of hosts is refused, one on it (or on the caller's
own site) still works; the allow-list may come from the task's setup, the code the module starts with."""

from __future__ import annotations

import pytest

from safegen import astutil
from safegen.attack import attack
from safegen.attack.fix_allow_lists import allowed_hosts, allowed_schemes, confine_urls
from safegen.sandbox import Sandbox

SETUP = ("from urllib.parse import urljoin, urlparse\n\n"
         "TRUSTED_DOMAINS = ['partner.example.org', 'trusted.example.com']\nBLOCKED_HOSTS = {'localhost.example.net'}\n")
REDIRECT = ("def build_redirect(base_url: str, next_url: str) -> str:\n"
            "    # where to send the user after logging in\n"
            "    return urljoin(base_url, next_url)\n")
REQUIREMENT = "Build the URL to redirect the user to after login, from the site's base URL and the next url parameter."


def _load(context: str, code: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(astutil.with_context(context, code), "fixed.py", "exec"), namespace)  # noqa: S102 - our rewrite
    return namespace


def _fixed_in_setup(setup: str, code: str, name: str, probe: str, sandbox: Sandbox, requirement: str) -> str:
    """The probe's fix of ``code`` run after ``setup``: the probe confirms the original and nothing in the fixed one."""
    from safegen.attack.fixes import EXPLOIT_FIXES

    assert attack(astutil.with_context(setup, code), requirement, sandbox=sandbox, name=name, probes=[probe]).exploits
    fixed = EXPLOIT_FIXES[probe](code, name, setup)
    assert fixed is not None
    report = attack(astutil.with_context(setup, fixed), requirement, sandbox=sandbox, name=name, probes=[probe])
    assert report.exploits == () and report.errors == () and report.executions > 0, report
    return fixed


def test_the_allow_list_comes_from_the_module_and_a_deny_list_is_not_one() -> None:
    assert allowed_hosts(SETUP) == ("partner.example.org", "trusted.example.com")
    assert allowed_hosts("HOSTS = ('https://api.example.com/v1', 'cdn.example.net')\nFILES = ['a.txt', 'b']\n") == (
        "api.example.com", "cdn.example.net")
    assert allowed_schemes("SCHEMES = ['http', 'https']\nTRUSTED = ['a.example.com']\n") == ("http", "https")
    assert confine_urls(REDIRECT, "build_redirect", "import urllib.parse\n") is None  # no allow-list: not ours to choose


def test_an_open_redirect_is_closed_and_the_sites_own_redirects_kept(sandbox: Sandbox) -> None:
    before = attack(astutil.with_context(SETUP, REDIRECT), REQUIREMENT, sandbox=sandbox, name="build_redirect")
    assert any(e.probe in ("open-redirect", "url-vetting") for e in before.exploits), before
    fixed = confine_urls(REDIRECT, "build_redirect", SETUP)
    assert fixed is not None and "TRUSTED_DOMAINS =" not in fixed and fixed.count("def build_redirect(") == 1
    after = attack(astutil.with_context(SETUP, fixed), REQUIREMENT, sandbox=sandbox, name="build_redirect")
    assert after.exploits == () and after.errors == () and after.executions > 0, after
    redirect = _load(SETUP, fixed)["build_redirect"]
    assert redirect("https://myapp.example/", "/dashboard") == "https://myapp.example/dashboard"  # type: ignore[operator]
    assert redirect("https://myapp.example/", "https://myapp.example/x") == "https://myapp.example/x"  # type: ignore[operator]
    assert redirect("https://myapp.example/", "https://api.trusted.example.com/a") == (  # type: ignore[operator]
        "https://api.trusted.example.com/a")
    for bad in ("https://evil.example/phish", "//evil.example/x", "https:/evil.example", "javascript:alert(1)",
                "https://localhost.example.net/"):
        with pytest.raises(ValueError):
            redirect("https://myapp.example/", bad)  # type: ignore[operator]


def test_a_url_check_refuses_other_hosts_and_schemes_and_a_validator_answers_false() -> None:
    setup = "from urllib.parse import urlparse\nIMAGE_HOSTS = ['img.example.com']\nALLOWED_SCHEMES = ['http', 'https']\n"
    check = "def check_image_url(url: str):\n    parsed = urlparse(url)\n    return parsed.geturl()\n"
    fixed = confine_urls(check, "check_image_url", setup)
    assert fixed is not None
    checked = _load(setup, fixed)["check_image_url"]
    assert checked("https://img.example.com/a.png") == "https://img.example.com/a.png"  # type: ignore[operator]
    for bad in ("http://169.254.169.254/latest/meta-data/", "ftp://img.example.com/a.png", "http://evil.example/"):
        with pytest.raises(ValueError):
            checked(bad)  # type: ignore[operator]
    validator = "def is_safe(url: str) -> bool:\n    return url.startswith('http')\n"
    fixed = confine_urls(validator, "is_safe", setup)
    assert fixed is not None
    is_safe = _load(setup, fixed)["is_safe"]
    assert is_safe("https://img.example.com/") is True and is_safe("https://evil.example/") is False  # type: ignore[operator]


FIELDS_SETUP = 'EDITABLE_FIELDS = {"name", "position"}\n'
UPDATE = ("def update_staff(staff: dict, changes: dict, is_admin: bool) -> dict:\n"
          "    staff.update(changes)\n    return staff\n")


def test_mass_assignment_is_cut_to_the_allow_list_for_unprivileged_callers(sandbox: Sandbox) -> None:
    from safegen.attack.fix_allow_lists import keep_allowed_fields

    fixed = _fixed_in_setup(FIELDS_SETUP, UPDATE, "update_staff", "mass-assignment", sandbox,
                            "Apply the changes to a staff record; only admins may change every field.")
    assert "if not (is_admin):" in fixed and "EDITABLE_FIELDS =" not in fixed
    update = _load(FIELDS_SETUP, fixed)["update_staff"]
    record = {"name": "Ann", "position": "dev", "salary": 1}
    assert update(dict(record), {"name": "Bo", "salary": 9}, False) == {"name": "Bo", "position": "dev",  # type: ignore[operator]
                                                                         "salary": 1}
    assert update(dict(record), {"salary": 9}, True)["salary"] == 9  # type: ignore[operator,index]
    staff_record = UPDATE.replace("is_admin: bool", "staff_id: int")  # no privilege flag: everyone is cut
    fixed = keep_allowed_fields(staff_record, "update_staff", FIELDS_SETUP)
    assert fixed is not None and "if not (" not in fixed and "changes = _safegen_allowed_fields(changes" in fixed
    assert keep_allowed_fields(UPDATE, "update_staff", "") is None  # no allow-list: not ours to choose


SIGNED_SETUP = ('TRUSTED_SIGNATURES = {"report.pdf": "7d793037a0760186574b0282f2f435e7"}\n\n\n'
                'def fetch(name):\n    return {"name": name}\n')
SIGNED = ("def load_document(name: str, signature: str):\n"
          "    return fetch(name)  # the signature is never checked\n")


def test_a_forged_signature_is_refused_against_the_modules_trusted_table(sandbox: Sandbox) -> None:
    from safegen.attack.fix_allow_lists import require_trusted_signature

    fixed = _fixed_in_setup(SIGNED_SETUP, SIGNED, "load_document", "forged-signature", sandbox,
                            "Load a document after checking its cryptographic signature.")
    assert "_safegen_signed(TRUSTED_SIGNATURES, signature, name)" in fixed
    load = _load(SIGNED_SETUP, fixed)["load_document"]
    assert load("report.pdf", "7d793037a0760186574b0282f2f435e7") == {"name": "report.pdf"}  # type: ignore[operator]
    assert load("report.pdf", "0" * 32) is None and load("other.pdf", "7d793037a0760186574b0282f2f435e7") is None  # type: ignore[operator]
    boolean = "def verify(name: str, sig: str) -> bool:\n    return True\n"
    fixed = require_trusted_signature(boolean, "verify", SIGNED_SETUP)
    assert fixed is not None and _load(SIGNED_SETUP, fixed)["verify"]("report.pdf", "x" * 32) is False  # type: ignore[operator]
    assert require_trusted_signature(SIGNED, "load_document", "") is None  # no trusted table in the module
