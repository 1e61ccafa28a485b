"""CWE text from cwe2 and the one table of tool-tag corrections."""

from __future__ import annotations

import pytest

from safegen.analyzers import cwe, cwe_map


def test_describe_known_weakness() -> None:
    info = cwe.describe(89)
    assert info.id == 89 and "SQL" in info.name
    assert info.description.startswith("The product constructs")
    assert "Parameterization" in info.mitigation  # first mitigation that is not Java advice
    assert cwe.describe(89) is info  # cached
    assert cwe.catalog_version() == "4.14"


@pytest.mark.parametrize("value", [999_999, -1, 0])
def test_describe_unknown_ids_never_crash(value: int) -> None:
    info = cwe.describe(value)
    assert info.name == f"CWE-{value}" and info.description == "" and info.mitigation == ""


def test_describe_category() -> None:
    assert "Denial of Service" in cwe.describe(730).name


def test_related_is_same_parent_or_child() -> None:
    assert cwe.related(95, 94) and cwe.related(94, 95)
    assert cwe.related(338, 330) and cwe.related(259, 798)
    assert cwe.related(916, 328)
    assert cwe.related(730, 400)  # category membership
    assert not cwe.related(22, 79) and not cwe.related(89, None)


def test_every_bandit_test_is_mapped() -> None:
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    ids = {plugin.plugin._test_id for plugin in manager.plugins}
    ids |= {item["id"] for items in manager.blacklist.values() for item in items}
    assert ids and ids <= set(cwe_map.BANDIT_CWE), sorted(ids - set(cwe_map.BANDIT_CWE))


@pytest.mark.parametrize(("test_id", "expected"), [
    ("B506", 502), ("B313", 776), ("B317", 776), ("B307", 95), ("B102", 95), ("B701", 79), ("B201", 489),
    ("B602", 78), ("B608", 89), ("B105", 259), ("B104", 1327),
])
def test_bandit_corrections(test_id: str, expected: int) -> None:
    assert cwe_map.bandit_cwe(test_id, tool_cwe=20) == expected


def test_ruff_rules_follow_their_bandit_twin() -> None:
    assert cwe_map.ruff_cwe("S307") == 95 and cwe_map.ruff_cwe("S506") == 502
    assert cwe_map.ruff_cwe("S320") == 611
    assert cwe_map.ruff_cwe("E501") is None
    assert cwe_map.is_ignored("ruff", "S603") and cwe_map.is_ignored("bandit", "B404")
    assert not cwe_map.is_ignored("bandit", "B602")


@pytest.mark.parametrize(("value", "expected"), [
    ("CWE-89: SQL Injection", 89), (["CWE-22: x", "CWE-23"], 22), (78, 78), ("611", 611), (None, None),
    ("no cwe", None), (True, None),
])
def test_parse_cwe(value: object, expected: int | None) -> None:
    assert cwe_map.parse_cwe(value) == expected
