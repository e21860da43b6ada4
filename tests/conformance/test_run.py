"""Whole runs with real installers: pip and uv on the baseline, timeouts, stray writes, order."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.installer import PIP, UV
from _support.waiting import PATIENCE, WaitTimeout, exited, wait_until

from wheelnext.conformance.adapters import InstallRequest, Invocation, Unsupported, make_installer
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.runners import Runner, plan_steps
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import Scenario, load_scenario, load_scenarios, shipped_dir

pytestmark = [pytest.mark.network_installer, pytest.mark.slow]


def baseline() -> list[Scenario]:
    return load_scenarios([shipped_dir() / "baseline"])


def summary(results: list[Result]) -> list[tuple[object, ...]]:
    return [
        (
            r.scenario.id,
            r.installer,
            str(r.status),
            r.failures,
            r.observation and sorted(r.observation.installed.items()),
            r.observation and r.observation.exit_code,
        )
        for r in results
    ]


#: This Python, started with SIGINT at its default disposition, as a terminal starts it. A
#: shell without job control starts background commands (``cmd &``) with SIGINT ignored, the
#: test process inherits that, and a child whose SIGINT is ignored at start-up never gets
#: KeyboardInterrupt: Ctrl-C could not be tested from such a run. ``exec`` keeps the default.
AS_FROM_A_TERMINAL = [
    sys.executable, "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])",
]


def adapter_file(tmp_path: Path, script: str, name: str = "fake") -> Path:
    """A ``command`` adapter that runs *script* with this Python (a real process)."""
    code = tmp_path / f"{name}.py"
    code.write_text(textwrap.dedent(script))
    adapter = tmp_path / f"{name}.toml"
    adapter.write_text(
        f'name = "{name}"\nversion = "0"\ncapabilities = ["indexes", "wheel"]\n'
        f'argv = ["{sys.executable}", "{code}", "{{prefix}}", "{{work}}"]\n'
    )
    return adapter


def test_pip_and_uv_pass_the_baseline(tmp_path: Path, private_host: Path) -> None:
    cache = tmp_path / "cache"
    installers = [make_installer(PIP, cache=cache), make_installer(UV, cache=cache)]
    results = run_suite(baseline(), installers, VenvRunner(), jobs=2, cache=cache)
    failing = [(r.key, r.status, r.failures, r.reason) for r in results if r.status != "pass"]
    assert not failing
    assert len(results) == 2 * len(baseline())
    single = next(r for r in results if r.scenario.id == "baseline-single-wheel")
    assert single.observation is not None
    assert [q.index for q in single.observation.requests] and single.observation.duration > 0


def test_parallel_order_is_stable_and_runs_repeat(tmp_path: Path, private_host: Path) -> None:
    cache = tmp_path / "cache"
    scenarios = baseline()[:4]
    installers = [make_installer(UV, cache=cache), make_installer("wheelnext", cache=cache)]
    first = run_suite(scenarios, installers, VenvRunner(), jobs=2, cache=cache)
    second = run_suite(scenarios, installers, VenvRunner(), jobs=1, cache=cache)
    keys = [r.key[:2] for r in first]
    assert keys == sorted(keys, key=lambda k: ([s.id for s in scenarios].index(k[0]), k[1]))
    assert summary(first) == summary(second)
    assert {str(r.status) for r in first if r.installer == "wheelnext"} <= {"unsupported", "pass"}


def test_absent_python_and_python_specifier_are_not_applicable(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    path = write_scenario()
    text = path.read_text().replace('title = "a test scenario"', 'title = "t"\npython = ">=3.99"')
    path.write_text(text)
    only_future = load_scenario(path)
    results = run_suite(
        [*baseline()[:1], only_future],
        [make_installer(UV, cache=tmp_path)],
        VenvRunner(),
        pythons=[None, "3.1"],
        cache=tmp_path,
    )
    statuses = {(r.scenario.id, r.python): r.status for r in results}
    assert statuses[("baseline-dependency", "3.1")] is Status.NOT_APPLICABLE
    assert all(
        s is Status.NOT_APPLICABLE for (sid, _), s in statuses.items() if sid == only_future.id
    )
    here = next(r for r in results if r.python not in ("3.1",) and r.scenario.id != only_future.id)
    assert here.status is Status.PASS


def test_a_hanging_installer_is_killed_with_its_children(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    pids = tmp_path / "pids"
    adapter = adapter_file(
        tmp_path,
        f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        me = os.readlink("/proc/self")  # this machine's process ids, even in a PID namespace
        kids = open(f"/proc/{{me}}/task/{{me}}/children").read()
        open({str(pids)!r}, "w").write(f"{{me}} {{kids}}")
        print("still resolving...", flush=True)
        time.sleep(600)
        """,
    )
    scenario = load_scenario(write_scenario())
    results = run_suite(
        [scenario],
        [make_installer(str(adapter), cache=tmp_path)],
        VenvRunner(),
        timeout=6,
        cache=tmp_path,
    )
    (result,) = results
    assert result.status is Status.FAIL
    assert result.failures[0] == "timed out"
    assert result.observation is not None
    assert "still resolving" in result.observation.output
    for pid in map(int, pids.read_text().split()):
        if not exited(pid):
            pytest.fail(f"process {pid} survived the timeout")


