"""The ``docker`` runner: every job in a fresh container that can reach only the index.

The index server runs in a container of its own started with ``--network
none``; each installer container joins that container's network namespace
(``--network container:INDEX``), so the two share one loopback and nothing
else: no bridge, no host networking, no route out. The job's folder (the
environment, HOME, the installer's work files) is bind-mounted at the same
path it has here, so the adapters' paths mean the same thing inside; the
built wheels are mounted read-only. Observation runs inside the container
(``docker exec`` of the same probe the venv runner uses) and ``docker diff``
reports anything the installer wrote outside those mounts. Containers are
removed after each job, and all of them on :meth:`DockerSession.close`
(Ctrl-C included).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wheelnext.conformance import image as images
from wheelnext.conformance.adapters import Invocation, Unsupported
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.index_servers import SERVER_TARGETS, Refusal
from wheelnext.conformance.index_servers import not_applicable as server_not_applicable
from wheelnext.conformance.index_targets import TARGETS, TOOL_TARGETS, IndexTargetError
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.observe import (
    OUTPUT_HEAD,
    OUTPUT_TAIL,
    PROBE,
    InstalledDist,
    Observation,
    PathState,
    capped,
    parse_probe,
)
from wheelnext.conformance.runners.protocol import (
    Job,
    JobFolders,
    NotApplicable,
    Ran,
    job_slug,
    refused,
)
from wheelnext.conformance.runners.steps import run_steps
from wheelnext.conformance.scenario import Scenario
from wheelnext.isolation import scrubbed_environ

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

#: Runs in the index container: serve the mounted roots on 127.0.0.1 with the index
#: target named in ``argv[4]`` (its tools in the cache ``argv[5]``), write each index's URL
#: and the files it refused on upload, then the server's URL, and dump the request log
#: (atomically, numbered) each time it receives SIGUSR1.
INDEX_SCRIPT = r"""
import json, os, signal, sys, threading
from pathlib import Path
from wheelnext.conformance.index_targets import serve
roots = {name: Path(p) for name, p in json.loads(sys.argv[1]).items()}
failures = json.loads(sys.argv[2])
out = Path(sys.argv[3])
dumps = [0]
refusals = []
with serve(sys.argv[4], roots, failures, cache=Path(sys.argv[5]), refusals=refusals) as server:
    def dump(signum, frame):
        dumps[0] += 1
        records = [[r.index, r.path, r.status] for r in list(server.requests)]
        tmp = out / "requests.tmp"
        tmp.write_text(json.dumps({"seq": dumps[0], "requests": records}))
        os.replace(tmp, out / "requests.json")
    signal.signal(signal.SIGUSR1, dump)
    served = {"refusals": [[r.index, r.message] for r in refusals],
              "indexes": {name: server.index_url(name) for name in roots}}
    (out / "served.tmp").write_text(json.dumps(served))
    os.replace(out / "served.tmp", out / "served.json")
    (out / "url.tmp").write_text(server.url)
    os.replace(out / "url.tmp", out / "url")
    threading.Event().wait()
"""
_STARTUP = 60.0
#: Seconds for an index target that starts servers and uploads every root, or generates
#: pages per root, before the index container answers.
_FILLED_STARTUP = 1800.0
#: The index targets an index container can serve: every one but ``url`` (a container
#: has no network); those with a tool of their own run it from the index image.
SERVED_TARGETS = tuple(t for t in TARGETS if t != "url")

#: Runs in the installer's container (it alone reaches the index): a scenario's
#: ``[[fetch]]`` requests, one JSON list of responses on stdout (standard library only).
FETCH_SCRIPT = r"""
import json, sys, urllib.error, urllib.request
out = []
for url, accept in json.loads(sys.argv[1]):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as exc:
        response = exc
    body = response.read(1 << 18).decode("utf-8", "replace")
    out.append([response.status, response.headers.get("content-type"), body])
