"""What every runner shares: a job, the runner and session protocols, the two install steps,
and the primitives (:class:`Environments`, :class:`Environment`) that the step driver
(``runners/steps.py``) runs a job's steps with.

The runners themselves (``runners/venv.py``, ``runners/docker.py``) import this module;
the package imports them, so neither needs the package that names them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from wheelnext.conformance.adapters import (
    IndexURL,
    Installer,
    InstallRequest,
    Invocation,
    Unsupported,
)
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.index_servers import Refusal
from wheelnext.conformance.lockfile import lock_path, write_lock
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.observe import InstalledDist, LoggedRequest, Observation, PathState
from wheelnext.conformance.runners.refused import refused_url
from wheelnext.conformance.scenario import Scenario
from wheelnext.index.features import DEFAULT, Personality

DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Job:
    """One scenario for one installer configuration on one Python version."""

    key: int
    scenario: Scenario
    installer: Installer
    python: str | None
    roots: Materialized
    timeout: float = DEFAULT_TIMEOUT
    #: ``--installer-arg`` values, appended to the installer's command.
    extra_args: tuple[str, ...] = ()
    #: The index personality that serves the job's roots.
    personality: Personality = DEFAULT
    #: The version of the Python the job runs (``Runner.python_version``), when known.
    python_version: str | None = None

    @property
    def index_errors(self) -> Mapping[str, int]:
        return {i.name: i.error for i in self.scenario.indexes if i.error is not None}


@dataclass(frozen=True)
class NotApplicable:
    """The job cannot run on the index the session serves (it refused one of the job's
    files on upload): the scenario does not apply there, for this reason."""

    reason: str


def refused(job: Job, refusals: Iterable[Refusal], target: str) -> NotApplicable | None:
    """The job's result when the index refused one of its files on upload, else None."""
    names = {f"j{job.key}-{name}" for name in job.roots.roots}
    mine = [r.message for r in refusals if r.index in names]
    if not mine:
        return None
    return NotApplicable(f"the {target} index refused a file of the scenario: "
                         + "; ".join(mine))


class Session(Protocol):
    """A runner with its index servers up, ready to run jobs (thread-safe)."""

    def run(self, job: Job) -> Observation | Unsupported | NotApplicable:
        """Run *job*, or say why the adapter cannot express it or the index cannot serve it."""

    def close(self) -> None:
        """Kill every installer still running and remove what the jobs left (idempotent).

        Called on Ctrl-C before waiting for the worker threads, so they return at once.
        """


class Runner(Protocol):
    """A kind of environment.

    Every member the harness uses is declared here. A runner may subclass this
    protocol to take the defaults below: no features beyond a plain install,
    every scenario applicable, and no description of its write detection or
    process containment.
    """

    @property
    def name(self) -> str:
        """``venv`` or ``docker``."""

    @property
    def image_digest(self) -> str | None:
        """The container image digest; None for a runner without images."""

    @property
    def features(self) -> frozenset[str]:
        """Scenario features beyond a plain install that this runner carries out.

        A scenario that needs one the runner lacks (``run.needed_features``) is not applicable.
        """
        return frozenset()

    @property
    def write_detection(self) -> str | None:
        """How writes outside the environment are seen (for the run's metadata)."""
        return None

    @property
    def process_containment(self) -> str | None:
        """How the processes an installer starts are contained (for the run's metadata)."""
        return None

    def not_applicable(self, scenario: Scenario, built: Materialized) -> str | None:
        """This runner's own reason why *scenario* cannot run here (None: it can)."""
        return None

    def python_version(self, python: str | None) -> str | None:
        """The full version of interpreter *python* (None: the default), or None if absent."""

    def open(self, jobs: Sequence[Job], workdir: Path) -> AbstractContextManager[Session]:
        """Serve every job's indexes and return a session that runs them."""


@dataclass(frozen=True)
class Ran:
    """One command's end, as a runner reports it."""

    exit_code: int | None
    timed_out: bool
    output: str
    duration: float
    #: Processes the command left running (killed since).
    survivors: tuple[str, ...] = ()
    #: True when the output kept is the head and tail of a longer one.
    truncated: bool = False


@dataclass(frozen=True)
class JobFolders:
    """A job's folder: its environment, HOME and the installer's work files below it."""

    root: Path

    @property
    def env(self) -> Path:
        return self.root / "env"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"


#: A runner's record of what lies outside the environment before a step (its write detection).
Before = TypeVar("Before")


