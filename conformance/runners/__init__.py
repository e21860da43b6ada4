"""Runners: where an installer runs for one scenario (a virtualenv, a container).

A runner serves the jobs' index roots so that only the installer under test
reaches them, and makes a fresh environment per job; the one step driver
(``runners/steps.py``) runs each job's steps there with the runner's
primitives (``runners/protocol.py``: exec, snapshot, probe, fetch) and
returns an :class:`~wheelnext.conformance.observe.Observation`. The venv
(``runners/venv.py``) and docker (``runners/docker.py``) runners are those
primitives alone.
"""

from __future__ import annotations

from typing import Any

from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.runners.docker import DockerRunner
from wheelnext.conformance.runners.protocol import DEFAULT_TIMEOUT, Job, Runner, Session, plan_steps
from wheelnext.conformance.runners.venv import VenvRunner

__all__ = [
    "DEFAULT_TIMEOUT",
    "Job",
    "Runner",
    "RunnerError",
    "Session",
    "make_runner",
    "plan_steps",
]


def make_runner(name: str, **options: Any) -> Runner:
    """The runner called *name*."""
    if name == "venv":
        return VenvRunner(**options)
    if name == "docker":
        if "remote" in options:
            raise RunnerError(
                "--index-target url: the docker runner's containers have no network, "
                "so they cannot reach a remote index (use --runner venv)"
            )
        runner: Runner = DockerRunner(**options)
        return runner
    raise RunnerError(f"--runner {name!r}: expected venv or docker")
