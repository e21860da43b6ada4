"""The docker runner: images without a registry, one container per job, loopback-only networking.

The engine tests skip with the reason when no Docker engine answers, unless
``WHEELNEXT_REQUIRE_DOCKER=1`` (CI), where that is a failure. Images are
tagged by content key, so the debootstrap and wheel builds happen once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _support.installer import PIP
from _support.waiting import wait_until

from wheelnext.conformance import image as images
from wheelnext.conformance.adapters import pdm
from wheelnext.conformance.adapters.command import CommandInstaller
from wheelnext.conformance.adapters.pdm import PdmInstaller
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.poetry import PoetryInstaller
from wheelnext.conformance.adapters.protocol import AdapterError
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
from wheelnext.conformance.index_targets import IndexTargetError
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.runners import RunnerError, make_runner
from wheelnext.conformance.runners.docker import DockerRunner, DockerSession, _outside

#: A command adapter for pip, baked into its image by its [image] recipe.
PIP_COMMAND = """
name = "pipcmd"
version = "24.0"
capabilities = ["indexes", "no-deps"]
argv = ["pip", "--python", "{python}", "install", "--no-cache-dir", "{no-deps}", "{indexes}",
        "{requirements}"]
index = ["--index-url", "{url}"]
no-deps = ["--no-deps"]

[image]
pip = ["pip==24.0"]
commands = ["pip --version > /opt/installer/recipe-ran"]
"""


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


def test_command_adapter_image_recipe(tmp_path: Path) -> None:
    adapter = tmp_path / "pipcmd.toml"
    adapter.write_text(PIP_COMMAND)
    tool = CommandInstaller.from_file(adapter)
    kind, version, binary = images.installer_recipe(tool)
    assert (kind, binary) == ("command", None)
    assert version == f"pipcmd-{images.recipe_key(images.image_recipe(tool))}"  # type: ignore[arg-type]
    assert images.in_image_path(tool).startswith("/opt/installer/bin:")
    argv = images.in_image_argv(tool, ["pip", "-c", f"{sys.executable} -V", sys.executable])
    assert argv == ["pip", "-c", "/opt/wheelnext/bin/python -V", "/opt/wheelnext/bin/python"]
    adapter.write_text(PIP_COMMAND.replace('commands = [', 'command = ['))
    with pytest.raises(AdapterError, match=r"pipcmd.toml: image: unknown key 'command'"):
        CommandInstaller.from_file(adapter)
    adapter.write_text(PIP_COMMAND.split("[image]")[0])
    with pytest.raises(RunnerError, match=r"'pipcmd' has no \[image\] table"):
        images.installer_recipe(CommandInstaller.from_file(adapter))
    adapter.write_text(PIP_COMMAND.split("[image]")[0] + "[image]\n")
    with pytest.raises(AdapterError, match="image needs pip or commands"):
        CommandInstaller.from_file(adapter)


def _tool_env(folder: Path, dists: dict[str, str]) -> Path:
    """A provisioned tool environment holding *dists* (name -> version), as the cache has."""
    for name, version in dists.items():
        (folder / "lib/python3.11/site-packages" / f"{name}-{version}.dist-info").mkdir(
            parents=True
        )
    (folder / ".complete").touch()
    return folder / "bin" / "python"


def test_pdm_and_poetry_images_pin_their_tool_environment(tmp_path: Path) -> None:
    """pdm and poetry are baked from their tool environment's distributions, each at the
    version the venv runner runs, and start as ``python -m`` of the image's copy."""
    python = _tool_env(tmp_path / "pdm-2.29.4", {"pdm": "2.29.4", "hishel": "1.4.0"})
    tool = PdmInstaller(command=(str(python), "-m", "pdm"), version="2.29.4")
    recipe = images.image_recipe(tool)
    assert recipe is not None and recipe.pip == ("hishel==1.4.0", "pdm==2.29.4")
    assert images.installer_recipe(tool) == ("tool", f"pdm-{images.recipe_key(recipe)}", None)
    argv = images.in_image_argv(tool, [str(python), "-m", "pdm", "install", "--no-self"])
    assert argv == ["/opt/installer/bin/python", "-m", "pdm", "install", "--no-self"]
    # A pdm named by path: its version and the pins the provisioning uses.
    given = PdmInstaller(command=("/usr/local/bin/pdm",), version="2.29.4", config=None)
    assert images.image_recipe(given).pip == ("pdm==2.29.4", *pdm.PINS)  # type: ignore[union-attr]
    assert images.in_image_argv(given, ["/usr/local/bin/pdm", "install"])[:4] == [
        "/opt/installer/bin/python", "-m", "pdm", "install"]  # fmt: skip
    python = _tool_env(tmp_path / "poetry-2.5.1", {"poetry": "2.5.1", "poetry_core": "2.5.0"})
    tool2 = PoetryInstaller(command=(str(python), "-m", "poetry"), version="2.5.1")
    assert images.image_recipe(tool2).pip == ("poetry==2.5.1", "poetry_core==2.5.0")  # type: ignore[union-attr]
    assert images.installer_recipe(tool2)[0] == "tool"


