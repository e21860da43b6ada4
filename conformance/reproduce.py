"""The command that reproduces one result alone: ``wheelnext conformance run --select ID ...``.

Every report prints it beside each failure, so that a tool's author can rerun
that one scenario, for that one installer configuration, Python and runner,
under a debugger (or serve its indexes with ``conformance serve``).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from wheelnext.conformance.record import DEFAULT_PERSONALITY, INDEX_RUNNER, Record

#: Installers whose version can be asked for by ``NAME==VERSION`` (provisioned into the cache).
PROVISIONED = ("pip", "uv")


def needs_reproducing(r: Record) -> bool:
    """A failure: an unexpected fail, an error, or an unexpected pass."""
    if r.annotation == "unexpected pass":
        return True
    return r.status in ("fail", "error") and r.annotation != "expected failure"


def installer_argument(r: Record) -> str:
    """``NAME==VERSION[:CONFIG]`` for pip and uv; the configuration's name otherwise."""
    name, colon, config = r.installer.partition(":")
    if name in PROVISIONED and r.installer_version and r.installer_version != "?":
        return f"{name}=={r.installer_version}{colon}{config}"
    return r.installer


def command(r: Record, scenario_dirs: Sequence[str] = ()) -> str:
    """The shell command that runs *r*'s scenario alone in *r*'s configuration.

    *scenario_dirs*: the run's ``--scenarios`` folders (none: the shipped set).
    """
    argv = ["wheelnext", "conformance", "run"]
    for folder in scenario_dirs:
        argv += ["--scenarios", folder]
    if r.runner == INDEX_RUNNER:
        # An index run: the column is the index target, and no installer runs.
        return shlex.join([*argv, "--select", r.scenario, "--audience", "index",
                           "--index-target", r.installer])
    argv += ["--select", r.scenario, "--installer", installer_argument(r)]
    if r.python:
        # --python takes what finds an interpreter (``3.11``), not the patch level it reported.
        argv += ["--python", ".".join(r.python.split(".")[:2])]
    if r.index_personality != DEFAULT_PERSONALITY:
        argv += ["--index-personality", r.index_personality]
    runner, _, target = r.runner.partition("+")
    if runner and runner != "venv":
        argv += ["--runner", runner]
    if target:
        argv += ["--index-target", target]
    return shlex.join(argv)
