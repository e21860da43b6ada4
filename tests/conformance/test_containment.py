"""Every process an installer run starts is found, reported and killed (conformance/containment)."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from wheelnext.commands import conformance_table as terminal
from wheelnext.conformance import containment, report
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import load_scenario

needs_pid_namespace = pytest.mark.skipif(
    containment.namespace_mode() is None,
    reason="no PID namespaces here (unshare --pid --fork, as root or in a user namespace)",
)

SUCCEEDS_WITHOUT_INSTALLING = """
[[packages.primary]]
name = "a"
version = "1"
[request]
requirements = ["a"]
[expect]
exit = "success"
installed-exact = false
"""

#: Seconds the whole run may take before the test calls it hung (the daemon sleeps 600).
GUARD = 300.0


def adapter(tmp_path: Path, script: str) -> Path:
    code = tmp_path / "fake.py"
    code.write_text(textwrap.dedent(script))
    toml = tmp_path / "fake.toml"
    toml.write_text(
        'name = "fake"\nversion = "0"\ncapabilities = ["indexes"]\n'
        f'argv = ["{sys.executable}", "{code}", "{{prefix}}", "{{work}}"]\n'
    )
    return toml


def alive(pid: int) -> bool:
    """True while *pid* runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def processes_with(canary: str) -> list[int]:
    """Processes on this machine whose command line holds *canary*."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if canary.encode() in handle.read() and alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.fixture
def canary() -> Iterator[str]:
    """A token for the command lines of the processes a test starts; any left are killed."""
    token = f"wnxcanary-daemon-{uuid.uuid4().hex[:10]}"
    yield token
    for pid in processes_with(token):
        os.kill(pid, signal.SIGKILL)


def run_with_guard(run: Callable[[], list[Result]]) -> list[Result]:
    """*run* in a thread; fail (instead of hanging) if it is not done before :data:`GUARD`."""
    box: list[list[Result] | BaseException] = []

    def target() -> None:
        try:
            box.append(run())
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(GUARD)
    if not box:
        pytest.fail(f"the run was still waiting after {GUARD:.0f} s (on a survivor's pipe?)")
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


@needs_pid_namespace
@pytest.mark.slow
def test_a_daemon_holding_stdout_is_killed_and_reported(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path, canary: str
) -> None:
    pid_file = tmp_path / "daemon.pid"
    script = f"""
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                # The grandchild keeps the installer's stdout and stderr open; it writes
                # its process id as this machine sees it (/proc is the host's).
                argv = [sys.executable, "-c",
                        "import os, sys, time; pid = os.readlink('/proc/self');"
                        " open(sys.argv[1], 'w').write(pid); time.sleep(600)",
                        {str(pid_file)!r}, {canary!r}]
                os.execv(sys.executable, argv)
            os._exit(0)
        os.wait()
        while not os.path.exists({str(pid_file)!r}) or not open({str(pid_file)!r}).read():
            time.sleep(0.01)
        print("installed nothing, left a daemon", flush=True)
    """
    scenario = load_scenario(write_scenario(SUCCEEDS_WITHOUT_INSTALLING))
    installer = make_installer(str(adapter(tmp_path, script)), cache=tmp_path)
    (result,) = run_with_guard(
        lambda: run_suite(
            [scenario], [installer], VenvRunner(), timeout=GUARD / 2, cache=tmp_path / "cache"
        )
    )
    assert result.observation is not None, result.reason
    assert not result.observation.timed_out
    assert result.status is Status.PASS, result.failures
    assert "left a daemon" in result.observation.output
    daemon = int(pid_file.read_text())
    assert not alive(daemon)
    assert not processes_with(canary)
    (survivor,) = result.observation.survivors
    assert canary in survivor
    saved = report.record(result)
    record = saved.to_json()
    assert record["observed"]["survivors"] == [survivor]
    console = Console(record=True, width=400)
    terminal.render([saved], console)
    assert f"left running, killed t-one [fake py{result.python}]" in console.export_text()


@needs_pid_namespace
@pytest.mark.slow
def test_at_the_timeout_the_installers_children_are_reported_with_it(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path, canary: str
) -> None:
    started = tmp_path / "started"
    script = f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {canary!r}],
                         start_new_session=True)
        open({str(started)!r}, "w").write("yes")
        time.sleep(600)
    """
    scenario = load_scenario(write_scenario(SUCCEEDS_WITHOUT_INSTALLING))
    installer = make_installer(str(adapter(tmp_path, script)), cache=tmp_path)
    (result,) = run_with_guard(
        lambda: run_suite([scenario], [installer], VenvRunner(), timeout=8, cache=tmp_path / "c")
    )
    assert started.read_text() == "yes"
    assert result.observation is not None and result.observation.timed_out
    assert [s for s in result.observation.survivors if canary in s]
    assert not processes_with(canary)


