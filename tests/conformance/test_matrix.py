"""The published matrix: wheelnext.conformance.matrix merges runs, matrix_page renders them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wheelnext.conformance import matrix as tool
from wheelnext.conformance import matrix_page as page

ROOT = Path(__file__).resolve().parents[2]


def rec(scenario: str, installer: str, status: str, runner: str = "venv", **extra: Any) -> Any:
    return {
        "scenario": scenario,
        "title": "t",
        "group": "PEP 766" if scenario.startswith("pep766") else "baseline",
        "spec": {"pep": 766, "document": None, "section": "s", "sentence": "x", "level": "rule"},
        "installer": installer,
        "installer_version": "1.0",
        "python": "3.11.2",
        "runner": runner,
        "status": status,
        "annotation": "",
        "outcome": "",
        "failures": ["exit: expected success, observed failure"] if status == "fail" else [],
        "reason": "",
        "expected": [],
        "observed": None,
        **extra,
    }


def test_every_named_configuration_is_a_column() -> None:
    specs = tool.installer_specs("23.2.1", None, None)
    assert specs[:2] == ["pip==23.2.1", "pip==23.2.1:only-binary"]
    assert {"pip", "pip:only-binary", "uv", "uv:variants", "wheelnext"} <= set(specs)
    assert {"uv:first-index", "uv:unsafe-first-match", "uv:unsafe-best-match"} <= set(specs)
    assert tool.installer_specs("23.2.1", "26.3", "0.9.1")[2] == "pip==26.3"


def test_merge_replaces_the_runners_run_now_and_keeps_the_others(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    old = [rec("a", "pip", "pass", "venv"), rec("a", "pip", "fail", "docker")]
    out.write_text(json.dumps({"results": old, "runners": {"venv": {}, "docker": {"x": 1}}}))
    long = {"output": "y" * 10_000}
    run = {"results": [rec("a", "uv", "pass", "venv", observed=long)], "scenario_set": "abc"}
    document = tool.merge(out, {"venv": run}, "python tools/matrix.py", {"venv": 3.0})
    cells = {(r["installer"], r["runner"]): r["status"] for r in document["results"]}
    assert cells == {("pip", "docker"): "fail", ("uv", "venv"): "pass"}
    assert document["runners"]["docker"] == {"x": 1}
    assert document["runners"]["venv"]["seconds"] == 3
    kept = next(r for r in document["results"] if r["installer"] == "uv")
    assert len(kept["observed"]["output"]) <= tool.OUTPUT_TAIL + 1


def test_only_replaces_just_the_named_columns(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    old = [rec("a", "pip", "pass", "venv"), rec("a", "wheelnext", "fail", "venv")]
    meta = {"venv": {"seconds": 9, "installers": ["pip 1.0", "wheelnext 1.0"]}}
    out.write_text(json.dumps({"results": old, "runners": meta}))
    run = {"results": [rec("a", "wheelnext", "pass", "venv")], "scenario_set": "abc"}
    document = tool.merge(
        out, {"venv": run}, "python tools/matrix.py --only wheelnext", {"venv": 1.0},
        frozenset({"wheelnext"}),
    )
    cells = {(r["installer"], r["runner"]): r["status"] for r in document["results"]}
    assert cells == {("pip", "venv"): "pass", ("wheelnext", "venv"): "pass"}
    assert document["runners"]["venv"]["seconds"] == 9
    reruns = document["runners"]["venv"]["partial_reruns"]
    assert reruns == ["python tools/matrix.py --only wheelnext"]
    assert tool.column("pip==23.2.1:only-binary") == "pip:only-binary"
    assert tool.column("uv==0.13.9") == "uv"


def test_page_links_each_cell_to_the_reports_detail() -> None:
    from wheelnext.conformance.report import html

    records = [
        rec("pep766-a", "pip", "fail"),
        rec("pep766-a", "uv", "pass"),
        rec("baseline-b", "uv", "unsupported"),
    ]
    data = {"results": records, "runners": {"venv": {"command": "python tools/matrix.py"}}}
    lines = page.render(data, link="../conformance/matrix.html")
    text = "\n".join(lines)
    report = html.render(page.records_of(data))
    anchors = re.findall(r"<\.\./conformance/matrix\.html#([^>]+)>", text)
    assert len(anchors) == 3
    for anchor in anchors:
        assert f'id="{anchor}"' in report
    assert text.index("**baseline**") < text.index("**PEP 766**")
    assert "``pep766-a``: ``exit: expected success, observed failure``" in text
    assert page.render({"results": []})[0].startswith("The matrix has not been run yet")


def test_a_malformed_committed_file_is_refused_before_anything_runs(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"results": [rec("a", "pip", "pass", annotation=7)]}))
    monkeypatch.setattr(tool, "usable", lambda *a: pytest.fail("the matrix ran"))
    with pytest.raises(SystemExit) as info:
        tool.main(["--out", str(out), "--runners", "venv"], root=ROOT)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"error: {out}: results[0].annotation: expected a string, got a number\n"


def test_index_records_merge_as_their_own_columns(tmp_path: Path) -> None:
    """An index run's records (runner httpx) replace the earlier index records only."""
    out = tmp_path / "results.json"
    old = [
        rec("baseline-i", "pip", "pass", "venv"),
        rec("baseline-i", "reference", "fail", "httpx"),
    ]
    out.write_text(json.dumps({"results": old, "runners": {"venv": {"x": 1}, "httpx": {}}}))
    run = {
        "results": [
            rec("baseline-i", "reference", "pass", "httpx"),
            rec("baseline-i", "static-dumb-pypi", "fail", "httpx"),
            rec("baseline-j", "static-dumb-pypi", "not applicable", "httpx"),
        ],
        "scenario_set": "abc",
    }
    document = tool.merge(out, {"httpx": run}, "python tools/matrix.py --index-only", {"httpx": 2})
    cells = {(r["scenario"], r["installer"], r["runner"]): r["status"] for r in document["results"]}
    assert cells == {
        ("baseline-i", "pip", "venv"): "pass",
        ("baseline-i", "reference", "httpx"): "pass",
        ("baseline-i", "static-dumb-pypi", "httpx"): "fail",
        ("baseline-j", "static-dumb-pypi", "httpx"): "not applicable",
    }
    assert document["runners"]["venv"] == {"x": 1}
    assert document["runners"]["httpx"]["installers"] == ["reference 1.0", "static-dumb-pypi 1.0"]
    assert "static-dumb-pypi" in tool.index_targets()


def test_page_renders_the_index_table_after_the_installers() -> None:
    records = [
        rec("baseline-i", "pip", "not applicable", "venv"),
        rec("baseline-k", "pip", "pass", "venv"),
        rec("baseline-i", "reference", "pass", "httpx"),
        rec("baseline-i", "static-dumb-pypi", "fail", "httpx"),
        rec("baseline-k", "static-dumb-pypi", "not applicable", "httpx"),
    ]
    runners = {"venv": {"command": "c"}, "httpx": {"command": "tools/matrix.py --index-only"}}
    text = "\n".join(page.render({"results": records, "runners": runners}))
    index_part = text[text.index(page.INDEX_TITLE):]
    assert text.index("venv runner") < text.index(page.INDEX_TITLE)
    assert "     - reference 1.0\n     - static-dumb-pypi 1.0" in index_part
    assert "``baseline-i``" in index_part and "``baseline-k``" not in index_part
    assert "**static-dumb-pypi 1.0** (1)" in index_part