print(json.dumps(out))
"""


class DockerRunner:
    """Fresh containers from a per-installer image, one per job."""

    name = "docker"
    #: How writes outside the environment are seen (for the run's metadata).
    write_detection = "docker diff"
    #: Scenario features beyond a plain install that this runner carries out.
    features = frozenset({"fetch", "preinstall"})

    def __init__(
        self, *, image: str | None = None, keep: bool = False, index_target: str = "reference"
    ) -> None:
        """*image* replaces the debootstrapped base (``WHEELNEXT_DOCKER_IMAGE`` by default);
        *index_target* names the index that serves the packages, run in the index
        container (:mod:`~wheelnext.conformance.index_targets`: any target served on
        127.0.0.1; not ``url``, which no container without a network can reach)."""
        if index_target == "url":
            raise IndexTargetError(
                "--index-target url: the docker runner's containers have no network, "
                "so they cannot reach a remote index (use --runner venv)"
            )
        if index_target not in SERVED_TARGETS:
            raise IndexTargetError(
                f"--index-target {index_target!r}: expected one of {', '.join(SERVED_TARGETS)}"
            )
        self.base = image or images.default_base()
        self.keep = keep
        self.index_target = index_target
        self.name = "docker" if index_target == "reference" else f"docker+{index_target}"
        self._engine: docker.DockerClient | None = None
        self._harness: str | None = None
        self._index_image: str | None = None
        self._version: str | None = None
        #: The label value (``org.wheelnext.conformance``) of each session opened, in order.
        self.sessions: list[str] = []

    @property
    def engine(self) -> docker.DockerClient:
        if self._engine is None:
            self._engine = images.client()
        return self._engine

    def harness(self) -> str:
        """The harness image, built (once) on first use."""
        if self._harness is None:
            base = self.base or images.base_image(self.engine, log=images._stderr)
            self._harness = images.harness_image(self.engine, base, log=images._stderr)
        return self._harness

    #: How the processes an installer starts are contained (for the run's metadata).
    process_containment = "a container per job: survivors reported, killed and removed with it"

    @property
    def image_digest(self) -> str | None:
        if self._harness is None:
            return None
        return str(self.engine.images.get(self._harness).id)

    def python_version(self, python: str | None) -> str | None:
        """The image's ``python3`` version; any other interpreter is absent here."""
        if self._version is None:
            output = self.engine.containers.run(
                self.harness(),
                [images.PYTHON, "-c", "import platform; print(platform.python_version())"],
                network_mode="none",
                remove=True,
            )
            self._version = output.decode().strip()
        if python is None or self._version.startswith(f"{python}.") or python == self._version:
            return self._version
        return None

    def not_applicable(self, scenario: Scenario, built: Materialized) -> str | None:
        """Why *scenario* cannot run against this runner's index target (None: it can)."""
        if self.index_target in SERVER_TARGETS:
            return server_not_applicable(self.index_target, scenario)
        return None

    def index_image(self) -> str:
        """The index container's image: the harness, with the target's own tool if it has
        one (built once, on first use)."""
        if self._index_image is None:
            self._index_image = images.index_image(
                self.engine, self.harness(), self.index_target, log=images._stderr)
        return self._index_image

    @contextlib.contextmanager
    def open(self, jobs: Sequence[Job], workdir: Path) -> Iterator[DockerSession]:
        session = DockerSession(self, workdir)
        try:
            session.start_index(self.index_image(), jobs)
            yield session
        finally:
            session.close()


