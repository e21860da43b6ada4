"""The ``venv`` runner: a fresh virtual environment per job, on this machine.

Environments are cheap: ``python -m venv --without-pip`` makes one template
per interpreter, and each job gets a copy of it (a handful of files and
symlinks, about a millisecond), since the installers under test install into
an environment from outside (``pip --python``, ``uv pip install --python``).
The installer runs with :func:`wheelnext.isolation.scrubbed_environ` (its own
HOME, XDG directories, caches and TMPDIR), contained
(:mod:`~wheelnext.conformance.containment`: a PID namespace per run where
available, else its own process group) so that everything it starts is
killed at its end or its timeout, and what survived it is reported. Its
output goes to a file, of which reports keep the head and the tail. The
indexes are served on 127.0.0.1, one server per index personality the jobs use
(in-process, except an index knockout, which runs in a process of its own); each
job's steps go to its personality's server (:class:`VenvIndexes`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

import wheelnext
from wheelnext.conformance import containment
from wheelnext.conformance.adapters import Invocation, Unsupported
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.index_servers import SERVER_TARGETS, Refusal
from wheelnext.conformance.index_servers import not_applicable as server_not_applicable
from wheelnext.conformance.index_targets import TARGETS, IndexTargetError, ServedIndexes, serve
from wheelnext.conformance.observe import (
    InstalledDist,
    Observation,
    PathState,
    changed,
    inspect_environment,
    parse_probe,
    read_output,
    snapshot,
)
from wheelnext.conformance.observe import Snapshot as Listing
from wheelnext.conformance.remote_index import RemoteIndex, RemoteIndexes
from wheelnext.conformance.runners import private_mounts
from wheelnext.conformance.runners.protocol import (
    Job,
    JobFolders,
    NotApplicable,
    Ran,
    job_slug,
    refused,
)
from wheelnext.conformance.runners.steps import run_steps

if TYPE_CHECKING:
    from wheelnext.conformance.materialize import Materialized
    from wheelnext.conformance.scenario import Scenario
from wheelnext.isolation import scrubbed_environ

_BASE_PATHS = (
    "import json, sys, sysconfig; v = {'base': sys.base_prefix, 'platbase': sys.base_prefix};"
    "p = sysconfig.get_paths(vars=v);"
    "print(json.dumps({'version': '.'.join(map(str, sys.version_info[:3])),"
    " 'watch': sorted({sys.base_prefix, p['purelib'], p['platlib'], p['scripts']})}))"
)


_SCHEME = "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"


def find_python(version: str | None) -> str | None:
    """The interpreter for *version* (``3.12`` or a path); None when it is absent."""
    if version is None:
        return sys.executable
    if os.sep in version:
        return version if os.access(version, os.X_OK) else None
    return shutil.which(f"python{version}")


class VenvRunner:
    """Fresh virtual environments on this machine."""

    image_digest = None
    #: Scenario features beyond a plain install that this runner carries out.
    features = frozenset({"fetch", "preinstall"})

    def __init__(
        self,
        *,
        watch: Sequence[Path] | None = None,
        keep: bool = False,
        index_target: str = "reference",
        namespaces: bool | None = None,
        remote: RemoteIndex | None = None,
    ) -> None:
        """*watch* replaces the default HOME and temp root watched for stray writes (their
        listings compared); *index_target* names the index that serves the packages
        (``index_targets``); *namespaces* False compares listings even where private
        mount namespaces are available (None: use them where available); *remote* is the
        index of ``index_target="url"``."""
        if index_target not in TARGETS:
            raise IndexTargetError(
                f"--index-target {index_target!r}: expected one of {', '.join(TARGETS)}"
            )
        self.watch = list(watch) if watch is not None else None
        self.keep = keep
        if (index_target == "url") != (remote is not None):
            raise IndexTargetError("--index-url and --upload-command go with --index-target url")
        self.index_target = index_target
        if index_target == "reference":
            self.features = self.features | {"personalities"}
        self.remote = remote
        self.name = "venv" if index_target == "reference" else f"venv+{index_target}"
        self.namespaces = namespaces
        self.mount_mode = private_mounts.namespace_mode() if namespaces is not False else None
        self.pid_mode = containment.namespace_mode()
        self._info: dict[str | None, dict[str, object] | None] = {}

    def _interpreter(self, python: str | None) -> dict[str, object] | None:
        if python not in self._info:
            exe = find_python(python)
            info = None
            if exe is not None:
                done = subprocess.run(
                    [exe, "-I", "-c", _BASE_PATHS], capture_output=True, text=True, check=False
                )
                if done.returncode == 0:
                    info = {"exe": exe, **json.loads(done.stdout)}
            self._info[python] = info
        return self._info[python]

    def python_version(self, python: str | None) -> str | None:
        info = self._interpreter(python)
        return None if info is None else str(info["version"])

    def not_applicable(self, scenario: Scenario, built: Materialized) -> str | None:
        """Why *scenario* cannot run against this runner's index target (None: it can)."""
        if self.index_target in SERVER_TARGETS:
            return server_not_applicable(self.index_target, scenario)
        return self.remote.not_applicable(scenario, built) if self.remote else None

    @property
    def write_detection(self) -> str:
        """How writes outside the environment are seen (for the run's metadata)."""
        return private_mounts.describe(self.mount_mode, tried=self.namespaces is not False)

    @property
    def process_containment(self) -> str:
        """How the processes an installer starts are contained (for the run's metadata)."""
        return containment.describe(self.pid_mode)

    def watched(self, python: str | None) -> tuple[list[Path], list[Path]]:
        """The base interpreter's folders, and HOME and the temp root, compared around each run.

        The second list is only checked for new entries, since other programs
        update HOME and the temp root all the time. With private mount
        namespaces HOME and the temp root are hidden instead (see
        :mod:`~wheelnext.conformance.runners.private_mounts`), so only *watch* is listed.
        """
        info = self._interpreter(python)
        base = [Path(str(p)) for p in info["watch"]] if info else []  # type: ignore[attr-defined]
        if self.watch is not None:
            return base, list(self.watch)
        if self.mount_mode is not None:
            return base, []
        home = Path.home()
        shared = [
            home,
            home / ".cache",
            home / ".config",
            home / ".local",
            home / ".local" / "share",
        ]
        return base, [*shared, Path(tempfile.gettempdir())]

    @contextlib.contextmanager
    def open(self, jobs: Sequence[Job], workdir: Path) -> Iterator[VenvSession]:
        """Serve every job's roots: one server per index personality the jobs use."""
        groups: dict[str, list[Job]] = {}
        for job in jobs:
            groups.setdefault(job.personality.name, []).append(job)
        session = VenvSession(self, workdir)
        # Scenarios serve invalid variant wheels on purpose; the index logs each one as an
        # error, which Python's last-resort handler would print over the progress bar.
        # A handler here silences only that fallback: a host's own logging still gets them.
        index_log, quiet = logging.getLogger("wheelnext.index"), logging.NullHandler()
        index_log.addHandler(quiet)
        try:
            with contextlib.ExitStack() as stack:
                for name, group in groups.items():
                    roots, labels, failures = _served(group)
                    session.servers[name] = stack.enter_context(serve(
                        self.index_target, roots, failures, remote=self.remote, labels=labels,
                        personality=group[0].personality, refusals=session.refusals,
                    ))
                yield session
        finally:
            index_log.removeHandler(quiet)
            session.close()


