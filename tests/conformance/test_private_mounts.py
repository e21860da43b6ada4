"""Writes outside the environment are the installer's own: private mount namespaces."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.conformance import containment
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.runners.private_mounts import (
    SNAPSHOT,
    PrivateMounts,
    describe,
    namespace_mode,
)
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import load_scenario

needs_namespaces = pytest.mark.skipif(
    namespace_mode() is None,
    reason="no private mount namespaces here (unshare --mount, as root or in a user namespace)",
)

FAILING_REQUEST = """
[[packages.primary]]
name = "a"
version = "1"
[request]
requirements = ["a"]
[expect]
exit = "failure"
"""


def adapter(tmp_path: Path, script: str) -> Path:
    """A ``command`` adapter running *script* with this Python; argv: prefix, work."""
    code = tmp_path / "fake.py"
    code.write_text(textwrap.dedent(script))
    toml = tmp_path / "fake.toml"
    toml.write_text(
        'name = "fake"\nversion = "0"\ncapabilities = ["indexes"]\n'
        f'argv = ["{sys.executable}", "{code}", "{{prefix}}", "{{work}}"]\n'
    )
    return toml


def run_one(tmp_path: Path, scenario_path: Path, script: str, runner: VenvRunner) -> Result:
    (result,) = run_suite(
        [load_scenario(scenario_path)],
        [make_installer(str(adapter(tmp_path, script)), cache=tmp_path)],
        runner,
        cache=tmp_path / "cache",
    )
    assert result.observation is not None, result.reason
    return result


def test_plan_and_written_tell_the_installers_files_from_mount_points(tmp_path: Path) -> None:
    area = tmp_path / "area"
    kept = area / "deep" / "kept"
    kept.mkdir(parents=True)
    mounts, unhidden = PrivateMounts.plan("root", tmp_path / "private", [kept], areas=[area])
    assert unhidden == []
    ((hidden, private),) = mounts.areas
    assert hidden == area and (private / "deep" / "kept").is_dir()
    assert mounts.written() == []
    (private / "stray").write_text("x")
    (private / "deep" / "new").mkdir()
    (private / "deep" / "new" / "inner").write_text("x")
    assert mounts.written() == [str(area / "deep" / "new"), str(area / "stray")]
    argv = mounts.wrap(["installer", "--flag"])
    assert argv[0] == "unshare" and argv[-2:] == ["installer", "--flag"]
    assert f"mount --rbind {private} {area}" in argv[argv.index("-c") + 1]


def test_a_folder_inside_a_hidden_area_is_there_empty_and_its_files_are_reported(
    tmp_path: Path,
) -> None:
    """HOME inside the temp folder (as on many CI systems) exists, empty, under the private one."""
    area = tmp_path / "area"
    home = area / "ci" / "home"
    home.mkdir(parents=True)
    (home / "real-file").write_text("x")
    mounts, _ = PrivateMounts.plan("root", tmp_path / "private", [], areas=[area], present=[home])
    ((_, private),) = mounts.areas
    inside = private / "ci" / "home"
    assert inside.is_dir() and not (inside / "real-file").exists()
    assert mounts.written() == []
    (private / "ci" / "home" / "stray").write_text("x")
    assert mounts.written() == [str(home / "stray")]


def test_an_area_containing_a_needed_path_stays_unhidden(tmp_path: Path) -> None:
    mounts, unhidden = PrivateMounts.plan(
        "root", tmp_path / "private", [tmp_path], areas=[tmp_path / "a"]
    )
    assert unhidden == [tmp_path / "a"] and mounts.areas == ()


def test_without_namespaces_the_run_says_snapshot() -> None:
    assert VenvRunner(namespaces=False).write_detection == SNAPSHOT
    assert describe("user") == "private mount namespace (in a user namespace)"


def test_refused_namespaces_say_what_they_need(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a container started without CAP_SYS_ADMIN: the line names the capability."""
    from wheelnext.conformance.runners import private_mounts

    monkeypatch.setattr(private_mounts, "namespace_mode", lambda: None)
    line = VenvRunner().write_detection
    assert line.startswith(SNAPSHOT) and "CAP_SYS_ADMIN" in line
    assert "docker run --cap-add SYS_ADMIN" in line