def test_writes_outside_the_environment_are_reported(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    watched = tmp_path / "watched"
    watched.mkdir()
    adapter = adapter_file(
        tmp_path,
        f"""
        import pathlib, sys
        pathlib.Path({str(watched)!r}, "stray.txt").write_text("x")
        pathlib.Path(sys.argv[2]).parent.joinpath("escaped").write_text("x")
        sys.exit(1)
        """,
        name="stray",
    )
    scenario = load_scenario(
        write_scenario(
            '[[packages.primary]]\nname = "a"\nversion = "1"\n'
            '[request]\nrequirements = ["a"]\n'
            '[expect]\nexit = "failure"\n'
        )
    )
    (result,) = run_suite(
        [scenario],
        [make_installer(str(adapter), cache=tmp_path)],
        VenvRunner(watch=[watched]),
        cache=tmp_path,
    )
    assert result.status is Status.FAIL
    assert result.observation is not None
    written = result.observation.written_outside
    assert str(watched / "stray.txt") in written
    assert any(p.endswith("/escaped") for p in written)


class Exploding:
    """An adapter with a bug: the harness reports an error result, it never crashes."""

    name = "exploding"
    version = "0"

    def invocation(self, request: InstallRequest) -> Invocation:
        raise RuntimeError("adapter bug")


def test_a_harness_bug_is_an_error_result(tmp_path: Path, private_host: Path) -> None:
    (result,) = run_suite(baseline()[:1], [Exploding()], VenvRunner(), cache=tmp_path)
    assert result.status is Status.ERROR
    assert "adapter bug" in result.reason


def test_ctrl_c_stops_cleanly(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    import signal
    import subprocess

    pids = tmp_path / "pids"
    adapter = adapter_file(
        tmp_path,
        f"""
        import os, time
        open({str(pids)!r}, "w").write(os.readlink("/proc/self"))
        time.sleep(600)
        """,
    )
    folder = write_scenario().parent
    cli = subprocess.Popen(
        [*AS_FROM_A_TERMINAL, "-m", "wheelnext", "conformance", "run", "-q",
         "--installer", str(adapter), "--scenarios", str(folder)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until(lambda: pids.exists() and pids.read_text(), "the installer to start")
    except WaitTimeout:
        cli.kill()
        pytest.fail("the installer never started")
    cli.send_signal(signal.SIGINT)
    _, err = cli.communicate(timeout=PATIENCE)
    assert cli.returncode == 130, err
    hung = int(pids.read_text())
    if not exited(hung):
        pytest.fail("the installer survived Ctrl-C")
    leftovers = list((private_host / "tmp").glob("wheelnext-conformance-*"))
    assert not leftovers


def test_sigterm_cleans_up_like_ctrl_c(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    """What a CI system sends on cancel: no temporary folder, installer or child is left."""
    import signal
    import subprocess
    import uuid

    canary = f"wnxcanary-sigterm-{uuid.uuid4().hex[:10]}"
    pids = tmp_path / "pids"
    adapter = adapter_file(
        tmp_path,
        f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {canary!r}])
        open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(600)
        """,
    )
    folder = write_scenario().parent
    tmp = private_host / "tmp"
    before = sorted(os.listdir(tmp))
    cli = subprocess.Popen(
        [sys.executable, "-m", "wheelnext", "conformance", "run", "-q",
         "--installer", str(adapter), "--scenarios", str(folder)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        try:
            wait_until(
                lambda: pids.exists() and len(pids.read_text().split()) == 2,
                "the installer and its child to start",
            )
        except WaitTimeout:
            pytest.fail("the installer never started")
        cli.send_signal(signal.SIGTERM)
        _, err = cli.communicate(timeout=PATIENCE)
    finally:
        cli.kill()
    try:
        wait_until(lambda: not _processes_with(canary), "the cancelled run's processes to end")
    except WaitTimeout:
        left = _processes_with(canary)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        pytest.fail(f"processes of the cancelled run survived SIGTERM: {left}")
    assert sorted(os.listdir(tmp)) == before
    assert cli.returncode == 128 + signal.SIGTERM, err


def _processes_with(canary: str) -> list[int]:
    """Running processes whose command line holds *canary* (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                hit = entry.isdigit() and canary.encode() in handle.read()
            with open(f"/proc/{entry}/stat") as handle:
                running = handle.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            continue
        if hit and running:
            found.append(int(entry))
    return found


def test_ten_megabytes_of_output_are_capped_in_the_report(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    import json

    from wheelnext.conformance import report

    adapter = adapter_file(
        tmp_path,
        """
        import sys
        sys.stdout.write("FIRST LINE\\n")
        for _ in range(10 * 1024):
            sys.stdout.write("x" * 1023 + "\\n")
        sys.stdout.write("LAST LINE\\n")
        sys.exit(1)
        """,
        name="noisy",
    )
    scenario = load_scenario(
        write_scenario(
            '[[packages.primary]]\nname = "a"\nversion = "1"\n'
            '[request]\nrequirements = ["a"]\n'
            '[expect]\nexit = "failure"\n'
        )
    )
    (result,) = run_suite(
        [scenario], [make_installer(str(adapter), cache=tmp_path)], VenvRunner(), cache=tmp_path
    )
    assert result.status is Status.PASS, result.failures
    out = tmp_path / "run.json"
    report.write_json(out, [report.record(result)], {})
    assert out.stat().st_size < 1024 * 1024
    observed = json.loads(out.read_text())["results"][0]["observed"]
    assert observed["output_truncated"] is True, observed["output"][-300:]
    text = observed["output"]
    assert text.startswith("FIRST LINE\n") and text.endswith("LAST LINE\n")
    assert "MB cut ...]" in text


def test_pypiserver_as_index_target(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    scenario = load_scenario(
        write_scenario(
            """
            [[packages.internal]]
            name = "alpha"
            version = "1.0"

            [[packages.public]]
            name = "alpha"
            version = "9.0"

            [indexes.broken]
            error = 503

            [request]
            requirements = ["alpha"]
            indexes = ["internal", "public"]
            index-strategy = "index-priority"

            [expect]
            exit = "success"
            installed = { alpha = "1.0" }

            [expect.requests]
            asked = ["internal"]
            not-asked-for = { public = ["alpha"] }
            """
        )
    )
    runner = VenvRunner(index_target="pypiserver")
    (result,) = run_suite(
        [scenario], [make_installer(UV, cache=tmp_path)], runner, cache=tmp_path
    )
    assert result.status is Status.PASS, result.failures
    assert runner.name == "venv+pypiserver"
    assert result.observation is not None
    assert ("internal", "/simple/alpha/", 200) in [
        (r.index, r.path, r.status) for r in result.observation.requests
    ]


def test_pypiserver_target_injects_index_errors(tmp_path: Path) -> None:
    import httpx

    from wheelnext.conformance.index_targets import serve

    root = tmp_path / "root"
    root.mkdir()
    with serve("pypiserver", {"a": root, "b": root}, {"b": 503}) as served:
        assert httpx.get(served.index_url("a")).status_code == 200
        assert httpx.get(served.index_url("b")).status_code == 503
        logged = [(r.index, r.status) for r in served.requests]
    assert logged == [("a", 200), ("b", 503)]


VARIANTS_LISTED = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[[packages.primary]]
name = "alpha"
version = "1.0"
variant = { label = "x86_64_v3", properties = ["x86_64 :: level :: v3"] }

[request]
requirements = ["alpha"]
variant-properties = ["x86_64 :: level :: v3"]
legacy = true

[expect]
exit = "success"
installed-exact = false

[[fetch]]
index = "primary"
path = "alpha/"
contains = ["alpha-1.0-variants.json"]
"""


def test_fetch_shows_which_index_serves_variants_json(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    scenario = load_scenario(write_scenario(VARIANTS_LISTED))
    uv = make_installer(UV, cache=tmp_path)
    (reference,) = run_suite([scenario], [uv], VenvRunner(), cache=tmp_path)
    assert reference.status is Status.PASS, reference.failures
    (pypiserver,) = run_suite(
        [scenario], [uv], VenvRunner(index_target="pypiserver"), cache=tmp_path
    )
    assert pypiserver.status is Status.FAIL
    assert pypiserver.failures == (
        "fetch primary:alpha/: expected to contain 'alpha-1.0-variants.json', it does not",
    )


YANKED_AND_PREINSTALL = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[[packages.primary]]
name = "alpha"
version = "2.0"

[[packages.primary]]
name = "alpha"
version = "3.0"

[indexes.primary]
yanked = { "alpha-3.0-py3-none-any.whl" = "broken" }

[request]
preinstall = ["alpha==1.0"]
requirements = ["alpha>1"]

[expect]
exit = "success"
installed = { alpha = "2.0" }
output-contains = ["[preinstall: alpha==1.0]"]

[expect.requests]
asked = ["primary"]
"""


def test_preinstall_and_yanked_files(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    scenario = load_scenario(write_scenario(YANKED_AND_PREINSTALL))
    assert scenario.request.preinstall == ("alpha==1.0",)
    (result,) = run_suite(
        [scenario], [make_installer(UV, cache=tmp_path)], VenvRunner(), cache=tmp_path
    )
    assert result.status is Status.PASS, result.failures
    assert result.observation is not None
    # The request log holds the request's own traffic, not the preinstall step's.
    assert "alpha-1.0-py3-none-any.whl" not in " ".join(r.path for r in result.observation.requests)


class NoFeatures(Runner):
    """A runner that can only install (like a runner written before [[fetch]])."""

    name = "plain"
    image_digest = None

    def python_version(self, python: str | None) -> str:
        return "3.11.7"

    def open(self, jobs: object, workdir: Path) -> object:
        raise AssertionError("nothing should run")


def test_runner_without_a_feature_is_not_applicable(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    scenario = load_scenario(write_scenario(YANKED_AND_PREINSTALL))
    (result,) = run_suite(
        [scenario],
        [make_installer(UV, cache=tmp_path)],
        NoFeatures(),  # type: ignore[arg-type]
        cache=tmp_path,
    )
    assert result.status is Status.NOT_APPLICABLE
    assert "preinstall" in result.reason


class NoPreinstall:
    """An adapter that can install but has no way to express the preinstall step."""

    name = "no-preinstall"
    version = "0"

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        if request.requirements == ("alpha==1.0",):
            return Unsupported("no way to preinstall")
        return Invocation(argv=("true",))


def test_an_unsupported_step_is_an_unsupported_result(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    scenario = load_scenario(write_scenario(YANKED_AND_PREINSTALL))
    install = InstallRequest(("alpha>1",), (), tmp_path / "python", tmp_path, tmp_path)
    assert plan_steps(NoPreinstall(), install, ["alpha==1.0"]) == Unsupported(
        "preinstall: no way to preinstall"
    )
    (result,) = run_suite([scenario], [NoPreinstall()], VenvRunner(), cache=tmp_path)
    assert result.status is Status.UNSUPPORTED
    assert result.reason == "preinstall: no way to preinstall"