def test_harness_image_takes_pdm_poetry_and_command_adapters(tmp_path: Path) -> None:
    """``image build --harness``: pdm and poetry by version, a command adapter with its
    ``[image]`` table (named inside by its copy in ``/opt/wheelnext-adapters``)."""
    from wheelnext.conformance.adapters import InstallerSpec
    from wheelnext.conformance.suite_image import in_image_spec, specs_of

    adapter = tmp_path / "pipcmd.toml"
    adapter.write_text(PIP_COMMAND)
    specs = ["pdm==2.29.4", "poetry==2.5.1:supplemental", f"{adapter}:fast", "pip==26.3"]
    adapter.write_text(PIP_COMMAND.replace("[image]", '[configs.fast]\nargs = []\n\n[image]'))
    assert specs_of(specs) == specs
    inside = "/opt/wheelnext-adapters/pipcmd.toml:fast"
    assert in_image_spec(InstallerSpec.parse(specs[2])) == inside
    assert in_image_spec(InstallerSpec.parse(specs[1])) == "poetry==2.5.1:supplemental"
    with pytest.raises(RunnerError, match=r"--installer pdm: name its version \(pdm==VERSION\)"):
        specs_of(["pdm"])
    adapter.write_text(PIP_COMMAND.split("[image]")[0])
    with pytest.raises(RunnerError, match=r"'pipcmd' has no \[image\] table"):
        specs_of([str(adapter)])
    with pytest.raises(RunnerError, match="pip@/usr/bin/python: only pip, uv, wheelnext"):
        specs_of(["pip@/usr/bin/python"])


def test_docker_runner_index_targets() -> None:
    assert DockerRunner(index_target="pypiserver").name == "docker+pypiserver"
    assert make_runner("docker", index_target="reference").name == "docker"
    with pytest.raises(IndexTargetError, match="cannot reach a remote index"):
        DockerRunner(index_target="url")
    with pytest.raises(IndexTargetError, match=r"expected one of reference, pypiserver, "
                       r"static-dumb-pypi, pypiserver-server, devpi$"):
        DockerRunner(index_target="nope")
    for target in ("static-dumb-pypi", "pypiserver-server", "devpi"):
        assert DockerRunner(index_target=target).name == f"docker+{target}"
    with pytest.raises(RunnerError, match="cannot reach a remote index"):
        make_runner("docker", index_target="url", remote=object())


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
    pip = make_installer(PIP, cache=tmp_path / "cache")
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


def _run_one(runner: DockerRunner, installer: Any, scenario_id: str, cache: Path) -> Any:
    from wheelnext.conformance.run import run_suite
    from wheelnext.conformance.scenario import load_scenarios

    scenarios = load_scenarios(select=[scenario_id])
    assert [s.id for s in scenarios] == [scenario_id]
    (result,) = run_suite(scenarios, [installer], runner, cache=cache, jobs=1)
    return result


def _left_behind(engine: Any, runner: DockerRunner) -> list[Any]:
    return [
        c
        for session in runner.sessions
        for c in engine.containers.list(all=True, filters={"label": f"{images.LABEL}={session}"})
    ]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.network_installer