class DockerSession:
    """One index container and the installer containers of the jobs."""

    def __init__(self, runner: DockerRunner, workdir: Path) -> None:
        self.runner = runner
        self.engine = runner.engine
        self.workdir = workdir
        self.session = uuid.uuid4().hex[:12]
        runner.sessions.append(self.session)
        self.labels = {images.LABEL: self.session}
        self.index: Container | None = None
        self.url = ""
        #: The files the index refused on upload (their jobs do not apply there).
        self.refusals: list[Refusal] = []
        #: Each served index's URL, by its root's name.
        self.indexes: dict[str, str] = {}
        self._lock = threading.Lock()
        self._dump_lock = threading.Lock()
        self._seq = 0
        self._images: dict[tuple[str, str], str] = {}

    def start_index(self, image: str, jobs: Sequence[Job]) -> None:
        """The index container: ``--network none``, every job's roots mounted read-only."""
        log_dir = self.workdir / f"index-{self.session}"
        log_dir.mkdir(parents=True)
        roots: dict[str, str] = {}
        failures: dict[str, int] = {}
        mounts = [_bind(log_dir, "/srv/log", read_only=False)]
        for job in jobs:
            for name, root in job.roots.roots.items():
                inside = f"/srv/roots/j{job.key}-{name}"
                roots[f"j{job.key}-{name}"] = inside
                mounts.append(_bind(root, inside))
            for name, status in job.index_errors.items():
                failures[f"j{job.key}-{name}"] = status
        self.index = self.engine.containers.run(
            image,
            [
                f"{images.HARNESS_PREFIX}/bin/python",
                "-c",
                INDEX_SCRIPT,
                json.dumps(roots),
                json.dumps(failures),
                "/srv/log",
                self.runner.index_target,
                images.INDEX_CACHE,
            ],
            detach=True,
            network_mode="none",
            mounts=mounts,
            labels=self.labels,
            name=f"wheelnext-index-{self.session}",
        )
        filled = self.runner.index_target in (*SERVER_TARGETS, *TOOL_TARGETS)
        deadline = time.monotonic() + (_FILLED_STARTUP if filled else _STARTUP)
        url_file = log_dir / "url"
        while not url_file.exists():
            self.index.reload()
            if self.index.status == "exited" or time.monotonic() > deadline:
                logs = self.index.logs().decode("utf-8", "replace").strip()[-300:]
                raise RunnerError(f"the index container did not start: {logs}")
            time.sleep(0.05)
        self.url = url_file.read_text().strip()
        served = json.loads((log_dir / "served.json").read_text())
        self.refusals = [Refusal(str(index), str(message))
                         for index, message in served["refusals"]]
        self.indexes = {str(name): str(url) for name, url in served["indexes"].items()}
        self.log_dir = log_dir

    def index_url(self, name: str) -> str:
        """The index's URL as the index container gave it (a target that runs a server per
        index gives each its own port)."""
        return self.indexes.get(name) or f"{self.url}/{name}/simple/"

    def requests(self) -> list[tuple[str, str, int]]:
        """The index's request log so far (SIGUSR1 makes the server write it)."""
        assert self.index is not None
        with self._dump_lock:
            self._seq += 1
            self.index.kill(signal="SIGUSR1")
            path = self.log_dir / "requests.json"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    data = json.loads(path.read_text())
                    if data["seq"] >= self._seq:
                        return [tuple(r) for r in data["requests"]]
                time.sleep(0.02)
        raise RunnerError("the index container did not write its request log")

    def installer_image(self, job: Job) -> str:
        kind, version, binary = images.installer_recipe(job.installer)
        with self._lock:
            if (kind, version) not in self._images:
                self._images[kind, version] = images.installer_image(
                    self.engine,
                    self.runner.harness(),
                    kind,
                    version,
                    binary,
                    images.image_recipe(job.installer),
                )
            return self._images[kind, version]

    def upload_log(self, name: str) -> str:
        """Nothing: only the ``url`` target (which no container reaches) keeps an upload log;
        a refused upload makes its jobs not applicable instead (:func:`refused`)."""
        return ""

    def folders(self, job: Job) -> JobFolders:
        """Resolved: the job's folder is bind-mounted at the same path inside."""
        return JobFolders((self.workdir / "jobs" / job_slug(job)).resolve())

    @contextlib.contextmanager
    def environment(self, job: Job, folders: JobFolders) -> Iterator[ContainerEnvironment]:
        """A container that shares the index's loopback, with a fresh environment in it."""
        assert self.index is not None
        try:
            for folder in (folders.home, folders.work):
                folder.mkdir(parents=True)
            mounts = [_bind(folders.root, str(folders.root), read_only=False)]
            for folder in {f.resolve() for f in job.roots.roots.values()}:
                mounts.append(_bind(folder, str(folder)))
            container = self.engine.containers.run(
                self.installer_image(job),
                ["sleep", "infinity"],
                detach=True,
                network_mode=f"container:{self.index.id}",
                mounts=mounts,
                labels=self.labels,
            )
            try:
                code, output = container.exec_run(
                    [images.PYTHON, "-m", "venv", "--without-pip", str(folders.env)]
                )
                if code != 0:
                    raise RunnerError(f"creating the environment failed: {output.decode()[-300:]}")
                yield ContainerEnvironment(self, job, folders, container)
            finally:
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        finally:
            self._cleanup(folders.root)

    def run(self, job: Job) -> Observation | Unsupported | NotApplicable:
        """The job's steps, unless the index refused one of its files on upload."""
        skipped = refused(job, self.refusals, self.runner.index_target)
        return skipped if skipped is not None else run_steps(self, job)

    def _execute(
        self,
        container: Container,
        argv: list[str],
        environ: Mapping[str, str],
        cwd: Path,
        timeout: float,
    ) -> Ran:
        """``docker exec`` with a timeout; the container is running again when this returns.

        The command's end is read from the engine (``exec_inspect``), not from its
        output stream, which a process it left behind may hold open. Processes
        still running in the container besides its ``sleep`` are survivors: they
        are listed, and the container is killed whole and started again, as at
        the timeout. The output is capped
        (:func:`~wheelnext.conformance.observe.capped`), and never held whole.
        """
        api = self.engine.api
        exec_id = api.exec_create(container.id, argv, environment=dict(environ), workdir=str(cwd))
        result: dict[str, Any] = {}

        def target() -> None:
            # Streamed and kept as head and tail only: a hostile installer's gigabytes of
            # output never sit in the harness's memory whole.
            head, tail, total = bytearray(), bytearray(), 0
            for chunk in api.exec_start(exec_id, stream=True):
                total += len(chunk)
                room = OUTPUT_HEAD - len(head)
                if room > 0:
                    head += chunk[:room]
                    chunk = chunk[room:]
                tail += chunk
                if len(tail) > 2 * OUTPUT_TAIL:
                    del tail[:-OUTPUT_TAIL]
            result["output"] = (bytes(head), bytes(tail[-OUTPUT_TAIL:]), total)

        start = time.perf_counter()
        deadline = start + timeout
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        pause = threading.Event()
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            if thread.is_alive():
                thread.join(min(1.0, remaining))
            else:
                pause.wait(min(0.2, remaining))
            info = api.exec_inspect(exec_id)
            if not info.get("Running"):
                break
        info = api.exec_inspect(exec_id)
        timed_out = bool(info.get("Running"))
        duration = time.perf_counter() - start
        survivors = self._survivors(container, {str(info.get("Pid"))} if timed_out else set())
        if timed_out or survivors or thread.is_alive():
            with contextlib.suppress(Exception):
                container.kill()
                container.wait(timeout=30)
            thread.join(30)
            container.start()
        head, tail, total = result.get("output") or (b"", b"", 0)
        text, cut = capped(head, tail, total)
        code = None if timed_out else info.get("ExitCode")
        return Ran(
            int(code) if code is not None else None,
            timed_out,
            text,
            duration,
            survivors=survivors,
            truncated=cut,
        )

    def _survivors(self, container: Container, ignore: set[str]) -> tuple[str, ...]:
        """Command lines of the container's processes besides its init (and *ignore*)."""
        init = str(self.engine.api.inspect_container(container.id)["State"]["Pid"])
        try:
            listed = container.top(ps_args="-o pid,args").get("Processes") or []
        except Exception:  # a stopped container lists nothing
            return ()
        return tuple(sorted(str(p[1]) for p in listed if str(p[0]) not in {init, *ignore}))

    def _cleanup(self, root: Path) -> None:
        if not self.runner.keep:
            shutil.rmtree(root, ignore_errors=True)

    def close(self) -> None:
        """Remove every container of this session, and the job folders."""
        with contextlib.suppress(Exception):
            for container in self.engine.containers.list(
                all=True, filters={"label": f"{images.LABEL}={self.session}"}
            ):
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        if not self.runner.keep:
            shutil.rmtree(self.workdir / "jobs", ignore_errors=True)


