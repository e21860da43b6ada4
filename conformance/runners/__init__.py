"""Runners: where an installer runs for one scenario (a virtualenv, a container).

A runner prepares a fresh environment per job, serves the job's index roots
so that only the installer under test reaches them, runs the adapter's
invocation with a timeout, and returns an
:class:`~wheelnext.conformance.observe.Observation`. The docker runner
(``runners/docker.py``) implements the same protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from wheelnext.conformance.adapters import Installer, InstallRequest, Invocation, Unsupported
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.observe import Observation
from wheelnext.conformance.scenario import Scenario
from wheelnext.errors import WheelnextError

DEFAULT_TIMEOUT = 120.0


class RunnerError(WheelnextError):
    """A runner cannot be used here (no docker engine, no such interpreter...)."""


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

    @property
    def index_errors(self) -> Mapping[str, int]:
        return {i.name: i.error for i in self.scenario.indexes if i.error is not None}


class Session(Protocol):
    """A runner with its index servers up, ready to run jobs (thread-safe)."""

    def run(self, job: Job) -> Observation | str:
        """Run *job*; a string is the adapter's reason it is unsupported."""

    def close(self) -> None:
        """Kill every installer still running and remove what the jobs left (idempotent).

        Called on Ctrl-C before waiting for the worker threads, so they return at once.
        """


class Runner(Protocol):
    """A kind of environment."""

    @property
    def name(self) -> str:
        """``venv`` or ``docker``."""

    @property
    def image_digest(self) -> str | None:
        """The container image digest; None for a runner without images."""

    def python_version(self, python: str | None) -> str | None:
        """The full version of interpreter *python* (None: the default), or None if absent."""

    def open(self, jobs: Sequence[Job], workdir: Path) -> AbstractContextManager[Session]:
        """Serve every job's indexes and return a session that runs them."""


def make_runner(name: str, **options: Any) -> Runner:
    """The runner called *name*."""
    if name == "venv":
        from wheelnext.conformance.runners.venv import VenvRunner

        return VenvRunner(**options)
    if name == "docker":
        if options.pop("index_target", "reference") != "reference":
            raise RunnerError("--index-target: the docker runner serves the reference index only")
        try:
            from wheelnext.conformance.runners.docker import DockerRunner
        except ImportError:
            raise RunnerError("--runner docker: the docker runner is not available yet") from None
        runner: Runner = DockerRunner(**options)
        return runner
    raise RunnerError(f"--runner {name!r}: expected venv or docker")


def plan_steps(
    installer: Installer, install: InstallRequest, preinstall: Sequence[str]
) -> tuple[Invocation | None, Invocation] | str:
    """The preinstall step (if the scenario has one) and the install step for *installer*.

    Both runners run the same two steps; a string is the reason the adapter
    cannot express one of them (the scenario is then unsupported).
    """
    invocation = installer.invocation(install)
    if isinstance(invocation, Unsupported):
        return invocation.reason
    if not preinstall:
        return None, invocation
    first = installer.invocation(
        dataclasses.replace(install, requirements=tuple(preinstall), wheel=None, no_deps=False)
    )
    if isinstance(first, Unsupported):
        return f"preinstall: {first.reason}"
    return first, invocation
