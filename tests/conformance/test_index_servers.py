"""Index targets run as servers of their own (issue 15): pypiserver as its own process,
and an offline devpi-server.

Each scenario index gets its own pypiserver process (or devpi index), filled through
its upload API by ``wheelnext.upload``; the processes are gone when the scenario is done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from _support.installer import PIP
from click.testing import CliRunner

from wheelnext.build import build_dist, spec_from_mapping
from wheelnext.cli import cli
from wheelnext.conformance.check import Status
from wheelnext.conformance.index_run import run_index_suite
from wheelnext.conformance.index_servers import serve_devpi, serve_pypiserver_server
from wheelnext.conformance.scenario import load_scenarios

pytest.importorskip("pypiserver")


def _gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_each_index_is_its_own_server_filled_by_upload_and_stopped(tmp_path: Path) -> None:
    roots = {}
    for name, project in (("primary", "alpha"), ("secondary", "beta")):
        roots[name] = tmp_path / name
        build_dist(spec_from_mapping({"name": project, "version": "1.0"}, source="t"),
                   roots[name])
    with serve_pypiserver_server(roots) as served:
        pids = served.pids
        assert len(set(pids)) == 2 and not any(_gone(pid) for pid in pids)
        primary = httpx.get(served.index_url("primary"), timeout=60).text
        secondary = httpx.get(served.index_url("secondary"), timeout=60).text
        page = httpx.get(served.index_url("primary") + "alpha/", timeout=60).text
        assert served.index_url("primary") != served.index_url("secondary")
        assert ">alpha<" in primary and "beta" not in primary
        assert ">beta<" in secondary and "alpha" not in secondary
        assert ">alpha-1.0-py3-none-any.whl</a>" in page
        logged = [(r.index, r.path, r.status) for r in served.requests]
        assert logged == [("primary", "/simple/", 200), ("secondary", "/simple/", 200),
                          ("primary", "/simple/alpha/", 200)]
        proxy_urls = [served.index_url(n) for n in ("primary", "secondary")]
    assert all(_gone(pid) for pid in pids)
    for url in proxy_urls:  # the logging proxies stopped with the servers
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=60)


def test_request_log_scenarios_apply_to_a_server_target(tmp_path: Path) -> None:
    """Issue #15: through the logging proxy, a scenario that expects on the request log runs
    against pypiserver-server, and its request expectations are checked on what was logged."""
    from wheelnext.conformance.index_servers import not_applicable

    [scenario] = load_scenarios(select=["pep766-fall-through-name-absent"])
    assert any(o.requests is not None for o in scenario.outcomes)
    assert not_applicable("pypiserver-server", scenario) is None
    [yanks] = load_scenarios(select=["pep766-fall-through-yanked"])
    assert "yanks files" in str(not_applicable("pypiserver-server", yanks))


def test_index_scenarios_against_pypiserver_server(private_host: Path) -> None:
    scenarios = load_scenarios(select=[
        "index-pep825-variants-json-hosted", "pep825-index-rejects-invalid",
        "index-pep777-whlx-served"])
    results = {r.scenario.id: r for r in run_index_suite(scenarios, "pypiserver-server")}
    hosted = results["index-pep825-variants-json-hosted"]
    assert hosted.status is Status.FAIL, hosted.reason
    assert hosted.installer == "pypiserver-server"
    assert hosted.failures[0].startswith("pypiserver-server index 'primary', file "
                                         "alpha-1.0-variants.json (linked from alpha/)")
    rejects = results["pep825-index-rejects-invalid"]
    assert rejects.status is Status.WARN, rejects.reason  # pypiserver took the invalid uploads
    assert any("alpha-1.0-py3-none-any-lbl.whl', it does" in f for f in rejects.failures)
    # pypiserver refuses a .whlx upload: in an index run that is the index's behaviour (a fail
    # naming the refusal), not a harness error.
    whlx = results["index-pep777-whlx-served"]
    assert whlx.status is Status.FAIL, whlx.reason
    assert any("refused the upload of alpha-2.0-py3-none-any.whlx" in f and "HTTP 400" in f
               for f in whlx.failures), whlx.failures


@pytest.mark.network_installer
@pytest.mark.slow
def test_devpi_gives_each_index_its_own_namespace_and_stops(tmp_path: Path) -> None:
    roots = {}
    for name, project in (("primary", "alpha"), ("secondary", "beta")):
        roots[name] = tmp_path / name
        build_dist(spec_from_mapping({"name": project, "version": "1.0"}, source="t"),
                   roots[name])
    with serve_devpi(roots, cache=tmp_path / "cache") as served:
        [pid] = served.pids
        primary = served.index_url("primary")
        assert primary.endswith("/scenario/primary/+simple/")
        page = httpx.get(primary + "alpha/", timeout=60)
        assert page.status_code == 200 and ">alpha-1.0-py3-none-any.whl</a>" in page.text
        assert httpx.get(primary + "beta/", timeout=60).status_code == 404
        other = httpx.get(served.index_url("secondary") + "beta/", timeout=60).text
        assert ">beta-1.0-py3-none-any.whl</a>" in other
    assert _gone(pid)


@pytest.mark.network_installer
@pytest.mark.slow
@pytest.mark.parametrize("target", ["pypiserver-server", "devpi"])
def test_pip_installs_from_a_server_target(
    target: str, tmp_path: Path, private_host: Path
) -> None:
    out = tmp_path / "run.json"
    result = CliRunner().invoke(cli, [
        "conformance", "run", "-q", "--installer", PIP, "--index-target", target,
        "--select", "baseline-index-project-page", "--select", "baseline-sdist-build",
        "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text())
    by_id = {r["scenario"]: r for r in data["results"]}
    page = by_id["baseline-index-project-page"]
    assert page["status"] == "pass", page["failures"] or page["reason"]
    # It expects on the request log (the build backend's wheel fetched), read through the
    # harness's logging proxy.
    built = by_id["baseline-sdist-build"]
    assert built["status"] == "pass", built["failures"] or built["reason"]
    assert any("wheelnext_minimal_backend" in line for line in built["evidence"])


@pytest.mark.network_installer
@pytest.mark.slow
def test_a_refused_upload_makes_its_scenario_not_applicable_not_the_run_fail(
    tmp_path: Path, private_host: Path
) -> None:
    """pypiserver's upload API refuses ``.whlx`` files (HTTP 400): an installer run against
    it used to stop with exit 2 at the first such scenario; now that scenario is not
    applicable, with the index's answer, and the others run."""
    out = tmp_path / "run.json"
    result = CliRunner().invoke(cli, [
        "conformance", "run", "-q", "--installer", PIP, "--index-target", "pypiserver-server",
        "--select", "pep777-only-whlx", "--select", "baseline-index-project-page",
        "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    by_id = {r["scenario"]: r for r in json.loads(out.read_text())["results"]}
    whlx = by_id["pep777-only-whlx"]
    assert whlx["status"] == "not applicable", whlx
    assert whlx["reason"].startswith(
        "the pypiserver-server index refused a file of the scenario: upload of alpha-"), whlx
    assert ".whlx" in whlx["reason"] and "HTTP 400" in whlx["reason"], whlx
    assert by_id["baseline-index-project-page"]["status"] == "pass"
