"""What every runner shares: a job, the runner and session protocols, the two install steps.

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
from typing import Protocol

from wheelnext.conformance.adapters import (
    IndexURL,
    Installer,
    InstallRequest,
    Invocation,
    Unsupported,
)
from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.observe import LoggedRequest, Observation
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

    @property
    def index_errors(self) -> Mapping[str, int]:
        return {i.name: i.error for i in self.scenario.indexes if i.error is not None}


class Session(Protocol):
    """A runner with its index servers up, ready to run jobs (thread-safe)."""

    def run(self, job: Job) -> Observation | Unsupported:
        """Run *job*, or say why the adapter cannot express it."""

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
        dataclasses.replace(install, requirements=tuple(preinstall), wheel=None, no_deps=False)
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
    return InstallRequest.from_scenario(
        request,
        indexes=tuple(IndexURL(name, index_url(f"j{job.key}-{name}")) for name in request.indexes),
        python=env_dir / "bin" / "python",
        prefix=env_dir,
        work=work,
        wheel=wheel,
        extra_args=job.extra_args,
    )


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