class ContainerEnvironment:
    """One job's container: the step driver's primitives, each a ``docker exec``."""

    def __init__(
        self, session: DockerSession, job: Job, folders: JobFolders, container: Container
    ) -> None:
        self.session = session
        self.job = job
        self.folders = folders
        self.container = container

    def command(self, step: Invocation) -> tuple[str, ...]:
        return tuple(images.in_image_argv(self.job.installer, step.argv))

    def snapshot(self, step: Invocation | None) -> set[str]:
        """``docker diff``'s paths so far (the preinstall step's writes are not the step's)."""
        return {str(c["Path"]) for c in self.container.diff() or []}

    def exec(self, step: Invocation, before: set[str] | None) -> Ran:
        path = images.in_image_path(self.job.installer)
        environ = scrubbed_environ(self.folders.home, base={"PATH": path}, extra=step.env)
        return self.session._execute(
            self.container, list(self.command(step)), environ, self.folders.work, self.job.timeout
        )

    def written(self, before: set[str]) -> tuple[str, ...]:
        changes = [c for c in self.container.diff() or [] if str(c["Path"]) not in before]
        return tuple(sorted(_outside(changes, self.folders.root)))

    def probe(self, paths: list[str]) -> tuple[dict[str, InstalledDist], dict[str, PathState]]:
        """The probe the venv runner runs in-process, run by the environment's interpreter."""
        code, output = self.container.exec_run(
            [
                str(self.folders.env / "bin" / "python"),
                "-I",
                "-c",
                PROBE,
                str(self.folders.root),
                json.dumps(paths),
            ],
            demux=True,
        )
        stdout, stderr = output
        if code != 0:
            detail = (stderr or b"").decode("utf-8", "replace").strip()[-300:]
            raise RunnerError(f"observing {self.job.scenario.id} failed: {detail}")
        return parse_probe((stdout or b"").decode())

    def fetch(self, wanted: Sequence[tuple[str, str | None]]) -> list[tuple[int, str | None, str]]:
        """From inside the container: it alone reaches the index."""
        code, output = self.container.exec_run(
            [images.PYTHON, "-I", "-c", FETCH_SCRIPT, json.dumps(wanted)], demux=True
        )
        stdout, stderr = output
        if code != 0:
            detail = (stderr or b"").decode("utf-8", "replace").strip()[-300:]
            raise RunnerError(f"fetching for {self.job.scenario.id} failed: {detail}")
        return [(status, ctype, body) for status, ctype, body in json.loads(stdout or b"")]


def _bind(source: Path, target: str, *, read_only: bool = True) -> Any:
    """A bind mount of *source* at *target* (several targets may share one source)."""
    from docker.types import Mount

    return Mount(target, str(source.resolve()), type="bind", read_only=read_only)


def _outside(changes: Sequence[Mapping[str, Any]], root: Path) -> Iterator[str]:
    """``docker diff`` entries outside the job's own folder (bind mounts never appear).

    A changed directory is reported by docker for every file created below it;
    only the deepest entries name what was written.
    """
    paths = sorted(str(c["Path"]) for c in changes)
    for i, path in enumerate(paths):
        if path == str(root) or path.startswith(f"{root}/") or str(root).startswith(f"{path}/"):
            continue
        if i + 1 < len(paths) and paths[i + 1].startswith(f"{path}/"):
            continue
        yield path
