"""Shared helpers for the installer tests: build packages onto named indexes, serve them, and
make empty target environments."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from wheelnext.build.builder import build_dist
from wheelnext.build.spec import spec_from_mapping
from wheelnext.cli import cli
from wheelnext.index.server import IndexServer, serve_in_process

Packages = Mapping[str, Any]


def build_indexes(root: Path, packages: Packages) -> dict[str, Path]:
    """Build every package table onto the folder of its index."""
    roots: dict[str, Path] = {}
    for index, specs in packages.items():
        folder = root / "indexes" / index
        folder.mkdir(parents=True, exist_ok=True)
        roots[index] = folder
        for number, spec in enumerate(specs):
            build_dist(spec_from_mapping(spec, source=f"{index}[{number}]"), folder)
    return roots


@contextmanager
def served(root: Path, packages: Packages) -> Iterator[IndexServer]:
    with serve_in_process(build_indexes(root, packages)) as server:
        yield server


def make_env(root: Path) -> Path:
    """An empty virtual environment (no pip); returns its interpreter."""
    env = root / "env"
    if not env.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    return env / "bin" / "python"


def site_packages(python: Path) -> Path:
    found = sorted(python.parent.parent.glob("lib/python3*/site-packages"))
    return found[0]


def index_args(server: IndexServer, names: Sequence[str]) -> list[str]:
    args: list[str] = []
    for name in names:
        args += ["--index", f"{name}={server.index_url(name)}"]
    return args


def run(args: Sequence[str]) -> Result:
    return CliRunner().invoke(cli, list(args))


def install(root: Path, server: IndexServer, names: Sequence[str], *extra: str) -> Result:
    python = make_env(root)
    return run(["install", "--python", str(python), "--cache-dir", str(root / "cache"),
                *index_args(server, names), *extra])


def installed(python: Path) -> dict[str, str]:
    """name -> version of every distribution in the environment."""
    found = {}
    for dist_info in site_packages(python).glob("*.dist-info"):
        name, _, version = dist_info.name[: -len(".dist-info")].partition("-")
        found[name] = version
    return found


def asked(server: IndexServer, index: str) -> list[str]:
    """Project pages of *index* the installer asked for, in order."""
    return [record.path for record in server.requests
            if record.index == index and "/simple/" in record.path]


def harness_installer(name: str) -> str:
    """An ``--installer`` spec naming the test environment's own pip or uv by path (the
    offline form): a bare ``pip``/``uv`` would provision the newest from the registry."""
    if name.partition(":")[0] == "pip":
        return name.replace("pip", f"pip@{sys.executable}", 1)
    from wheelnext.conformance.adapters.uv import present_uv

    uv = present_uv()
    assert uv is not None, "the test environment has no uv"
    return name.replace("uv", f"uv@{uv}", 1)


#: The test environment's own pip and uv, named by path (no registry needed).
PIP = harness_installer("pip")
UV = harness_installer("uv")