def test_command_adapter_runs_from_its_recipe_image(
    engine: Any, harness: str, tmp_path: Path
) -> None:
    """The ``[image]`` recipe is baked at build time; the job's container has no network."""
    from wheelnext.conformance.check import Status

    adapter = tmp_path / "pipcmd.toml"
    adapter.write_text(PIP_COMMAND)
    tool = CommandInstaller.from_file(adapter)
    runner = DockerRunner()
    runner._harness = harness
    result = _run_one(runner, tool, "baseline-single-wheel", tmp_path / "cache")
    assert result.status is Status.PASS, (result.reason, result.failures)
    kind, version, binary = images.installer_recipe(tool)
    tag = images.installer_image(engine, harness, kind, version, binary, images.image_recipe(tool))
    ran = engine.containers.run(
        tag, ["cat", "/opt/installer/recipe-ran"], network_mode="none", remove=True
    )
    assert ran.decode().startswith("pip 24.0 from /opt/installer/")
    assert not _left_behind(engine, runner)


@pytest.mark.docker
@pytest.mark.slow
def test_pypiserver_index_target_runs_in_the_index_container(
    engine: Any, harness: str, tmp_path: Path
) -> None:
    from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
    from wheelnext.conformance.check import Status

    runner = DockerRunner(index_target="pypiserver")
    runner._harness = harness
    result = _run_one(runner, WheelnextInstaller(), "baseline-index-project-page", tmp_path)
    assert result.status is Status.PASS, (result.reason, result.failures)
    assert not _left_behind(engine, runner)
    # pypiserver answers an index's root with its own welcome page; wheelnext's index does not.
    probe_session = DockerSession(runner, tmp_path / "probe")
    (tmp_path / "probe").mkdir()
    root = tmp_path / "root"
    root.mkdir()
    job = SimpleNamespace(key=1, roots=Materialized({"primary": root}), index_errors={})
    try:
        probe_session.start_index(harness, [job])  # type: ignore[list-item]
        assert probe_session.index is not None
        page = engine.containers.run(
            harness,
            [images.PYTHON, "-c", "import sys, urllib.request; "
             "print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())",
             probe_session.url + "/j1-primary/"],
            network_mode=f"container:{probe_session.index.id}",
            labels=probe_session.labels,
            remove=True,
        ).decode()
    finally:
        probe_session.close()
    assert "pypiserver" in page
    assert not _left_behind(engine, runner)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.network_installer
@pytest.mark.parametrize("target", ["pypiserver-server", "devpi", "static-dumb-pypi"])
def test_every_loopback_index_target_runs_in_the_index_container(
    engine: Any, harness: str, tmp_path: Path, target: str
) -> None:
    """pypiserver as its own server, devpi-server and dumb-pypi's pages are served from the
    index container (devpi-server and dumb-pypi from the index image: the container has no
    network), and the installer's container installs from them. A file the index refuses on
    upload (pypiserver and devpi take no ``.whlx``) makes that scenario not applicable, with
    the index's answer, and nothing else."""
    from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
    from wheelnext.conformance.check import Status
    from wheelnext.conformance.run import run_suite
    from wheelnext.conformance.scenario import load_scenarios

    runner = DockerRunner(index_target=target)
    runner._harness = harness
    scenarios = load_scenarios(select=["baseline-index-project-page", "pep777-only-whlx"])
    results = {r.scenario.id: r for r in run_suite(
        scenarios, [WheelnextInstaller()], runner, cache=tmp_path / "cache", jobs=2)}
    page = results["baseline-index-project-page"]
    assert page.status is Status.PASS, (page.reason, page.failures)
    whlx = results["pep777-only-whlx"]
    if target == "static-dumb-pypi":  # written from a file list: nothing is uploaded
        assert "refused" not in whlx.reason, whlx.reason
    else:
        assert whlx.status is Status.NOT_APPLICABLE, (whlx.status, whlx.reason)
        assert whlx.reason.startswith(f"the {target} index refused a file of the scenario: "
                                      "upload of alpha-"), whlx.reason
    assert not _left_behind(engine, runner)


# -- a second engine, named by DOCKER_HOST ---------------------------------------------------