class Environment(Protocol[Before]):
    """One job's fresh environment: the primitives the step driver runs a job's steps with."""

    def command(self, step: Invocation) -> tuple[str, ...]:
        """*step*'s command line as it runs here (the observation's ``argv``)."""

    def snapshot(self, step: Invocation | None) -> Before:
        """What lies outside the environment before *step* runs (None: no step runs)."""

    def exec(self, step: Invocation, before: Before | None) -> Ran:
        """Run *step*, contained, within the job's timeout.

        *before* is the snapshot taken for it; None for a step whose writes are not
        observed (the preinstall step).
        """

    def written(self, before: Before) -> tuple[str, ...]:
        """The paths written outside the environment since *before*, sorted."""

    def probe(self, paths: list[str]) -> tuple[dict[str, InstalledDist], dict[str, PathState]]:
        """The distributions installed in the environment, and the state of *paths*."""

    def fetch(
        self, wanted: Sequence[tuple[str, str | None]]
    ) -> Sequence[tuple[int, str | None, str]]:
        """GET each ``(url, accept)`` from where the installer runs: status, type and body."""


class Environments(Protocol[Before]):
    """A session's side of the step driver: the served indexes and the jobs' environments."""

    @property
    def url(self) -> str:
        """The index server's base URL (reported as ``{server}``)."""

    def index_url(self, name: str) -> str:
        """The simple-API URL of served index *name* (``j{key}-{index}``)."""

    def requests(self) -> Sequence[tuple[str | None, str, int]]:
        """The index server's request log so far: (served index, path, status)."""

    def upload_log(self, name: str) -> str:
        """What uploading served index *name* printed ("" where nothing is uploaded)."""

    def folders(self, job: Job) -> JobFolders:
        """Where *job*'s environment, HOME and work files go (nothing is created yet)."""

    def environment(
        self, job: Job, folders: JobFolders
    ) -> AbstractContextManager[Environment[Before]]:
        """*job*'s fresh environment in *folders*, removed (with them) at the end."""


def plan_steps(
    installer: Installer, install: InstallRequest, preinstall: Sequence[str]
) -> tuple[Invocation | None, Invocation] | Unsupported:
    """The preinstall step (if the scenario has one) and the install step for *installer*.

    Both runners run the same two steps; :class:`Unsupported` says why the adapter
    cannot express one of them (the scenario is then unsupported).
    """
    invocation = installer.invocation(install)
    if isinstance(invocation, Unsupported):
        return invocation
    if not preinstall:
        return None, invocation
    first = installer.invocation(
        dataclasses.replace(
            install, requirements=tuple(preinstall), wheel=None, no_deps=False, lock=None
        )
    )
    if isinstance(first, Unsupported):
        return Unsupported(f"preinstall: {first.reason}")
    return first, invocation


def job_slug(job: Job) -> str:
    """The job's folder name: its key, scenario and installer, safe in a path."""
    return re.sub(r"[^\w.-]", "_", f"{job.key}-{job.scenario.id}-{job.installer.name}")


def install_request(
    job: Job, index_url: Callable[[str], str], env_dir: Path, work: Path
) -> InstallRequest:
    """The scenario's request placed in the job's environment; *index_url* maps a served name."""
    request = job.scenario.request
    wheel = None
    if request.wheel:
        wheel = job.roots.find(request.wheel)
        if wheel is None:
            raise RunnerError(f"{job.scenario.path}: {request.wheel} was not built")
    refused = {i.name for i in job.scenario.indexes if i.refused}

    def url(name: str) -> str:
        return refused_url(name) if name in refused else index_url(f"j{job.key}-{name}")

    lock = lock_path(work) if request.lock is not None else None
    return InstallRequest.from_scenario(
        request,
        indexes=tuple(IndexURL(name, url(name)) for name in request.indexes),
        python=env_dir / "bin" / "python",
        prefix=env_dir,
        work=work,
        wheel=wheel,
        extra_args=job.extra_args,
        lock=lock,
        python_version=job.python_version,
    )


def write_lock_file(job: Job, work: Path) -> None:
    """The request's ``pylock.toml`` and its wheels, once the job's folder exists."""
    lock = job.scenario.request.lock
    if lock is not None:
        write_lock(lock, job.roots, work, job.scenario.path)


def write_files(invocation: Invocation | None) -> None:
    """Write the configuration files an invocation needs before it runs."""
    for path, text in (invocation.files if invocation else {}).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def job_requests(
    log: Iterable[tuple[str | None, str, int]], job: Job, *, after: int = 0
) -> tuple[LoggedRequest, ...]:
    """The job's requests in a server's log (index, path, status), by the scenario's names.

    Every job's indexes are served as ``j{key}-{name}``; *after* skips the job's first
    requests (the preinstall step's).
    """
    prefix = f"j{job.key}-"
    return tuple(
        LoggedRequest(index[len(prefix) :], path.removeprefix(f"/{index}"), status)
        for index, path, status in log
        if index is not None and index.startswith(prefix)
    )[after:]
