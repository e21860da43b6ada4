"""The index-personality axis: each scenario against each personality, in records and reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _support.installer import PIP
from click.testing import CliRunner
from rich.console import Console

from wheelnext.cli import cli, main
from wheelnext.commands.conformance_table import render
from wheelnext.conformance import matrix_page
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.check import Status
from wheelnext.conformance.record import Record
from wheelnext.conformance.report import personality_differences, record
from wheelnext.conformance.run import needed_index_features, run_suite
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import load_scenario, load_scenarios, shipped_dir
from wheelnext.index.features import PERSONALITIES

CORE_METADATA_PAGE = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[request]
requirements = ["alpha"]

[expect]
exit = "success"
installed = { alpha = "1.0" }

[[fetch]]
index = "primary"
path = "alpha/"
accept = "text/html"
contains = ["data-core-metadata="]
"""


@pytest.mark.network_installer
@pytest.mark.slow
def test_pip_runs_each_scenario_against_each_personality(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    shipped = {s.id: s for s in load_scenarios([shipped_dir()])}
    scenarios = [
        load_scenario(write_scenario(CORE_METADATA_PAGE, id="t-core-metadata")),
        shipped["baseline-yanked"],
        shipped["pep825-index-rejects-invalid"],
    ]
    chosen = list(PERSONALITIES.values())
    results = run_suite(scenarios, [make_installer(PIP, cache=tmp_path)], VenvRunner(),
                        cache=tmp_path, jobs=2, personalities=chosen)
    assert len(results) == len(scenarios) * len(chosen)
    by_cell = {(r.scenario.id, r.index_personality): r for r in results}
    status = {cell: r.status for cell, r in by_cell.items()}
    # The fetched page shows which personality served it: data-core-metadata is there
    # only where the personality has PEP 714's attribute.
    for name, personality in PERSONALITIES.items():
        want = Status.PASS if personality.has("core-metadata") else Status.FAIL
        assert status["t-core-metadata", name] is want, name
        assert status["baseline-yanked", name] is Status.PASS, name
    # A JSON [[fetch]] does not apply where there is no JSON: not a fail.
    assert status["pep825-index-rejects-invalid", "json-full"] is Status.PASS
    for name in ("html-plain", "html-core-metadata", "static"):
        result = by_cell["pep825-index-rejects-invalid", name]
        assert result.status is Status.NOT_APPLICABLE
        assert f"the {name} index personality has no json-api" in result.reason
    static = by_cell["baseline-yanked", "static"]
    assert static.observation is not None
    assert ("primary", "/simple/alpha/", 200) in [
        (q.index, q.path, q.status) for q in static.observation.requests
    ]
    records = [record(r) for r in results]
    assert {r.index_personality for r in records} == set(PERSONALITIES)
    differing = personality_differences(records)
    assert [(d.scenario, d.statuses["html-plain"]) for d in differing] == [
        ("t-core-metadata", "fail")
    ]


def test_scenarios_declare_the_index_features_they_need() -> None:
    shipped = {s.id: s for s in load_scenarios([shipped_dir()])}
    assert needed_index_features(shipped["baseline-yanked"]) == frozenset()
    assert needed_index_features(shipped["pep825-value-order"]) == {"variants-file"}
    assert needed_index_features(shipped["pep825-index-rejects-invalid"]) == {
        "json-api", "variants-file"}


def _record(scenario: str, personality: str | None, status: str) -> Record:
    r: dict[str, object] = {"scenario": scenario, "installer": "pip", "installer_version": "1",
                            "python": "3.11", "runner": "venv", "status": status,
                            "group": "baseline", "annotation": "", "failures": [],
                            "reason": "", "spec": {"level": "MUST"}}
    if personality is not None:
        r["index_personality"] = personality
    return Record.from_json(r)


def test_reports_show_results_that_differ_between_personalities() -> None:
    records = [
        _record("a", None, "pass"),  # saved before records carried a personality
        _record("a", "html-plain", "fail"),
        _record("a", "static", "pass"),
        _record("b", "json-full", "pass"),
        _record("b", "html-plain", "not applicable"),
    ]
    (only,) = personality_differences(records)
    assert only.scenario == "a"
    assert only.statuses == {"html-plain": "fail", "json-full": "pass", "static": "pass"}
    lines = matrix_page.personality_lines(records)
    assert "Results that differ between index personalities" in lines
    assert "   * - ``a``" in lines and "   * - ``b``" not in lines
    assert matrix_page.personality_lines(records[3:]) == []
    console = Console(record=True, width=200)
    render(records, console)
    text = console.export_text()
    assert "results that differ between index personalities" in text
    assert "a [pip py3.11 index html-plain]" in text


def test_run_refuses_unknown_or_unservable_personalities(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exited:
            select = ["--select", "baseline-single-wheel", "-q"]
            main(["conformance", "run", "--installer", PIP, *select, *args])
        return int(exited.value.code or 0), capsys.readouterr().err

    code, err = run("--index-personality", "nope")
    assert code == 2
    assert err.strip().splitlines() == [
        "error: --index-personality 'nope': expected one of json-full, html-plain, "
        "html-dist-info-metadata, html-core-metadata, static"]
    code, err = run("--index-personality", "static", "--index-target", "pypiserver")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--index-personality: the venv+pypiserver runner serves json-full only" in err
    assert "--index-personality NAME" in CliRunner().invoke(
        cli, ["conformance", "run", "--help"]).output


def test_matrix_passes_personalities_to_the_venv_runner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from wheelnext.conformance import matrix

    seen: list[list[str]] = []

    def fake_run(argv: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        seen.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(matrix.subprocess, "run", fake_run)
    for runner in ("venv", "docker"):
        matrix.run_one(runner, [PIP], 1, [], tmp_path / "out.json", ["json-full", "static"])
    venv, docker = seen
    assert venv.count("--index-personality") == 2 and "static" in venv
    assert "--index-personality" not in docker


def test_a_certificate_names_a_personality_other_than_the_default() -> None:
    from wheelnext.conformance.certificate import certificate

    records = [_record("a", "html-plain", "pass")]
    meta = {"scenario_set": "x", "index_personalities": ["html-plain"]}
    assert certificate(records, meta)["index_personality"] == "html-plain"
    default = certificate(records, {**meta, "index_personalities": ["json-full"]})
    assert "index_personality" not in default


@pytest.mark.parametrize("personality", ["json-full", "static", "json-full-without-hashes"])
def test_installer_runs_hand_the_installer_the_sdist_an_index_run_holds_back(
    tmp_path: Path, personality: str
) -> None:
    """PEP 777's sdist rule binds "a tool" that encounters the field: an installer run's index
    lists the sdist so the installer under test encounters it, an index run's refuses it
    (the installer scenario pep777-sdist-with-wheel-version and the index scenario
    index-pep777-sdist-wheel-version-refused each need their half), knockouts included."""
    import httpx

    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping
    from wheelnext.conformance.index_targets import serve
    from wheelnext.index.features import DEFAULT

    root = tmp_path / "primary"
    spec = {"name": "alpha", "version": "1.0", "kind": "sdist",
            "unsafe-defect": "sdist-wheel-version"}
    build_dist(spec_from_mapping(spec, source="t"), root, allow_unsafe=True)
    chosen = (DEFAULT.without("hashes") if personality.endswith("-without-hashes")
              else PERSONALITIES[personality])
    listed = {}
    for gate in (False, True):
        with serve("reference", {"primary": root}, {}, personality=chosen,
                   sdist_gate=gate) as served:
            page = httpx.get(served.index_url("primary") + "alpha/", timeout=60.0)
            listed[gate] = "alpha-1.0.tar.gz" in page.text
    assert listed == {False: True, True: False}
