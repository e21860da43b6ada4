"""The docker runner: images without a registry, one container per job, loopback-only networking.

The engine tests skip with the reason when no Docker engine answers, unless
``WHEELNEXT_REQUIRE_DOCKER=1`` (CI), where that is a failure. Images are
tagged by content key, so the debootstrap and wheel builds happen once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from wheelnext.conformance import image as images
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
from wheelnext.conformance.runners import RunnerError
from wheelnext.conformance.runners.docker import _outside


def test_diff_entries_outside_the_job_folder() -> None:
    root = Path("/tmp/job/1")
    changes = [
        {"Path": "/tmp", "Kind": 0},
        {"Path": "/tmp/job", "Kind": 0},
        {"Path": "/tmp/job/1/env", "Kind": 1},
        {"Path": "/etc", "Kind": 0},
        {"Path": "/etc/evil", "Kind": 1},
        {"Path": "/root", "Kind": 0},
        {"Path": "/root/.cache", "Kind": 1},
    ]
    assert list(_outside(changes, root)) == ["/etc/evil", "/root/.cache"]


def test_recipes_name_the_in_image_installer() -> None:
    def pip() -> PipInstaller:
        return PipInstaller(python=Path("/host/venv/bin/python"), version="23.2.1")

    def uv() -> UvInstaller:
        return UvInstaller(binary=Path("/somewhere/uv"), version="0.9.0")

    class Other:
        name = "other"

    assert images.installer_recipe(pip()) == ("pip", "23.2.1", None)
    assert images.installer_recipe(uv()) == ("uv", "0.9.0", Path("/somewhere/uv"))
    argv = images.in_image_argv(pip(), ["/host/venv/bin/python", "-m", "pip", "install"])
    assert argv == ["/opt/installer/bin/python", "-m", "pip", "install"]
    assert images.in_image_argv(uv(), ["/host/uv", "pip"])[0] == "/opt/installer/bin/uv"
    argv = images.in_image_argv(WheelnextInstaller(), ["/host/python", "-m", "wheelnext"])
    assert argv == ["/opt/wheelnext/bin/python", "-m", "wheelnext"]
    with pytest.raises(RunnerError, match="no image recipe"):
        images.installer_recipe(Other())  # type: ignore[arg-type]


# -- with an engine -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Any:
    try:
        return images.client()
    except RunnerError as exc:
        if os.environ.get("WHEELNEXT_REQUIRE_DOCKER") == "1":
            pytest.fail(f"WHEELNEXT_REQUIRE_DOCKER=1 but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def harness(engine: Any) -> str:
    base = images.default_base() or images.base_image(engine)
    return images.harness_image(engine, base)


@pytest.fixture()
def index_container(engine: Any, harness: str, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """A bare index container (``--network none``) serving an empty root, and its URL."""
    from wheelnext.conformance.materialize import Materialized
    from wheelnext.conformance.runners.docker import DockerRunner, DockerSession

    runner = DockerRunner()
    runner._harness = harness
    session = DockerSession(runner, tmp_path)
    root = tmp_path / "root"
    root.mkdir()

    job = SimpleNamespace(key=1, roots=Materialized({"primary": root}), index_errors={})
    try:
        session.start_index(harness, [job])  # type: ignore[list-item]
        yield session, session.index_url("j1-primary")
    finally:
        session.close()
    assert not engine.containers.list(
        all=True, filters={"label": f"{images.LABEL}={session.session}"}
    )


@pytest.mark.docker
@pytest.mark.slow
def test_installer_container_reaches_the_index_and_nothing_else(
    engine: Any, harness: str, index_container: tuple[Any, str]
) -> None:
    session, url = index_container
    probe = (
        "import socket, sys, urllib.request\n"
        f"print(urllib.request.urlopen({url!r}, timeout=5).status)\n"
        "for host, port in (('1.1.1.1', 80), ('deb.debian.org', 80), ('172.17.0.1', 2375)):\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=3)\n"
        "        print('reached', host)\n"
        "    except OSError as exc:\n"
        "        print('blocked', host)\n"
        "lines = open('/proc/net/dev').readlines()[2:]\n"
        "print(sorted(line.split(':')[0].strip() for line in lines))\n"
    )
    output = engine.containers.run(
        harness,
        [images.PYTHON, "-c", probe],
        network_mode=f"container:{session.index.id}",
        labels=session.labels,
        remove=True,
    ).decode()
    lines = output.split("\n")
    assert lines[0] == "200"
    assert lines[1:4] == ["blocked 1.1.1.1", "blocked deb.debian.org", "blocked 172.17.0.1"]
    assert lines[4] == "['lo']"
    assert session.requests()[-1][1].endswith("/simple/")


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.network_installer
def test_smoke_scenarios_with_pip(engine: Any, harness: str, tmp_path: Path) -> None:
    """The docker smoke subset against this environment's pip: no harness error, clean diff,
    ``preinstall`` and ``[[fetch]]`` carried out (not "not applicable")."""
    from wheelnext.conformance.adapters import make_installer
    from wheelnext.conformance.check import Status
    from wheelnext.conformance.run import needed_features, run_suite
    from wheelnext.conformance.runners.docker import DockerRunner
    from wheelnext.conformance.scenario import load_scenarios

    scenarios = load_scenarios(select=["smoke"])
    assert scenarios
    runner = DockerRunner()
    runner._harness = harness
    pip = make_installer("pip", cache=tmp_path / "cache")
    results = run_suite(scenarios, [pip], runner, cache=tmp_path / "cache", jobs=2)
    by_id = {r.scenario.id: r for r in results}
    errors = {i: r.reason for i, r in by_id.items() if r.status is Status.ERROR}
    assert not errors
    assert (
        by_id["pep766-no-surprise-update"].status is Status.UNSUPPORTED
    )  # pip has no index priority
    for result in results:
        if result.observation is not None:
            assert result.observation.written_outside == (), result.scenario.id
    features = {i: r for i, r in by_id.items() if needed_features(r.scenario)}
    assert {"fetch", "preinstall"} <= {
        f for r in features.values() for f in needed_features(r.scenario)
    }
    for result in features.values():
        assert result.status is not Status.NOT_APPLICABLE, result.scenario.id
        assert result.observation is not None
    fetched = by_id["baseline-index-project-page"]
    assert fetched.status is Status.PASS, fetched.failures
    assert fetched.observation is not None and fetched.observation.fetched
    # Only this run's containers: other runs of the suite may be going on beside it.
    (session,) = runner.sessions
    ours = {"label": f"{images.LABEL}={session}"}
    assert not engine.containers.list(all=True, filters=ours)
