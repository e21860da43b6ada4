"""Provisioning the installer under test: one tool environment per installer version.

A named version is installed once from the registry into a cache folder
(``uv`` from the harness's own environment does it, pip as a fallback); later
runs reuse it and need no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable, Sequence
from pathlib import Path

from wheelnext.conformance.adapters.protocol import AdapterError, InstallerSpec


def tool_env(cache: Path, package: str, version: str, *, pins: Sequence[str] = ()) -> Path:
    """The prefix of a cached environment holding ``package==version`` (and *pins*, the
    versions of its dependencies it needs, when its own bounds admit ones it breaks with)."""
    target = cache / "tools" / f"{package}-{version}"
    if (target / ".complete").exists():
        return target
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(staging)
    python = staging / "bin" / "python"
    requirement = f"{package}=={version}"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        argv = [uv, "pip", "install", "--quiet", "--python", str(python), requirement, *pins]
    else:
        argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
        argv += [requirement, *pins]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AdapterError(f"cannot install {requirement} for testing: {last}")
    (staging / ".complete").touch()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(target)
    except OSError:  # another process provisioned it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def run_version(argv: list[str]) -> str:
    """The last word of ``argv``'s first output line (``pip 23.2.1 from ...`` -> 23.2.1)."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AdapterError(f"{' '.join(argv)} failed: {done.stderr.strip()[:200]}")
    return done.stdout.split()[1] if len(done.stdout.split()) > 1 else done.stdout.strip()


def installer_executable(
    spec: InstallerSpec, cache: Path, program: str, default: Callable[[], Path]
) -> Path:
    """The program an ``--installer`` spec names: its ``@PATH``, ``bin/PROGRAM`` of the
    cached tool environment of ``==VERSION``, or *default* when it names neither."""
    if spec.path is not None:
        return spec.path
    if spec.version:
        return tool_env(cache, spec.name, spec.version) / "bin" / program
    return default()


def tool_version(argv: list[str]) -> str:
    """The last word of ``argv``'s first output line, without brackets
    (``PDM, version 2.29.4`` and ``Poetry (version 2.5.1)`` -> the version)."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    words = (done.stdout.strip().splitlines() or [""])[0].split()
    if done.returncode != 0 or not words:
        raise AdapterError(f"{' '.join(argv)} failed: {done.stderr.strip()[:200]}")
    return words[-1].strip("()")
