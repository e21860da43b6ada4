"""PEP 771 default extras: the rules as functions, and across a dependency tree end to end."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from _support.installer import install, installed, make_env, served
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from wheelnext.default_extras import (
    InvalidRequirementText,
    UnknownExtraWarning,
    choose_extras,
    requested_extras,
    warn_unknown,
)


@pytest.mark.parametrize("text, expected", [
    ("pkg", None),
    ("pkg>=1", None),
    ("pkg; python_version > '3'", None),
    ("pkg[]", frozenset()),
    ("pkg[] >=1", frozenset()),
    ("pkg[A_b,c]", frozenset({"a-b", "c"})),
])
def test_requested_extras(text: str, expected: frozenset[str] | None) -> None:
    assert requested_extras(text) == expected


def test_requested_extras_rejects_garbage() -> None:
    with pytest.raises(InvalidRequirementText, match="requirement 'pkg\\[': "):
        requested_extras("pkg[")


def test_no_extras_means_defaults() -> None:
    choice = choose_extras(None, ["recommended", "other"], ["recommended"])
    assert choice.extras == {"recommended"} and choice.defaults_used


def test_explicit_extras_disable_defaults() -> None:
    choice = choose_extras(frozenset({canonicalize_name("other")}), ["recommended", "other"],
                           ["recommended"])
    assert choice.extras == {"other"} and not choice.defaults_used


def test_all_unknown_is_like_empty_brackets() -> None:
    choice = choose_extras(frozenset({canonicalize_name("nope")}), ["recommended"],
                           ["recommended"])
    assert choice.extras == frozenset() and choice.unknown == {"nope"}


def test_unknown_extra_warning_quotes_pip() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_unknown("package", "3.0.0", ["non-existent-extra"])
    assert caught[0].category is UnknownExtraWarning
    assert str(caught[0].message) == "package 3.0.0 does not provide the extra 'non-existent-extra'"


names = st.sets(st.sampled_from(["a", "b", "c", "d", "e"]))


@given(requested=st.one_of(st.none(), names), provides=names, defaults=names)
def test_choice_properties(requested: set[str] | None, provides: set[str],
                           defaults: set[str]) -> None:
    given_extras = None if requested is None else frozenset(canonicalize_name(e) for e in requested)
    choice = choose_extras(given_extras, provides, defaults)
    assert choice.extras <= provides
    if given_extras is None:
        assert choice.extras == defaults & provides
    else:
        assert choice.extras | choice.unknown == given_extras
        assert not choice.defaults_used


TREE = {"pypi": [
    {"name": "package", "version": "1.0", "provides-extra": ["extra1", "extra2"],
     "default-extra": ["extra1"],
     "requires-dist": ["one; extra == 'extra1'", "two; extra == 'extra2'"]},
    {"name": "one", "version": "1.0"},
    {"name": "two", "version": "1.0"},
    {"name": "tomato", "version": "1.0", "requires-dist": ["package[extra2]"]},
    {"name": "egg", "version": "1.0", "requires-dist": ["package"]},
    {"name": "minimal", "version": "1.0", "requires-dist": ["package[]"]},
]}


@pytest.mark.parametrize("requirements, expected", [
    (["package"], {"package", "one"}),
    (["package[]"], {"package"}),
    (["package[extra2]"], {"package", "two"}),
    (["package[nonexistent]"], {"package"}),
    (["tomato", "egg"], {"package", "one", "two", "tomato", "egg"}),
    (["tomato"], {"package", "two", "tomato"}),
    (["minimal", "egg"], {"package", "one", "minimal", "egg"}),
])
def test_union_across_the_tree(tmp_path: Path, requirements: list[str],
                               expected: set[str]) -> None:
    with served(tmp_path, TREE) as server:
        result = install(tmp_path, server, ["pypi"], *requirements)
    assert result.exit_code == 0, result.output
    assert set(installed(make_env(tmp_path))) == expected
    if requirements == ["package[nonexistent]"]:
        assert "does not provide the extra 'nonexistent'" in result.stderr