@needs_namespaces
@pytest.mark.slow
def test_writes_to_tmp_and_the_real_home_are_reported_and_kept_private(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    name = f"wheelnext-stray-{uuid.uuid4().hex}"
    home, tmp = Path.home(), Path(tempfile.gettempdir())
    result = run_one(
        tmp_path,
        write_scenario(FAILING_REQUEST),
        f"""
        import os, pathlib, sys
        pathlib.Path("/tmp", {name!r}).write_text("x")
        pathlib.Path({str(home)!r}, {name!r}).write_text("x")
        ids = (os.getpid(), os.getpgid(0), os.getsid(0), os.getppid())
        print("ids", *ids)
        sys.exit(1)
        """,
        VenvRunner(),
    )
    assert result.observation is not None
    written = result.observation.written_outside
    assert f"/tmp/{name}" in written or str(tmp / name) in written
    assert str(home / name) in written
    assert not (home / name).exists() and not Path("/tmp", name).exists()
    line = next(x for x in result.observation.output.splitlines() if x.startswith("ids"))
    pid, pgid, sid, parent = line.split()[1:]
    if containment.namespace_mode() is not None:
        # The installer runs under the containment init, the first process of its own
        # PID namespace; the group the harness kills (the init's) lies outside it.
        assert parent == "1" and pid != "1" and pgid == sid == "0"
    else:
        # Popen's child (a session leader) is the installer itself: no fork on the way,
        # so killing the process group at the timeout reaches it.
        assert pid == pgid == sid


@needs_namespaces
@pytest.mark.slow
def test_a_home_inside_the_temp_folder_is_private_and_its_writes_reported(
    tmp_path: Path, write_scenario: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"wheelnext-stray-{uuid.uuid4().hex}"
    home = Path(tempfile.mkdtemp(prefix="wheelnext-home-", dir="/tmp"))
    monkeypatch.setenv("HOME", str(home))
    try:
        result = run_one(
            tmp_path,
            write_scenario(FAILING_REQUEST),
            f"""
            import pathlib, sys
            pathlib.Path({str(home)!r}, {name!r}).write_text("x")
            sys.exit(1)
            """,
            VenvRunner(),
        )
        assert result.observation is not None
        assert result.observation.written_outside == (str(home / name),)
        assert not (home / name).exists()
    finally:
        shutil.rmtree(home)


@needs_namespaces
@pytest.mark.slow
def test_a_concurrent_writer_in_tmp_is_not_blamed(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    tmp = Path("/tmp")
    stop = threading.Event()
    made: list[Path] = []

    def writer() -> None:
        while not stop.wait(0.01):
            path = tmp / f"wheelnext-concurrent-{uuid.uuid4().hex}"
            path.write_text("x")
            made.append(path)

    script = "import sys, time\ntime.sleep(0.5)\nsys.exit(1)\n"
    for sub in ("ns", "snap"):
        (tmp_path / sub).mkdir()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        isolated = run_one(tmp_path / "ns", write_scenario(FAILING_REQUEST), script, VenvRunner())
        blamed = run_one(
            tmp_path / "snap",
            write_scenario(FAILING_REQUEST),
            script,
            VenvRunner(namespaces=False, watch=[tmp]),
        )
    finally:
        stop.set()
        thread.join()
        for path in made:
            path.unlink(missing_ok=True)
    assert made
    assert isolated.observation is not None and blamed.observation is not None
    assert isolated.status is Status.PASS, isolated.failures
    assert isolated.observation.written_outside == ()
    # The control: comparing listings blames the installer for the writer's files.
    assert any("wheelnext-concurrent-" in p for p in blamed.observation.written_outside)


@needs_namespaces
@pytest.mark.slow
def test_the_base_interpreter_is_read_only_for_the_installer(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    import sysconfig

    base = os.path.realpath(sys.base_prefix)
    purelib = sysconfig.get_paths(vars={"base": base, "platbase": base})["purelib"]
    target = Path(purelib, f"wnxcanary-base-{uuid.uuid4().hex[:10]}.txt")
    try:
        result = run_one(
            tmp_path,
            write_scenario(FAILING_REQUEST),
            f"""
            import errno, sys
            try:
                open({str(target)!r}, "w").write("planted")
            except OSError as exc:
                print("refused", errno.errorcode[exc.errno])
            else:
                print("written")
            sys.exit(1)
            """,
            VenvRunner(),
        )
        assert result.observation is not None
        assert "refused EROFS" in result.observation.output, result.observation.output
        assert not target.exists()
        assert str(target) not in result.observation.written_outside
    finally:
        target.unlink(missing_ok=True)


@needs_namespaces
@pytest.mark.slow
def test_the_preinstall_step_cannot_write_the_base_interpreter_either(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    import sysconfig

    base = os.path.realpath(sys.base_prefix)
    purelib = sysconfig.get_paths(vars={"base": base, "platbase": base})["purelib"]
    target = Path(purelib, f"wnxcanary-base-{uuid.uuid4().hex[:10]}.txt")
    body = FAILING_REQUEST.replace("\n[expect]", '\npreinstall = ["a"]\n[expect]')
    try:
        result = run_one(
            tmp_path,
            write_scenario(body),
            f"""
            import errno, pathlib, sys
            step = pathlib.Path(sys.argv[2], "preinstalled")
            try:
                open({str(target)!r}, "w").write("planted")
            except OSError as exc:
                print("refused", errno.errorcode[exc.errno])
            if step.exists():
                sys.exit(1)
            step.write_text("x")
            """,
            VenvRunner(),
        )
        assert result.observation is not None
        assert "[preinstall: a]" in result.observation.output
        assert result.observation.output.count("refused EROFS") == 2, result.observation.output
        assert not target.exists()
    finally:
        target.unlink(missing_ok=True)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to become an unprivileged user with setpriv)",
)
def test_an_unprivileged_user_gets_the_same_privacy_under_its_own_uid() -> None:
    """The user-namespace path, as a desktop user takes it: mounts work, the uid is kept."""
    nobody = 65534
    probe = ["setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups", "--"]
    tried = subprocess.run([*probe, "unshare", "--user", "--map-root-user", "true"], check=False)
    if tried.returncode != 0:
        pytest.skip("unprivileged user namespaces are disabled here")
    root = Path(tempfile.mkdtemp(prefix="wheelnext-userns-", dir="/tmp"))
    try:
        name = f"wheelnext-userns-{uuid.uuid4().hex}"
        frozen = root / "frozen"
        frozen.mkdir()
        planned, _ = PrivateMounts.plan(
            "user", root / "private", [frozen], areas=[Path("/tmp")], read_only=[frozen]
        )
        assert planned.read_only == (frozen,)
        mounts = dataclasses.replace(planned, uid=nobody, gid=nobody)
        for folder in (root, frozen, root / "private", *(p for _, p in mounts.areas)):
            folder.chmod(0o777)
        script = f"id -u; touch /tmp/{name}; touch {frozen}/x 2>/dev/null || echo refused"
        argv = mounts.wrap(["sh", "-c", script])
        done = subprocess.run([*probe, *argv], capture_output=True, text=True, check=False, cwd="/")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [str(nobody), "refused"]
        assert not (frozen / "x").exists()
        assert mounts.written() == [f"/tmp/{name}"]
        assert not Path("/tmp", name).exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
