"""Index targets that run real index servers as processes of their own.

``pypiserver-server`` starts ``pypi-server run`` (pypiserver's own command) on
127.0.0.1, one process and one empty package folder per scenario index, so no
scenario's files meet another's, and fills it through its upload API with
:mod:`wheelnext.upload` (the legacy upload API: what an index author's users
would do; twine cannot, see docs/spec-notes/pep777-upload-tooling.rst). Each
process is started in a session of its own and its whole process group is ended
when the scenario is done.

``devpi`` starts devpi-server (provisioned into the harness's cache) with a fresh
``--serverdir``, ``--offline-mode`` and no ``root/pypi`` mirror, one process per
scenario; each scenario index is an index of its own, ``scenario/NAME`` (no bases), made
through devpi's HTTP API, filled through its upload API with :mod:`wheelnext.upload`
(basic auth) and served at ``/scenario/NAME/+simple/``.

The harness reaches each index through a logging reverse proxy of its own on loopback
(:mod:`~wheelnext.conformance.logging_proxy`), so request-log scenarios apply to these
servers too; uploads go to the server directly and are not logged. The harness cannot
make a server answer an error, and an upload cannot yank a file, so scenarios that need
either are *not applicable* (:func:`not_applicable`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from wheelnext.conformance.logging_proxy import LoggingProxy, logging_proxy
from wheelnext.conformance.scenario import Scenario
from wheelnext.errors import WheelnextError
from wheelnext.filenames import is_distribution_filename
from wheelnext.index import RequestRecord
from wheelnext.upload import Credentials, UploadRefused, upload

#: The index targets this module serves.
SERVER_TARGETS = ("pypiserver-server", "devpi")
#: The devpi-server release the ``devpi`` target provisions (an environment of its own in the
#: harness's cache, like an installer's).
DEVPI_SERVER = "6.20.3"
#: The devpi user that owns every index of a scenario (one devpi-server per scenario).
DEVPI_USER = "scenario"
#: Seconds a server may take to answer its first request, and to stop.
START_TIMEOUT = 300.0
STOP_TIMEOUT = 30.0


class IndexServerError(WheelnextError):
    """An index server cannot be started or refuses the scenario's files."""


@dataclass(frozen=True)
class Refusal:
    """A file an index refused on upload: the served index (its root's name) and why."""

    index: str
    message: str

    def __str__(self) -> str:
        return f"index {self.index!r} refused the {self.message}"


def not_applicable(target: str, scenario: Scenario) -> str | None:
    """Why *scenario* cannot run against the process-run *target* (None: it can)."""
    if any(i.error is not None for i in scenario.indexes):
        return f"makes an index answer an error, which the harness cannot make {target} do"
    if any(i.yanked for i in scenario.indexes):
        return f"yanks files, which an upload to {target} cannot do"
    return None


