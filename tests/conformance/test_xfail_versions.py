"""Expected-failure entries limited to installer versions (issue #14)."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.record import Record
from wheelnext.conformance.scenario import load_scenario
from wheelnext.conformance.xfail import (
    EXPECTED_FAILURE,
    UNEXPECTED_PASS,
    XfailError,
    annotate,
    derive,
    load_xfail,
    reasons_for,
    render,
)

LIST = """
installer = "pip"
[expected-failures]
always = "pip never does"
old = { reason = "fixed in pip 26", versions = "<26" }
"""

SCENARIO = """
[[packages.primary]]
name = "a"
version = "1"
[request]
requirements = ["a"]
[expect]
exit = "failure"
"""


def listed(tmp_path: Path, text: str = LIST) -> Path:
    path = tmp_path / "pip.toml"
    path.write_text(text)
    return path


def test_an_entry_applies_only_to_the_versions_its_specifier_contains(tmp_path: Path) -> None:
    lists = [load_xfail(listed(tmp_path))]
    assert reasons_for(lists, "old", "pip", "23.2.1") == ["fixed in pip 26"]
    assert reasons_for(lists, "old", "pip", "26.3") == []
    assert reasons_for(lists, "old", "pip", "not a version") == []
    assert reasons_for(lists, "old", "pip") == []
    assert reasons_for(lists, "always", "pip", "26.3") == ["pip never does"]
    assert reasons_for(lists, "old", "uv", "23.2.1") == []


def test_annotate_reads_the_results_installer_version(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    scenario = load_scenario(write_scenario(SCENARIO))
    scenario = dataclasses.replace(scenario, id="old")
    lists = [load_xfail(listed(tmp_path))]
    failing_old = Result(scenario, "pip", "23.2.1", "3.11.7", Status.FAIL)
    failing_new = Result(scenario, "pip", "26.3", "3.11.7", Status.FAIL)
    passing_new = Result(scenario, "pip", "26.3", "3.11.7", Status.PASS)
    old, new, fine = annotate([failing_old, failing_new, passing_new], lists)
    assert old.annotation == EXPECTED_FAILURE
    assert new.annotation != EXPECTED_FAILURE  # a real failure at 26.3
    assert fine.annotation != UNEXPECTED_PASS


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{ reason = "r", versions = "banana" }', "expected-failures.x.versions: not a version"),
        ('{ reason = "r" }', "expected-failures.x: a reason, or a table"),
        ('{ reason = "r", versions = 26 }', "expected-failures.x: 'reason' and 'versions'"),
        ("3", "expected-failures.x: a reason, or a table"),
    ],
)
def test_a_malformed_entry_is_one_line_naming_it(
    tmp_path: Path, entry: str, message: str
) -> None:
    with pytest.raises(XfailError, match=message):
        load_xfail(listed(tmp_path, f'installer = "pip"\n[expected-failures]\nx = {entry}\n'))


def rec(scenario: str, status: str, version: str) -> Record:
    data: dict[str, Any] = {
        "scenario": scenario, "installer": "pip", "installer_version": version,
        "python": "3.11.7", "runner": "venv", "status": status,
        "failures": [f"{scenario}: expected 1.0, observed not installed"], "reason": "",
    }  # fmt: skip
    return Record.from_json(data)


def test_derive_keeps_a_limited_entry_that_fails_exactly_its_versions(tmp_path: Path) -> None:
    previous = {"pip": load_xfail(listed(tmp_path))}
    records = [
        rec("always", "fail", "23.2.1"), rec("always", "fail", "26.3"),
        rec("old", "fail", "23.2.1"), rec("old", "pass", "26.3"),
    ]  # fmt: skip
    (derived,) = derive(records, previous=previous)
    assert dict(derived.limits) == {"old": "<26"} and derived.mixed == ()
    assert set(derived.kept) == {"always", "old"}
    out = tmp_path / "out" / "pip.toml"
    out.parent.mkdir()
    out.write_text(render(derived, source="run.json", runner="venv"))
    data = tomllib.loads(out.read_text())
    assert data["expected-failures"]["old"] == {"reason": "fixed in pip 26", "versions": "<26"}
    assert dict(load_xfail(out).versions) == dict(previous["pip"].versions)
    flipped = [
        rec("always", "fail", "23.2.1"), rec("always", "fail", "26.3"),
        rec("old", "pass", "23.2.1"), rec("old", "fail", "26.3"),
    ]  # fmt: skip
    (derived,) = derive(flipped, previous=previous)
    assert derived.mixed == ("old",) and "old" in derived.dropped
