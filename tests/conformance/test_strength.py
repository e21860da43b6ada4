"""Grading by strength: a SHOULD, SHOULD NOT or MAY not met is a ``warn``, never a ``fail``.

docs/design.rst, "Results": "A SHOULD, SHOULD NOT or MAY not met is reported apart,
never as a fail"; a rule stated in plain words (PEPs 766, 771) counts as a MUST.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from wheelnext.commands import conformance_table as terminal
from wheelnext.conformance.certificate import ALL_MET, MUSTS_MET, MUSTS_NOT_MET, certificate
from wheelnext.conformance.check import Result, Status, check
from wheelnext.conformance.observe import InstalledDist, Observation
from wheelnext.conformance.report import html, junit, record, totals
from wheelnext.conformance.scenario import Scenario, load_scenario
from wheelnext.conformance.xfail import (
    EXPECTED_FAILURE,
    XfailList,
    annotate,
    derive,
    exit_status,
)


def at_level(write: Callable[..., Path], level: str, sid: str = "t-level") -> Scenario:
    path = write(id=sid)
    path.write_text(path.read_text().replace('level = "rule"', f'level = "{level}"'))
    return load_scenario(path)


WRONG = Observation(("x",), 0, False, "ok", {"alpha": InstalledDist("2.0")})
RIGHT = Observation(("x",), 0, False, "ok", {"alpha": InstalledDist("1.0")})


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("MUST", Status.FAIL),
        ("MUST NOT", Status.FAIL),
        ("rule", Status.FAIL),
        ("SHOULD", Status.WARN),
        ("SHOULD NOT", Status.WARN),
        ("MAY", Status.WARN),
    ],
)
def test_a_weaker_sentence_not_met_is_a_warn(
    write_scenario: Callable[..., Path], level: str, expected: Status
) -> None:
    s = at_level(write_scenario, level)
    status, _, failures = check(s, WRONG)
    assert status is expected
    assert failures == ("alpha: expected 1.0, observed 2.0",)
    assert check(s, RIGHT)[0] is Status.PASS


def test_a_hang_is_a_fail_even_for_a_should(write_scenario: Callable[..., Path]) -> None:
    s = at_level(write_scenario, "SHOULD")
    assert check(s, replace(WRONG, timed_out=True, exit_code=None))[0] is Status.FAIL
    assert check(s, replace(WRONG, written_outside=("/home/x",)))[0] is Status.FAIL


def results(write: Callable[..., Path]) -> list[Result]:
    should = at_level(write, "SHOULD", "t-should")
    must = at_level(write, "MUST", "t-must")
    failures = ("alpha: expected 1.0, observed 2.0",)
    return [
        Result(should, "pip", "26.0", "3.11.7", Status.WARN, failures=failures, observation=WRONG),
        Result(must, "pip", "26.0", "3.11.7", Status.PASS, observation=RIGHT),
    ]


def test_a_warn_never_changes_the_exit_status(write_scenario: Callable[..., Path]) -> None:
    rs = results(write_scenario)
    assert exit_status(rs) == 0
    listed = XfailList("pip", {"t-should": "pip does not"}, Path("pip.toml"))
    annotated = annotate(rs, [listed])
    assert annotated[0].annotation == EXPECTED_FAILURE
    assert annotated[0].status is Status.WARN
    assert exit_status(annotated) == 0
    passing = annotate([replace(rs[0], status=Status.PASS, failures=())], [listed])
    assert exit_status(passing) == 1  # an unexpected pass, as for a listed fail
    derived = derive([record(r) for r in rs])
    assert list(derived[0].reasons) == ["t-should"]


def test_reports_show_warn_apart(write_scenario: Callable[..., Path]) -> None:
    records = [record(r) for r in results(write_scenario)]
    assert records[0].to_json()["status"] == "warn"
    assert totals(records) == {"pass": 1, "warn": 1}
    page = html.render(records)
    assert 'class="cell warn"' in page and ".warn{" in page and "warn: 1" in page
    console = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    terminal.render(records, console)
    styled = console.export_text(styles=True, clear=False)
    text = console.export_text()
    assert "warn t-should [pip py3.11.7]: SHOULD not met: alpha: expected 1.0" in text
    assert "warn: 1" in text and "fail" not in text
    assert "\x1b[38;5;208mwarn" in styled  # its own colour, dark orange
    tree = ET.fromstring(junit.render(records))
    case = next(c for c in tree.iter("testcase") if c.get("name") == "t-should")
    assert case.find("failure") is None and case.find("skipped") is None
    prop = case.find("properties/property")
    assert prop is not None and prop.get("name") == "warning"
    assert "SHOULD not met: alpha: expected 1.0" in str(prop.get("value"))
    out = case.find("system-out")
    assert out is not None and str(out.text).startswith("warning: SHOULD not met")
    (suite,) = tree.iter("testsuite")
    assert (suite.get("failures"), suite.get("skipped")) == ("0", "0")


def test_certificates_state_the_level_reached(write_scenario: Callable[..., Path]) -> None:
    rs = results(write_scenario)
    meta = {"scenario_set": "x"}
    cert = certificate([record(r) for r in rs], meta)
    assert cert["level"] == MUSTS_MET
    assert cert["shoulds_not_met"] == ["t-should@py3.11.7: warn"]
    assert cert["results"]["t-should@py3.11.7"] == "warn"
    passed = [record(replace(r, status=Status.PASS, failures=())) for r in rs]
    assert certificate(passed, meta)["level"] == ALL_MET
    failed = [record(replace(r, status=Status.FAIL)) for r in rs]
    assert certificate(failed, meta)["level"] == MUSTS_NOT_MET


# -- each scenario's level against its sentence --------------------------------------------


def shipped(sid: str) -> Scenario:
    from wheelnext.conformance.scenario import load_scenarios

    (found,) = load_scenarios(select=[sid])
    return found


def test_levels_follow_the_sentences() -> None:
    """The levels the issue found wrong, each against the sentence it now cites."""
    combined = shipped("pep825-combined-priorities")
    assert (
        combined.spec.level == "MUST" and "MUST result in the longer list" in combined.spec.sentence
    )
    page, digest = shipped("baseline-index-project-page"), shipped("baseline-index-file-hash")
    assert page.spec.level == "MUST" and "anchor tag MUST match" in page.spec.sentence
    assert digest.spec.level == "SHOULD" and "SHOULD include a hash" in digest.spec.sentence
    assert not any("#sha256=" in c for f in page.fetches for c in f.contains)
    newest = shipped("baseline-newest-version")
    assert (newest.spec.section, newest.spec.level) == ("Handling of pre-releases", "SHOULD")
    assert "exclude all other pre-releases" in newest.spec.sentence
    missing = shipped("pep825-label-missing-from-index-file")
    assert missing.spec.level == "SHOULD" and "(non-normative)" not in missing.spec.section
    assert {o.name for o in missing.outcomes} == {
        "missing-label-incompatible",
        "metadata-from-the-wheels",
    }


@pytest.mark.parametrize(
    "sid",
    ["pep777-sdist-with-wheel-version", "baseline-index-file-hash", "pep825-index-rejects-invalid"],
)
def test_a_should_not_met_is_a_warn_not_a_fail(sid: str) -> None:
    s = shipped(sid)
    nothing = Observation(("x",), 0, False, "", {}, fetched=())
    assert check(s, nothing)[0] is Status.WARN


def test_the_label_missing_from_the_index_file_allows_both_readings() -> None:
    s = shipped("pep825-label-missing-from-index-file")
    for label, name in (
        ("null", "missing-label-incompatible"),
        ("lbl", "metadata-from-the-wheels"),
    ):
        seen = Observation(("x",), 0, False, "", {"alpha": InstalledDist("1.0", label)})
        assert check(s, seen)[:2] == (Status.PASS, name)
    assert check(s, Observation(("x",), 1, False, "error", {}))[0] is Status.WARN


# -- which evidence decided a record ---------------------------------------------------------


def test_the_whlx_record_says_how_the_wheel_was_skipped() -> None:
    from wheelnext.conformance.check import evidence
    from wheelnext.conformance.observe import LoggedRequest as Request

    s = shipped("pep777-major-newer-skipped")
    simple = Request("primary", "/simple/alpha/", 200)
    by_name = Observation(("x",), 0, False, "", {"alpha": InstalledDist("1.0")}, requests=(simple,))
    status, outcome, failures = check(s, by_name)
    assert (status, outcome) == (Status.PASS, "skipped-by-extension")
    decided = evidence(s, status, outcome, failures, by_name)
    assert "request log: alpha-2.0-py3-none-any.whlx never requested, nor its metadata" in decided
    assert "alpha: 1.0 installed" in decided and "exit: success (status 0)" in decided
    meta = Request("primary", "/files/alpha-2.0-py3-none-any.whlx.metadata", 200)
    read = replace(by_name, requests=(simple, meta))
    status, outcome, failures = check(s, read)
    assert (status, outcome) == (Status.PASS, "wheel-version-read")
    assert (
        "request log: alpha-2.0-py3-none-any.whlx read "
        "(primary:/files/alpha-2.0-py3-none-any.whlx.metadata)"
    ) in evidence(s, status, outcome, failures, read)
    wrong = replace(read, installed={"alpha": InstalledDist("2.0")})
    status, outcome, failures = check(s, wrong)
    assert status is Status.FAIL
    assert evidence(s, status, outcome, failures, wrong) == failures


def test_records_carry_their_evidence(write_scenario: Callable[..., Path]) -> None:
    s = at_level(write_scenario, "MUST")
    decided = ("the expected outcome held", "exit: success (status 0)", "alpha: 1.0 installed")
    r = Result(s, "pip", "1", "3.11.7", Status.PASS, observation=RIGHT, evidence=decided)
    assert record(r).to_json()["evidence"] == list(decided)
    assert "Decided by:" in html.render([record(r)]) and "alpha: 1.0 installed" in html.render(
        [record(r)]
    )