def _docker(host: str, *args: str) -> str:
    done = subprocess.run(
        ["docker", "-H", host, *args], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


def _move(tag: str, host: str) -> None:
    """``docker save TAG | docker -H HOST load``: the documented way, there being no registry."""
    save = subprocess.Popen(["docker", "save", tag], stdout=subprocess.PIPE)
    load = subprocess.run(
        ["docker", "-H", host, "load"], stdin=save.stdout, capture_output=True, check=False
    )
    assert save.wait(300) == 0 and load.returncode == 0, load.stderr


@pytest.fixture()
def second_engine(engine: Any, harness: str) -> Iterator[str]:
    """A ``dockerd`` of its own (socket, data, exec root, pidfile) with the harness loaded.

    It has no bridge and touches no iptables, as a remote engine shares nothing with
    this one; its process group is ended and its folders removed afterwards.
    """
    dockerd = shutil.which("dockerd")
    if dockerd is None or shutil.which("docker") is None or os.geteuid() != 0:
        reason = "a second engine needs dockerd, the docker CLI and root"
        if os.environ.get("WHEELNEXT_REQUIRE_DOCKER") == "1":
            pytest.fail(f"WHEELNEXT_REQUIRE_DOCKER=1 but {reason}")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="wn-dockerd-", dir="/tmp"))  # a socket path is short
    host = f"unix://{root / 'docker.sock'}"
    log = (root / "dockerd.log").open("wb")
    daemon = subprocess.Popen(
        [
            dockerd,
            f"--host={host}",
            f"--data-root={root / 'data'}",
            f"--exec-root={root / 'exec'}",
            f"--pidfile={root / 'dockerd.pid'}",
            "--iptables=false",
            "--bridge=none",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def answers() -> bool:
            if daemon.poll() is not None:
                tail = (root / "dockerd.log").read_text(errors="replace")[-500:]
                pytest.fail(f"the second dockerd exited ({daemon.returncode}): {tail}")
            probe = ["docker", "-H", host, "version", "--format", "{{.Server.Version}}"]
            return subprocess.run(probe, capture_output=True, check=False).returncode == 0

        wait_until(answers, "the second dockerd to answer")
        _move(harness, host)
        yield host
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(300)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(300)
        log.close()
        shutil.rmtree(root)


@pytest.mark.docker
@pytest.mark.slow
def test_runner_uses_the_engine_docker_host_names(
    engine: Any, harness: str, second_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
    from wheelnext.conformance.check import Status

    start = str(int(time.time()) - 5)
    monkeypatch.setenv("DOCKER_HOST", second_engine)
    runner = DockerRunner()
    runner._harness = harness
    assert runner.engine.info()["DockerRootDir"] != engine.info()["DockerRootDir"]
    result = _run_one(runner, WheelnextInstaller(), "baseline-single-wheel", tmp_path / "cache")
    assert result.status is Status.PASS, (result.reason, result.failures)
    (session,) = runner.sessions
    label = f"label={images.LABEL}={session}"
    end = str(int(time.time()) + 1)
    events = ["events", "--since", start, "--until", end, "--filter", "type=container"]
    there = _docker(second_engine, *events, "--filter", label, "--format", "{{.Action}}")
    assert "create" in there.split() and "destroy" in there.split()
    monkeypatch.delenv("DOCKER_HOST")
    here = subprocess.run(
        ["docker", *events, "--filter", label, "--format", "{{.Action}}"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    assert here.strip() == ""
    filters = ["ps", "-aq", "--filter", label]
    assert _docker(second_engine, *filters).strip() == ""
    assert not engine.containers.list(all=True, filters={"label": f"{images.LABEL}={session}"})


@pytest.mark.docker
@pytest.mark.slow
def test_the_harness_image_moved_to_another_engine_runs_there(
    engine: Any, harness: str, second_engine: str
) -> None:
    """Built here, moved with ``docker save``/``docker load``, run on the second engine."""
    from wheelnext.conformance.suite_image import suite_image

    tag = suite_image(engine, harness, ["wheelnext"])
    _move(tag, second_engine)
    argv = ["wheelnext", "conformance", "run", "--installer", "wheelnext"]
    argv += ["--select", "baseline-single-wheel"]
    done = subprocess.run(
        ["docker", "-H", second_engine, "run", "--rm", "--network", "none", tag, *argv],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0 and "pass: 1" in done.stderr + done.stdout, done.stderr[-2000:]
    assert _docker(second_engine, "ps", "-aq").strip() == ""


@pytest.mark.docker
@pytest.mark.slow
def test_the_harness_image_runs_the_suite_by_itself(engine: Any, harness: str) -> None:
    """``docker run IMAGE wheelnext conformance run ...`` with no network: the venv runner
    inside says whether it has its private mounts (CAP_SYS_ADMIN) or snapshots."""
    from wheelnext.conformance.suite_image import suite_image

    tag = suite_image(engine, harness, ["wheelnext"])
    # -v: the write detection line is detail, printed only when asked for.
    argv = ["wheelnext", "conformance", "run", "-v", "--installer", "wheelnext"]
    argv += ["--select", "baseline-single-wheel"]
    lines = {}
    for caps in ([], ["SYS_ADMIN"]):
        output = engine.containers.run(
            tag, argv, network_mode="none", cap_add=caps, remove=True, stderr=True
        ).decode()
        assert "pass: 1" in output, output[-2000:]
        (lines[bool(caps)],) = [x for x in output.splitlines() if "write detection" in x]
    assert "snapshot" in lines[False] and "CAP_SYS_ADMIN" in lines[False]
    assert "private mount namespace (as root)" in lines[True]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.network_installer
@pytest.mark.parametrize("spec", ["pdm==2.29.4", "poetry==2.5.1:supplemental"])
def test_pdm_and_poetry_run_from_their_images_as_in_a_venv(
    spec: str, engine: Any, harness: str, tmp_path: Path
) -> None:
    """Provisioned here (the one step that may reach the registry), baked into an image from
    the same distributions, then run in containers that reach only the index: the results
    are the venv runner's."""
    from wheelnext.conformance.adapters import AdapterError, make_installer
    from wheelnext.conformance.run import run_suite
    from wheelnext.conformance.runners.venv import VenvRunner
    from wheelnext.conformance.scenario import load_scenarios

    cache = tmp_path / "cache"
    try:
        tool = make_installer(spec, cache=cache)
    except AdapterError as exc:
        pytest.skip(f"{spec} cannot be provisioned from the registry here: {exc}")
    wanted = ["baseline-dependency", "baseline-direct-wheel", "pep766-three-indexes"]
    scenarios = load_scenarios(select=wanted)
    runner = DockerRunner()
    runner._harness = harness
    in_docker = run_suite(scenarios, [tool], runner, cache=cache, jobs=2)
    in_venv = run_suite(scenarios, [tool], VenvRunner(), cache=cache, jobs=2)
    statuses = [(r.scenario.id, str(r.status), r.failures) for r in in_docker]
    assert statuses == [(r.scenario.id, str(r.status), r.failures) for r in in_venv]
    assert {status for _, status, _ in statuses} == {"pass"}, statuses
    module = spec.partition("==")[0]
    for result in in_docker:
        assert result.observation is not None
        assert result.observation.argv[:3] == ("/opt/installer/bin/python", "-m", module)
        assert result.observation.written_outside == (), result.scenario.id
    assert not _left_behind(engine, runner)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.network_installer
def test_the_harness_image_runs_pdm_poetry_and_a_command_adapter(
    engine: Any, harness: str, tmp_path: Path
) -> None:
    """pdm, poetry and a command adapter provisioned in the harness image run there with
    no network."""
    from wheelnext.conformance.suite_image import suite_image

    adapter = tmp_path / "pipcmd.toml"
    adapter.write_text(PIP_COMMAND)
    tag = suite_image(engine, harness, ["pdm==2.29.4", "poetry==2.5.1", str(adapter)])
    argv = ["wheelnext", "conformance", "run", "-q", "--select", "baseline-dependency"]
    argv += ["--installer", "pdm==2.29.4", "--installer", "poetry==2.5.1"]
    argv += ["--installer", "/opt/wheelnext-adapters/pipcmd.toml"]
    output = engine.containers.run(
        tag, argv, network_mode="none", remove=True, stderr=True
    ).decode()
    assert "pass: 3" in output, output[-2000:]
    ran = engine.containers.run(
        tag, ["cat", "/opt/tools/pipcmd/recipe-ran"], network_mode="none", remove=True
    )
    assert ran.decode().startswith("pip 24.0 from /opt/tools/pipcmd/")
