"""Rewrites of one library call: archive filters, safe loaders, TLS verification, CSPRNG, XML parsers."""

from __future__ import annotations

import ast

from safegen.fixes.interface import Edit, FixSpec, Rewrite
from safegen.fixes.registry import rewrite
from safegen.fixes.source import (
    SourceIndex,
    add_argument,
    keyword,
    remove_argument,
    replace,
    walk_calls,
)
from safegen.types import Finding

YAML_SAFE = {"load": "safe_load", "load_all": "safe_load_all", "full_load": "safe_load",
             "full_load_all": "safe_load_all", "unsafe_load": "safe_load", "unsafe_load_all": "safe_load_all"}
# random's functions -> what secrets offers for them (SystemRandom has random's whole API).
SECRETS = {"choice": "secrets.choice", "getrandbits": "secrets.randbits", "randbytes": "secrets.token_bytes"}
RANDOM_FUNCTIONS = frozenset({"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits",
                              "shuffle", "uniform", "randbytes"})
# stdlib XML modules -> their defusedxml twins, and the functions the twins provide.
DEFUSED = {"xml.etree.ElementTree": "defusedxml.ElementTree", "xml.etree.cElementTree": "defusedxml.ElementTree",
           "xml.dom.minidom": "defusedxml.minidom", "xml.dom.pulldom": "defusedxml.pulldom",
           "xml.sax": "defusedxml.sax", "xml.dom.expatbuilder": "defusedxml.expatbuilder",
           "xml.sax.expatreader": "defusedxml.expatreader"}
DEFUSED_FUNCTIONS = frozenset({"parse", "fromstring", "XML", "iterparse", "parseString", "XMLParser",
                               "make_parser", "create_parser"})
LXML_PARSERS = frozenset({"fromstring", "parse", "XML"})


@rewrite("tar_filter")
def tar_filter(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``tar.extractall(path)`` -> ``tar.extractall(path, filter="data")`` (also extract, unpack_archive)."""
    value = spec.option("filter", "data")
    for call in index.calls_at(finding.line):
        if keyword(call, "filter") is not None:
            continue
        func = call.func
        tar_method = isinstance(func, ast.Attribute) and func.attr in ("extractall", "extract")
        if tar_method or index.qualname(func) == "shutil.unpack_archive":
            return Rewrite((add_argument(index, call, f'filter="{value}"'),))
    return None


@rewrite("yaml_safe_load")
def yaml_safe_load(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``yaml.load(s, Loader=...)`` -> ``yaml.safe_load(s)``; other arguments make it not apply."""
    for call in index.calls_at(finding.line):
        name = index.qualname(call.func) or ""
        module, _, function = name.rpartition(".")
        if module != "yaml" or function not in YAML_SAFE or not call.args:
            continue
        extra = [k for k in call.keywords if k.arg != "Loader"]
        if extra or len(call.args) > 2 or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        imports: tuple[str, ...] = ()
        if isinstance(call.func, ast.Attribute):
            target = f"{index.text(call.func.value)}.{YAML_SAFE[function]}"
        else:
            target, imports = f"yaml.{YAML_SAFE[function]}", ("yaml",)
        return Rewrite((replace(index, call, f"{target}({index.text(call.args[0])})"),), imports)
    return None


@rewrite("drop_false_keyword")
def drop_false_keyword(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """Remove ``name=False`` (``verify=False``) from the call at the finding, so the safe default applies."""
    name = spec.option("keyword", "verify")
    for call in index.calls_at(finding.line):
        found = keyword(call, name)
        if found is not None and isinstance(found.value, ast.Constant) and found.value.value is False:
            return Rewrite((remove_argument(index, call, found),))
    return None


@rewrite("random_to_secrets")
def random_to_secrets(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``random.choice`` -> ``secrets.choice``, other random calls -> ``secrets.SystemRandom().<same>``.

    Not applied where the module seeds random: reproducible values were then asked for.
    """
    if any(index.qualname(c.func) == "random.seed" for c in walk_calls(index.tree)):
        return None
    statement = index.statement_at(finding.line)
    if statement is None:
        return None
    start, end = index.header_span(statement)
    edits: list[Edit] = []
    for call in walk_calls(statement):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        call_start, call_end = index.span(call)
        if module == "random" and function in RANDOM_FUNCTIONS and start <= call_start and call_end <= end:
            edits.append(replace(index, call.func, SECRETS.get(function, f"secrets.SystemRandom().{function}")))
    return Rewrite(tuple(edits), ("secrets",)) if edits else None


@rewrite("xml_defused")
def xml_defused(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """``ET.fromstring(data)`` -> ``defusedxml.ElementTree.fromstring(data)`` (and minidom, sax, pulldom)."""
    for call in index.calls_at(finding.line):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        if module in DEFUSED and function in DEFUSED_FUNCTIONS:
            safe = DEFUSED[module]
            return Rewrite((replace(index, call.func, f"{safe}.{function}"),), (safe,))
    return None


@rewrite("lxml_safe_parser")
def lxml_safe_parser(index: SourceIndex, finding: Finding, spec: FixSpec) -> Rewrite | None:
    """lxml parsing without entity resolution or network access.

    ``etree.fromstring(data)`` gets ``parser=etree.XMLParser(resolve_entities=False, no_network=True)``;
    an ``XMLParser(resolve_entities=True, no_network=False)`` gets both flags turned around.
    """
    for call in index.calls_at(finding.line):
        module, _, function = (index.qualname(call.func) or "").rpartition(".")
        if module != "lxml.etree":
            continue
        prefix = index.text(call.func.value) if isinstance(call.func, ast.Attribute) else "lxml.etree"
        imports = () if isinstance(call.func, ast.Attribute) else ("lxml.etree",)
        if function == "XMLParser":
            edits = []
            for name, safe in (("resolve_entities", "False"), ("no_network", "True")):
                found = keyword(call, name)
                if found is None:
                    if name == "resolve_entities":
                        edits.append(add_argument(index, call, f"{name}={safe}"))
                elif index.text(found.value) != safe:
                    edits.append(replace(index, found.value, safe))
            return Rewrite(tuple(edits)) if edits else None
        if function in LXML_PARSERS and keyword(call, "parser") is None and len(call.args) == 1:
            parser = f"{prefix}.XMLParser(resolve_entities=False, no_network=True)"
            return Rewrite((add_argument(index, call, f"parser={parser}"),), imports)
    return None