def _served(
    jobs: Sequence[Job],
) -> tuple[dict[str, Path], dict[str, tuple[str, str]], dict[str | None, int]]:
    """The jobs' roots, labels and failing indexes, each index named ``j{key}-{name}``."""
    roots = {}
    labels = {}
    failures: dict[str | None, int] = {}
    for job in jobs:
        for name, root in job.roots.roots.items():
            roots[f"j{job.key}-{name}"] = root
            labels[f"j{job.key}-{name}"] = (job.scenario.id, name)
        for name, status in job.index_errors.items():
            failures[f"j{job.key}-{name}"] = status
    return roots, labels, failures


class VenvSession:
    """Runs jobs in copies of per-interpreter template environments."""

    def __init__(self, runner: VenvRunner, workdir: Path) -> None:
        self.runner = runner
        self.workdir = workdir
        #: The running index of each personality, by name.
        self.servers: dict[str, ServedIndexes] = {}
        #: The files an index filled by upload refused (their jobs do not apply there).
        self.refusals: list[Refusal] = []
        self._lock = threading.Lock()
        self._templates: dict[str | None, Path] = {}
        self._groups: set[int] = set()
        self._schemes: dict[str | None, dict[str, str]] = {}
        self._trash = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wheelnext-cleanup")

    def template(self, python: str | None) -> Path:
        with self._lock:
            if python not in self._templates:
                info = self.runner._interpreter(python)
                if info is None:
                    raise RunnerError(f"--python {python}: no such interpreter here")
                target = self.workdir / "templates" / re.sub(r"[^\w.]", "_", str(python))
                subprocess.run(
                    [str(info["exe"]), "-m", "venv", "--without-pip", str(target)],
                    check=True,
                    capture_output=True,
                )
                self._templates[python] = target
            return self._templates[python]

    def scheme(self, python: str | None) -> dict[str, str]:
        """The install scheme's folders relative to an environment's prefix."""
        template = self.template(python)
        with self._lock:
            if python not in self._schemes:
                done = subprocess.run(
                    [str(template / "bin" / "python"), "-I", "-c", _SCHEME],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                paths = json.loads(done.stdout)
                self._schemes[python] = {
                    key: os.path.relpath(paths[key], template)
                    for key in ("purelib", "platlib", "scripts", "data")
                }
            return self._schemes[python]

    def folders(self, job: Job) -> JobFolders:
        return JobFolders(self.workdir / "jobs" / job_slug(job))

    @contextlib.contextmanager
    def environment(self, job: Job, folders: JobFolders) -> Iterator[VenvEnvironment]:
        """A copy of the interpreter's template environment (removed in the background)."""
        folders.work.mkdir(parents=True)
        try:
            shutil.copytree(self.template(job.python), folders.env, symlinks=True)
            yield VenvEnvironment(self, job, folders)
        finally:
            self._cleanup(folders.root)

    def run(self, job: Job) -> Observation | Unsupported | NotApplicable:
        """The job's steps, unless the index refused one of its files on upload."""
        skipped = refused(job, self.refusals, self.runner.index_target)
        if skipped is not None:
            return skipped
        return run_steps(VenvIndexes(self, self.servers[job.personality.name]), job)

    def _execute(
        self,
        argv: list[str],
        environ: dict[str, str],
        cwd: Path,
        timeout: float,
        mounts: private_mounts.PrivateMounts | None = None,
    ) -> Ran:
        """Run one installer command, contained; its output goes to a file, never a pipe."""
        mode = self.runner.pid_mode
        wrap = None
        if mounts is not None:
            flags = containment.PID_FLAGS if mode is not None else ()

            def wrap(command: list[str]) -> list[str]:
                return mounts.wrap(command, unshare=flags)

        logs = self.workdir / "output"
        logs.mkdir(exist_ok=True)
        fd, log = tempfile.mkstemp(dir=logs, suffix=".log")
        try:
            try:
                run = containment.Contained(
                    argv, mode=mode, env=environ, cwd=cwd, output=fd, wrap=wrap
                )
            except OSError as exc:
                return Ran(127, False, f"cannot start {argv[0]}: {exc.strerror}", 0.0)
            finally:
                os.close(fd)
            with self._lock:
                self._groups.add(run.pgid)
            try:
                ended = run.wait(timeout)
            finally:
                with self._lock:
                    self._groups.discard(run.pgid)
            output, truncated = read_output(Path(log))
        finally:
            os.unlink(log)
        return Ran(
            ended.exit_code, ended.timed_out, output, ended.duration, ended.survivors, truncated
        )

    def _cleanup(self, root: Path) -> None:
        """Remove a job's folder in the background: an installer's cache is thousands of files."""
        if not self.runner.keep:
            self._trash.submit(shutil.rmtree, root, ignore_errors=True)

    def close(self) -> None:
        """Kill every installer still running (Ctrl-C) and remove the environments."""
        with self._lock:
            groups = list(self._groups)
        for pgid in groups:
            _kill_group(pgid)
        self._trash.shutdown(wait=True, cancel_futures=True)
        if not self.runner.keep:
            shutil.rmtree(self.workdir / "jobs", ignore_errors=True)
            shutil.rmtree(self.workdir / "templates", ignore_errors=True)
            shutil.rmtree(self.workdir / "private", ignore_errors=True)
        shutil.rmtree(self.workdir / "output", ignore_errors=True)


class VenvIndexes:
    """The step driver's session for the jobs of one index personality: that personality's
    server (its URLs, request log and uploads) and the session's environments."""

    def __init__(self, session: VenvSession, server: ServedIndexes) -> None:
        self.session = session
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def index_url(self, name: str) -> str:
        return self.server.index_url(name)

    def requests(self) -> list[tuple[str | None, str, int]]:
        return [(r.index, r.path, r.status) for r in self.server.requests]

    def upload_log(self, name: str) -> str:
        return self.server.upload_log(name) if isinstance(self.server, RemoteIndexes) else ""

    def folders(self, job: Job) -> JobFolders:
        return self.session.folders(job)

    def environment(
        self, job: Job, folders: JobFolders
    ) -> contextlib.AbstractContextManager[VenvEnvironment]:
        return self.session.environment(job, folders)


@dataclass(frozen=True)
class VenvSnapshot:
    """The watched folders' listings before a step, and the private mounts it runs under."""

    listing: Listing
    folders: list[Path]
    #: Folders only checked for new entries (HOME and the temp root).
    shared: list[Path]
    ignore: list[Path]
    mounts: private_mounts.PrivateMounts | None


class VenvEnvironment:
    """One job's copy of the template environment: the step driver's primitives here."""

    def __init__(self, session: VenvSession, job: Job, folders: JobFolders) -> None:
        self.session = session
        self.runner = session.runner
        self.job = job
        self.folders = folders

    def command(self, step: Invocation) -> tuple[str, ...]:
        return step.argv

    def snapshot(self, step: Invocation | None) -> VenvSnapshot:
        """Listings of the base interpreter's folders, HOME and the temp root; with private
        mount namespaces, HOME and the temp root are hidden for *step* instead."""
        root, workdir = self.folders.root, self.session.workdir
        base, shared = self.runner.watched(self.job.python)
        mounts = None
        if self.runner.mount_mode is not None and step is not None:
            mounts, unhidden = private_mounts.PrivateMounts.plan(
                self.runner.mount_mode,
                workdir / "private" / root.name,
                self._needed(step),
                read_only=self._read_only(),
                writable=[root, workdir],
            )
            if self.runner.watch is None:
                shared = [*shared, *unhidden]
            self._refuse_hidden(step, mounts)
        folders = [*base, *shared, root]
        ignore = [self.folders.env, self.folders.home, self.folders.work, workdir]
        return VenvSnapshot(snapshot(folders, ignore=ignore), folders, shared, ignore, mounts)

    def exec(self, step: Invocation, before: VenvSnapshot | None) -> Ran:
        """Run *step* contained; a step whose writes are not observed still gets the base
        interpreter read-only under private mounts."""
        root, workdir = self.folders.root, self.session.workdir
        mounts = before.mounts if before is not None else None
        if before is None and self.runner.mount_mode is not None:
            mounts, _ = private_mounts.PrivateMounts.plan(
                self.runner.mount_mode,
                workdir / "private" / f"{root.name}-preinstall",
                [],
                areas=[],
                read_only=self._read_only(),
                writable=[root, workdir],
            )
        environ = scrubbed_environ(self.folders.home, extra=step.env)
        ran = self.session._execute(
            list(step.argv), environ, self.folders.work, self.job.timeout, mounts
        )
        if (
            ran.exit_code == private_mounts.SETUP_FAILED
            and private_mounts.SETUP_MESSAGE in ran.output
        ):
            raise RunnerError(ran.output.strip().splitlines()[-1])
        return ran

    def written(self, before: VenvSnapshot) -> tuple[str, ...]:
        after = snapshot(before.folders, ignore=before.ignore)
        written = changed(before.listing, after, new_only=before.shared)
        if before.mounts is not None:
            written = sorted({*written, *before.mounts.written()})
            self.session._cleanup(before.mounts.root)
        return tuple(written)

    def _refuse_hidden(self, step: Invocation, mounts: private_mounts.PrivateMounts) -> None:
        """One line, before the run, when the command needs a path the namespace hides."""
        environ = scrubbed_environ(self.folders.home, extra=step.env)
        hidden = mounts.hidden_references(step.argv, step.env, environ.get("PATH"))
        if hidden:
            how, path, area = hidden[0]
            self.session._cleanup(mounts.root)
            raise RunnerError(
                f"{how}: {path} lies under {area}, which the private mount namespace hides "
                f"from the installer; {private_mounts.PASS_THROUGH}"
            )

    def _needed(self, invocation: Invocation) -> list[Path]:
        """What the installer must see under a hidden folder: its job folder, the
        interpreters and harness it runs from, and every path on its command line
        (a file's folder; for a program in a ``bin`` folder, that folder's prefix)."""
        info = self.runner._interpreter(self.job.python) or {}
        needed = [self.folders.root, Path(sys.prefix), Path(sys.base_prefix), _harness_root()]
        needed += [Path(str(p)) for p in info.get("watch", [])]  # type: ignore[attr-defined]
        needed += [p for p in invocation.visible if p.exists()]
        for value in [*invocation.argv, *invocation.env.values()]:
            if not os.path.isabs(value) or not os.path.exists(value):
                continue
            for path in {Path(value), Path(os.path.realpath(value))}:
                folder = path if path.is_dir() else path.parent
                needed.append(folder.parent if folder.name == "bin" else folder)
        return needed

    def _read_only(self) -> list[Path]:
        """The base interpreter's folders (the job's and the harness's): read-only for
        the installer under private mounts."""
        info = self.runner._interpreter(self.job.python) or {}
        watched = [Path(str(p)) for p in info.get("watch", [])]  # type: ignore[attr-defined]
        return [*watched, Path(sys.base_prefix)]

    def probe(self, paths: list[str]) -> tuple[dict[str, InstalledDist], dict[str, PathState]]:
        """The environment is on this machine: inspected in-process (saves an interpreter
        start per job); the scheme's folders were read once from the template's interpreter."""
        scheme = {
            key: str(self.folders.env / rel)
            for key, rel in self.session.scheme(self.job.python).items()
        }
        return parse_probe(inspect_environment(scheme, str(self.folders.root), paths))

    def fetch(self, wanted: Sequence[tuple[str, str | None]]) -> list[tuple[int, str | None, str]]:
        """From this process: the installer reaches the index on this machine's loopback too."""
        results = []
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            for url, accept in wanted:
                response = client.get(url, headers={"Accept": accept} if accept else {})
                body = response.content[: 1 << 18].decode("utf-8", errors="replace")
                results.append((response.status_code, response.headers.get("content-type"), body))
        return results


def _harness_root() -> Path:
    """The folder wheelnext is imported from (a checkout for an editable install)."""
    return Path(wheelnext.__file__).resolve().parent.parent


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