@dataclass
class ServerProcess:
    """One index server process: its URL, its log file, its process group."""

    name: str
    process: subprocess.Popen[bytes]
    base: str
    index: str
    log: Path

    def stop(self) -> None:
        """End the server's whole process group; SIGKILL what outlives SIGTERM."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):  # children that outlived their leader
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class ServerIndexes:
    """Process-run indexes as :class:`~wheelnext.conformance.index_targets.ServedIndexes`,
    each reached through its logging proxy once :meth:`log_requests` has started them."""

    servers: dict[str, ServerProcess] = field(default_factory=dict)
    proxies: dict[str, LoggingProxy] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return "http://127.0.0.1"

    def index_url(self, name: str | None = None) -> str:
        name = name if name is not None else next(iter(self.servers))
        server = self.servers[name]
        proxy = self.proxies.get(name)
        return server.index if proxy is None else proxy.proxied(server.index)

    def log_requests(self, stack: contextlib.ExitStack) -> None:
        """Put a logging proxy in front of each index, stopped when *stack* closes."""
        for name, server in self.servers.items():
            self.proxies[name] = stack.enter_context(logging_proxy(name, server.base))

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request the proxies forwarded, in the order their responses started."""
        records = [r for proxy in self.proxies.values() for r in proxy.requests]
        return sorted(records, key=lambda r: r.time)

    @property
    def pids(self) -> list[int]:
        return sorted({s.process.pid for s in self.servers.values()})


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(name: str, argv: Sequence[str], base: str, index: str, log: Path) -> ServerProcess:
    """Start *argv* in a session of its own and wait until *base* answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServerProcess(name, process, base, index, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:]
            raise IndexServerError(
                f"index {name}: {argv[0]} exited with status {process.returncode}"
                + (f": {tail[0]}" if tail else "")
            )
        try:
            httpx.get(base, timeout=5.0)
            return server
        except httpx.TransportError:
            if time.monotonic() > deadline:
                server.stop()
                raise IndexServerError(
                    f"index {name}: no answer from {base} within {START_TIMEOUT:.0f} s"
                ) from None
            time.sleep(0.2)


def upload_root(root: Path, url: str, name: str, *,
                credentials: Credentials | None = None,
                refusals: list[Refusal] | None = None) -> None:
    """Upload every distribution in *root* to *url*.

    A file the index refuses (an error status) is an :class:`IndexServerError`, or, given
    *refusals*, is left out and noted there: an index run checks what the index then
    serves, and refusing an upload is part of what it does."""
    for path in sorted(root.iterdir()):
        if path.is_file() and is_distribution_filename(path.name):
            try:
                upload(path, url, credentials=credentials, check_name=False)
            except UploadRefused as exc:
                if refusals is None:
                    raise IndexServerError(f"index {name}: {exc}") from None
                refusals.append(Refusal(name, str(exc)))
            except WheelnextError as exc:
                raise IndexServerError(f"index {name}: {exc}") from None


def _pypiserver_argv(port: int, folder: Path) -> list[str]:
    return [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port),
            "-P", ".", "-a", ".", "--disable-fallback", str(folder)]


@contextlib.contextmanager
def serve_pypiserver_server(
    roots: Mapping[str, Path], *, refusals: list[Refusal] | None = None
) -> Iterator[ServerIndexes]:
    """One ``pypi-server`` per root, filled through its upload API; all stopped at the end.

    *refusals*: see :func:`upload_root`."""
    served = ServerIndexes()
    with tempfile.TemporaryDirectory(prefix="wheelnext-pypiserver-") as work, \
            contextlib.ExitStack() as proxies:
        try:
            for name, root in roots.items():
                folder = Path(work) / name
                folder.mkdir()
                port = free_port()
                base = f"http://127.0.0.1:{port}/"
                served.servers[name] = start(
                    name, _pypiserver_argv(port, folder), base, f"{base}simple/",
                    Path(work) / f"{name}.log",
                )
                upload_root(root, base, name, refusals=refusals)
            served.log_requests(proxies)
            yield served
        finally:
            for server in served.servers.values():
                server.stop()


def devpi_env(cache: Path) -> Path:
    """The cached environment holding devpi-server :data:`DEVPI_SERVER`."""
    from wheelnext.conformance.adapters._tools import provision

    return provision("devpi-server", DEVPI_SERVER, cache=cache)


def _devpi_index(base: str, user: str, password: str, names: Sequence[str]) -> None:
    """Make *user* and one index per name, with no bases, through devpi's HTTP API."""
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=START_TIMEOUT) as client:
        made = client.put(f"/{user}", content=json.dumps({"password": password}))
        if made.status_code != 201:
            raise IndexServerError(f"devpi: creating user {user}: HTTP {made.status_code}")
        login = client.post("/+login", content=json.dumps({"user": user, "password": password}))
        if login.status_code != 200:
            raise IndexServerError(f"devpi: login as {user}: HTTP {login.status_code}")
        token = login.json()["result"]["password"]
        auth = {"X-Devpi-Auth": base64.b64encode(f"{user}:{token}".encode()).decode()}
        for name in names:
            index = client.put(f"/{user}/{name}", headers=auth,
                               content=json.dumps({"bases": [], "volatile": False}))
            if index.status_code != 200:
                raise IndexServerError(
                    f"devpi: creating index {user}/{name}: HTTP {index.status_code}")


def _entry_point(env: Path, module: str, function: str) -> list[str]:
    """Run a console script's function with *env*'s Python: the scripts' ``#!`` lines name
    the folder the environment was provisioned in before it was renamed into place."""
    code = f"import sys; from {module} import {function}; sys.exit({function}())"
    return [str(env / "bin" / "python"), "-c", code]


@contextlib.contextmanager
def serve_devpi(
    roots: Mapping[str, Path], *, cache: Path, refusals: list[Refusal] | None = None
) -> Iterator[ServerIndexes]:
    """One offline devpi-server with an index per root, filled through its upload API.

    *refusals*: see :func:`upload_root`."""
    env = devpi_env(cache)
    served = ServerIndexes()
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="wheelnext-devpi-") as work, \
            contextlib.ExitStack() as proxies:
        serverdir = Path(work) / "server"
        init = subprocess.run(
            [*_entry_point(env, "devpi_server.init", "init"), "--serverdir", str(serverdir),
             "--no-root-pypi"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
            timeout=START_TIMEOUT, check=False,
        )
        if init.returncode != 0:
            tail = (init.stdout + init.stderr).strip().splitlines()[-1:]
            raise IndexServerError(f"devpi-init exited with status {init.returncode}"
                                   + (f": {tail[0]}" if tail else ""))
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        argv = [*_entry_point(env, "devpi_server.main", "main"), "--serverdir", str(serverdir),
                "--host", "127.0.0.1", "--port", str(port), "--offline-mode"]
        server = start("devpi", argv, base, base, Path(work) / "devpi.log")
        try:
            _devpi_index(base, DEVPI_USER, password, list(roots))
            for name, root in roots.items():
                served.servers[name] = ServerProcess(
                    name, server.process, base, f"{base}{DEVPI_USER}/{name}/+simple/", server.log)
                upload_root(root, f"{base}{DEVPI_USER}/{name}/", name,
                            credentials=Credentials(DEVPI_USER, password), refusals=refusals)
            served.log_requests(proxies)
            yield served
        finally:
            server.stop()
