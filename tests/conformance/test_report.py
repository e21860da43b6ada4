"""Reports: JSON round trip and merge, JUnit XML, and the HTML matrix in real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.observe import InstalledDist, Observation
from wheelnext.conformance.report import (
    ReportError,
    html,
    junit,
    load_runs,
    record,
    write_json,
)
from wheelnext.conformance.scenario import Scenario, load_scenario

from .chromium import CHROMIUM, Browser


def results(write: Callable[..., Path]) -> list[Result]:
    scenario: Scenario = load_scenario(write())
    other = load_scenario(write(id="t-two"))
    seen = Observation(("pip",), 0, False, "ok", {"alpha": InstalledDist("1.0")})
    return [
        Result(scenario, "pip", "26.0", "3.11.7", Status.PASS, observation=seen),
        Result(
            scenario, "uv", "0.13", "3.11.7", Status.FAIL,
            failures=("alpha: expected 1.0, observed 2.0",), observation=seen,
        ),
        Result(other, "pip", "26.0", "3.11.7", Status.UNSUPPORTED, reason="no index priority"),
        Result(other, "uv", "0.13", "3.11.7", Status.ERROR, reason="boom"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        ("[1]", "results[0]: a record must be a JSON object"),
        ('[{"scenario": "s"}]', "results[0].installer: missing or not a string"),
        ('[{"scenario": 1}]', "results[0].scenario: missing or not a string"),
    ],
)
def test_a_malformed_record_is_refused_by_its_place(
    tmp_path: Path, saved: str, message: str
) -> None:
    path = tmp_path / "run.json"
    path.write_text('{"results": ' + saved + "}")
    with pytest.raises(ReportError, match=re.escape(f"{path}: {message}")):
        load_runs([path])


def test_json_round_trip_and_merge(tmp_path: Path, write_scenario: Callable[..., Path]) -> None:
    records = [record(r) for r in results(write_scenario)]
    write_json(tmp_path / "a.json", records[:2], {"runner": "venv"})
    write_json(tmp_path / "b.json", records[2:], {"runner": "venv"})
    merged = [r.to_json() for r in load_runs([tmp_path / "a.json", tmp_path / "b.json"])]
    assert merged == json.loads(json.dumps([r.to_json() for r in records]))
    assert merged[1]["failures"] == ["alpha: expected 1.0, observed 2.0"]
    assert merged[0]["expected"][0]["installed"] == {"alpha": "1.0"}


def test_junit_counts(write_scenario: Callable[..., Path]) -> None:
    tree = ET.fromstring(junit.render([record(r) for r in results(write_scenario)]))
    suites = {s.get("name"): s for s in tree.iter("testsuite")}
    uv = next(s for name, s in suites.items() if name and name.startswith("uv"))
    assert (uv.get("failures"), uv.get("errors")) == ("1", "1")
    pip = next(s for name, s in suites.items() if name and name.startswith("pip"))
    assert pip.get("skipped") == "1"


def test_html_matrix_structure(write_scenario: Callable[..., Path]) -> None:
    page = html.render([record(r) for r in results(write_scenario)])
    assert page.count('<td class="cell') == 4
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert f'id="{anchor}"' in page


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here")
def test_html_in_headless_chromium(tmp_path: Path, write_scenario: Callable[..., Path]) -> None:
    page = tmp_path / "report.html"
    page.write_text(html.render([record(r) for r in results(write_scenario)]))
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page.as_uri())
        cells = browser.js(
            "[...document.querySelectorAll('#matrix td.cell')].map(td => "
            "[td.className, td.dataset.status, td.querySelector('a').getAttribute('href')])"
        )
        assert sorted(c[1] for c in cells) == ["error", "fail", "pass", "unsupported"]
        assert {c[0] for c in cells} == {
            "cell pass", "cell fail", "cell unsupported", "cell error"
        }  # fmt: skip
        colour = browser.js(
            "getComputedStyle(document.querySelector('td.cell.fail')).backgroundColor"
        )
        assert colour == "rgb(254, 202, 202)"
        browser.screenshot(tmp_path / "matrix.png")
        for _, _, href in cells:
            assert browser.js(f"!!document.getElementById({href[1:]!r})")
        # Click the failing cell: the page jumps to its detail, which shows both sides.
        browser.js("document.querySelector('td.cell.fail a').click()")
        fail_href = next(h for cls, _, h in cells if cls == "cell fail")
        assert browser.js("location.hash") == fail_href
        top = browser.js(f"document.getElementById({fail_href[1:]!r}).getBoundingClientRect().top")
        assert abs(top) < 5
        detail = browser.js(f"document.getElementById({fail_href[1:]!r}).innerText")
        assert "expected 1.0, observed 2.0" in detail
        assert "Expected" in detail and "Observed" in detail
        shot = browser.screenshot(tmp_path / "detail.png")
    finally:
        browser.close()
    assert shot.stat().st_size > 5000
    artifacts = Path(__file__).parents[2] / ".pytest-artifacts"
    if artifacts.is_dir():
        shutil.copy(tmp_path / "matrix.png", artifacts / "conformance-matrix.png")
        shutil.copy(shot, artifacts / "conformance-detail.png")
