"""PEP 766 strategies as a pure search over index groups, plus configuration parsing."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.index_priority import (
    Index,
    IndexConfigError,
    IndexGroup,
    IndexPlan,
    IndexUnavailable,
    Strategy,
    search,
)
from wheelnext.install.options import load_config, parse_deny, parse_index_option

A, B, C = Index("a", "http://a/"), Index("b", "http://b/"), Index("c", "http://c/")


def _search(content: dict[str, list[int]], strategy: Strategy, *, plan: IndexPlan | None = None,
            fail: AbstractSet[str] = frozenset(),
            fallthrough: bool = False) -> list[tuple[str, int]]:
    plan = plan or IndexPlan((A, B, C), strategy)

    def viable(group: IndexGroup) -> list[tuple[str, int]]:
        if group.name in fail:
            raise IndexUnavailable(group.name, f"index {group.name}: down")
        return [(m.name, v) for m in group.members for v in content.get(m.name, [])]

    return search("alpha", plan.groups_for("alpha"), viable, strategy,
                  best_first=lambda found: sorted(found, key=lambda c: -c[1]),
                  allow_fallthrough_on_error=fallthrough)


def test_index_priority_stops_at_first_viable_index() -> None:
    assert _search({"a": [1], "b": [5]}, Strategy.INDEX_PRIORITY) == [("a", 1)]


def test_index_priority_falls_through_when_nothing_viable() -> None:
    assert _search({"b": [5, 6]}, Strategy.INDEX_PRIORITY) == [("b", 6), ("b", 5)]


def test_version_priority_collates() -> None:
    assert _search({"a": [1, 5], "b": [5, 9]}, Strategy.VERSION_PRIORITY) == [
        ("b", 9), ("a", 5), ("b", 5), ("a", 1)]


def test_unreachable_aborts_by_default() -> None:
    with pytest.raises(IndexUnavailable):
        _search({"b": [1]}, Strategy.INDEX_PRIORITY, fail={"a"})
    assert _search({"b": [1]}, Strategy.INDEX_PRIORITY, fail={"a"}, fallthrough=True) == [
        ("b", 1)]


def test_mirrors_pins_and_deny() -> None:
    plan = IndexPlan((A, B, C), mirrors=(("a", "c"),))
    assert [g.name for g in plan.groups()] == ["a+c", "b"]
    assert _search({"c": [2], "b": [9]}, Strategy.INDEX_PRIORITY, plan=plan) == [("c", 2)]
    pinned = IndexPlan((A, B, C), pins={"alpha": "c"})  # type: ignore[dict-item]
    assert [g.name for g in pinned.groups_for("Alpha")] == ["c"]
    denied = IndexPlan((A, B, C), deny=parse_deny(["a=alpha,beta"]))
    assert [g.name for g in denied.groups_for("alpha")] == ["b", "c"]
    assert [g.name for g in denied.groups_for("gamma")] == ["a", "b", "c"]


@given(st.dictionaries(st.sampled_from("abc"), st.lists(st.integers(0, 9), max_size=4)))
def test_index_priority_takes_one_index_only(content: dict[str, list[int]]) -> None:
    found = _search(content, Strategy.INDEX_PRIORITY)
    assert len({name for name, _ in found}) <= 1
    first = next((name for name in "abc" if content.get(name)), None)
    assert {name for name, _ in found} == ({first} if first else set())
    collated = _search(content, Strategy.VERSION_PRIORITY)
    assert sorted(collated) == sorted((n, v) for n, vs in content.items() for v in vs)


@pytest.mark.parametrize("kwargs, message", [
    ({"indexes": (A, A)}, "unique"),
    ({"indexes": (A,), "pins": {"x": "b"}}, "no index named 'b'"),
    ({"indexes": (A, B), "mirrors": (("a", "z"),)}, "no index named 'z'"),
    ({"indexes": (A, B), "mirrors": (("a", "b"), ("b",))}, "two mirror groups"),
])
def test_plan_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(IndexConfigError, match=message):
        IndexPlan(**kwargs)  # type: ignore[arg-type]


def test_parse_index_option() -> None:
    assert parse_index_option("pypi=https://pypi.org/simple/") == Index(
        "pypi", "https://pypi.org/simple/")
    with pytest.raises(IndexConfigError, match="expected NAME=URL"):
        parse_index_option("https://pypi.org/simple/")


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "wheelnext.toml"
    path.write_text(
        'index-strategy = "version-priority"\n'
        'mirrors = [["a", "b"]]\n'
        "allow-fallthrough-on-error = true\n"
        '[[index]]\nname = "a"\nurl = "http://a/"\ndeny = ["Alpha"]\n'
        '[[index]]\nname = "b"\nurl = "http://b/"\n'
        '[index-for]\nbeta = "b"\n'
    )
    config = load_config(path)
    assert config.indexes == [Index("a", "http://a/"), Index("b", "http://b/")]
    assert config.strategy is Strategy.VERSION_PRIORITY
    assert config.deny == {"a": frozenset({"alpha"})}
    assert config.pins == {"beta": "b"}
    assert config.mirrors == [("a", "b")]
    assert config.allow_fallthrough_on_error is True


@pytest.mark.parametrize("text, message", [
    ("nonsense = 1\n", "unknown key 'nonsense'"),
    ('index-strategy = "best"\n', "expected index-priority or version-priority"),
    ('[[index]]\nname = "a"\n', r"index\[0\]: needs string keys"),
    ("[[index\n", "cannot read config"),
])
def test_config_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(IndexConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_describe_names_strategy() -> None:
    plan = IndexPlan((A, B), Strategy.VERSION_PRIORITY)
    assert plan.describe().startswith("index strategy: version-priority")