def test_without_pid_namespaces_the_run_says_process_group() -> None:
    assert containment.describe(None) == containment.PROCESS_GROUP
    assert "PID namespace" in containment.describe("root")


# -- the docker runner: a container per job ---------------------------------------------------


@pytest.fixture(scope="module")
def base_image() -> tuple[Any, str]:
    """The engine and a local ``wheelnext-base`` image (any one: it only needs a Python)."""
    from wheelnext.conformance import image as images
    from wheelnext.conformance.runners import RunnerError

    try:
        engine = images.client()
    except RunnerError as exc:
        if os.environ.get("WHEELNEXT_REQUIRE_DOCKER") == "1":
            pytest.fail(f"WHEELNEXT_REQUIRE_DOCKER=1 but {exc}")
        pytest.skip(str(exc))
    tags = [t for i in engine.images.list(name="wheelnext-base") for t in i.tags]
    if not tags:
        pytest.skip("no wheelnext-base image here (wheelnext conformance image build)")
    return engine, tags[0]


@pytest.mark.docker
@pytest.mark.slow
def test_docker_a_daemon_holding_stdout_is_reported_and_killed(
    base_image: tuple[Any, str], tmp_path: Path, canary: str
) -> None:
    from wheelnext.conformance import image as images
    from wheelnext.conformance.runners.docker import DockerRunner, DockerSession

    engine, tag = base_image
    session = DockerSession(DockerRunner(), tmp_path)
    script = textwrap.dedent(
        f"""
        import os, sys
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c",
                         "import time; time.sleep(600)", {canary!r}])
            os._exit(0)
        os.wait()
        print("left a daemon", flush=True)
        """
    )
    try:
        container = engine.containers.run(
            tag, ["sleep", "infinity"], detach=True, network_mode="none", labels=session.labels
        )
        box: list[Any] = []
        thread = threading.Thread(
            target=lambda: box.append(
                session._execute(container, [images.PYTHON, "-c", script], {}, Path("/"), GUARD)
            ),
            daemon=True,
        )
        thread.start()
        thread.join(GUARD + 60)
        assert box, "docker exec was still waiting on the daemon's stdout"
        (ran,) = box
        assert not ran.timed_out and ran.exit_code == 0
        assert "left a daemon" in ran.output
        assert [s for s in ran.survivors if canary in s]
        left = container.top(ps_args="-o pid,args")["Processes"]
        assert [p[1] for p in left] == ["sleep infinity"]
    finally:
        session.close()
    ours = {"label": f"{images.LABEL}={session.session}"}
    assert not engine.containers.list(all=True, filters=ours)


@pytest.mark.docker
@pytest.mark.slow
def test_docker_output_is_capped_while_it_streams(
    base_image: tuple[Any, str], tmp_path: Path
) -> None:
    """Twenty megabytes printed in a container: the record keeps head and tail, marked."""
    from wheelnext.conformance import image as images
    from wheelnext.conformance.observe import OUTPUT_HEAD, OUTPUT_TAIL
    from wheelnext.conformance.runners.docker import DockerRunner, DockerSession

    engine, tag = base_image
    session = DockerSession(DockerRunner(), tmp_path)
    script = ("import sys\nsys.stdout.write('first\\n')\n"
              "for _ in range(20): sys.stdout.write('x' * (1 << 20))\nprint('\\nlast')\n")
    try:
        container = engine.containers.run(
            tag, ["sleep", "infinity"], detach=True, network_mode="none", labels=session.labels
        )
        ran = session._execute(container, [images.PYTHON, "-c", script], {}, Path("/"), GUARD)
        assert ran.exit_code == 0
        assert ran.truncated
        assert ran.output.startswith("first") and ran.output.rstrip().endswith("last")
        assert " MB cut ...]" in ran.output
        assert len(ran.output.encode()) < OUTPUT_HEAD + OUTPUT_TAIL + 200
    finally:
        session.close()
