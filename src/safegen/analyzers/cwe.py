"""CWE names, descriptions, mitigations and parent/child links from the cwe2 catalog (CWE 4.14)."""

from __future__ import annotations

import csv
import html
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from safegen.serde import Record

# Mitigation text handed to repair prompts is cut to this many characters.
MAX_MITIGATION_CHARS = 600
MAX_DESCRIPTION_CHARS = 400

_CHILD_OF = re.compile(r"NATURE:ChildOf:CWE ID:(\d+)")
_MITIGATION = re.compile(r"(?:STRATEGY:(?P<strategy>[^:]*):)?DESCRIPTION:(?P<text>.*?)(?=::|$)", re.DOTALL)
_OTHER_LANGUAGES = re.compile(r"\b(Java|J2EE|\.NET|ASP|PHP|Hibernate|C\+\+|Perl|Struts|JSP)\b")
_EFFECTIVENESS = re.compile(r":EFFECTIVENESS:.*$", re.DOTALL)
_lock = threading.Lock()


@dataclass(frozen=True)
class CweInfo(Record):
    """What a repair prompt or a report says about one CWE."""

    id: int
    name: str
    description: str
    mitigation: str


@dataclass(frozen=True)
class _Catalog:
    rows: dict[int, tuple[str, str, str]]  # id -> (name, description, raw mitigations)
    parents: dict[int, frozenset[int]]
    version: str


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + " ..."


def _first_mitigation(raw: str) -> str:
    """The catalog's first mitigation that is not advice for another language."""
    fallback = ""
    for match in _MITIGATION.finditer(raw or ""):
        text = " ".join(_EFFECTIVENESS.sub("", match.group("text")).split())
        if not text:
            continue
        strategy = (match.group("strategy") or "").strip()
        text = f"{strategy}: {text}" if strategy else text
        if not _OTHER_LANGUAGES.search(text):
            return _shorten(text, MAX_MITIGATION_CHARS)
        fallback = fallback or text
    return _shorten(fallback, MAX_MITIGATION_CHARS)


@lru_cache(maxsize=1)
def _catalog() -> _Catalog:
    """Index the research (1000) and development (699) views of cwe2's CSV files, once per process."""
    from cwe2 import mappings

    csv.field_size_limit(sys.maxsize)
    rows: dict[int, tuple[str, str, str]] = {}
    parents: dict[int, set[int]] = {}
    for view in ("research_concepts", "software_development", "hardware_design"):
        path = mappings.navigate_cwe.get(view, {}).get("csv_file")
        if not path:
            continue
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    cwe_id = int(row["CWE-ID"])
                except (KeyError, TypeError, ValueError):
                    continue
                rows.setdefault(cwe_id, (row.get("Name") or "", row.get("Description") or "",
                                         row.get("Potential Mitigations") or ""))
                parents.setdefault(cwe_id, set()).update(
                    int(p) for p in _CHILD_OF.findall(row.get("Related Weaknesses") or ""))
    version_match = re.search(r"cwec_v([\d.]+)\.xml", str(mappings.xml_database_path))
    return _Catalog(rows, {k: frozenset(v) for k, v in parents.items()},
                    version_match.group(1) if version_match else "unknown")


@lru_cache(maxsize=1)
def _categories() -> dict[int, tuple[str, str, frozenset[int]]]:
    """Categories (name, summary, members) from cwe2's XML; read only when a category id shows up."""
    from cwe2 import mappings

    try:
        with open(mappings.xml_database_path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return {}
    section = text[text.find("<Categories>"):text.find("</Categories>")]
    result = {}
    for match in re.finditer(r'<Category ID="(\d+)" Name="([^"]*)"[^>]*>(.*?)</Category>', section, re.DOTALL):
        summary = re.search(r"<Summary>(.*?)</Summary>", match.group(3), re.DOTALL)
        members = frozenset(int(x) for x in re.findall(r'Has_Member CWE_ID="(\d+)"', match.group(3)))
        result[int(match.group(1))] = (html.unescape(match.group(2)),
                                       html.unescape(summary.group(1)) if summary else "", members)
    return result


def catalog_version() -> str:
    """The CWE catalog version cwe2 ships (e.g. '4.14')."""
    return _catalog().version


@lru_cache(maxsize=2048)
def describe(cwe_id: int) -> CweInfo:
    """Name, short description and first mitigation of a CWE; a placeholder for ids the catalog lacks."""
    try:
        key = int(cwe_id)
    except (TypeError, ValueError):
        return CweInfo(id=-1, name=f"CWE-{cwe_id}", description="", mitigation="")
    with _lock:
        row = _catalog().rows.get(key)
    if row is not None:
        name, description, mitigations = row
        return CweInfo(key, name, _shorten(description, MAX_DESCRIPTION_CHARS), _first_mitigation(mitigations))
    category = _categories().get(key)
    if category is not None:
        return CweInfo(key, category[0], _shorten(category[1], MAX_DESCRIPTION_CHARS), "")
    return CweInfo(key, f"CWE-{key}", "", "")


def parents(cwe_id: int) -> frozenset[int]:
    """Direct parents (ChildOf, any view) of a CWE, plus the links cwe_map.EXTRA_PARENTS adds."""
    from safegen.analyzers.cwe_map import EXTRA_PARENTS

    return _catalog().parents.get(cwe_id, frozenset()) | EXTRA_PARENTS.get(cwe_id, frozenset())


def related(a: int | None, b: int | None) -> bool:
    """True when a and b are the same CWE, one is a direct parent of the other, or one is a category holding the other."""
    if a is None or b is None:
        return False
    if a == b or b in parents(a) or a in parents(b):
        return True
    rows = _catalog().rows
    if a in rows and b in rows:
        return False
    categories = _categories()
    return b in categories.get(a, ((), (), frozenset()))[2] or a in categories.get(b, ((), (), frozenset()))[2]
