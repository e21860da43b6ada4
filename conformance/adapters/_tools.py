"""Provisioning the installer under test: one tool environment per installer version.

An installer is installed from the registry into a folder of the harness's
cache (``tools/NAME-VERSION``), never into the harness's own environment: the
harness's packages (pypiserver, twine...) and the installer under test must
not move each other. ``uv`` from the harness's environment does the install
(pip as a fallback), into a fresh environment of its own; later runs reuse it
and need no network. Without a version the newest release is installed and
the environment is named after the version that came (:func:`provision`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wheelnext.conformance.adapters.protocol import AdapterError, InstallerSpec

#: Installers that ``--installer NAME`` provisions, newest release, into the cache (the one
#: certified is never the harness's own), each with its offline form: one installed copy.
OFFLINE: dict[str, str] = {
    "pip": "--installer pip@/path/to/python",
    "uv": "--installer uv@/path/to/uv",
}

#: Seconds one provisioning install may take (a first download of uv is tens of MB).
INSTALL_TIMEOUT = 600.0


def _distributions(prefix: Path) -> list[tuple[str, str]]:
    """(name, version) of every distribution in the environment at *prefix*."""
    found = []
    for info in sorted(prefix.glob("lib/python*/site-packages/*.dist-info")):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        found.append((name, version))
    return found


def _installed_version(prefix: Path, package: str) -> str:
    """The version of *package* in the environment at *prefix*, from its ``.dist-info``."""
    wanted = re.sub(r"[-_.]+", "_", package).lower()
    for name, version in _distributions(prefix):
        if re.sub(r"[-_.]+", "_", name).lower() == wanted:
            return version
    raise AdapterError(f"cannot install {package} for testing: no {package} in {prefix}")


def _install(python: Path, requirement: str, pins: Sequence[str] = ()) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        argv = [uv, "pip", "install", "--quiet", "--python", str(python), requirement, *pins]
    else:
        argv = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
        argv += [requirement, *pins]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=INSTALL_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise AdapterError(
            f"cannot install {requirement} for testing: no end within {INSTALL_TIMEOUT:g} s"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AdapterError(f"cannot install {requirement} for testing: {last}")


def provision(
    name: str, version: str | None, *, cache: Path, pins: Sequence[str] = ()
) -> Path:
    """The prefix of a cached environment of its own holding *name* (``==version``, or the
    newest release when *version* is None: then the folder is named after what came), and
    *pins*: versions of its dependencies it needs, when its own bounds admit ones it breaks
    with.

    The environment is made next to its final place and renamed when complete, so an
    interrupted install leaves nothing that a later run would take for a tool.
    """
    tools = cache / "tools"
    if version is not None:
        target = tools / f"{name}-{version}"
        if (target / ".complete").exists():
            return target
    staging = tools / f"{name}-{version or 'newest'}.tmp{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    tools.mkdir(parents=True, exist_ok=True)
    venv.EnvBuilder(with_pip=False, symlinks=True).create(staging)
    try:
        _install(staging / "bin" / "python", f"{name}=={version}" if version else name, pins)
        found = _installed_version(staging, name)
    except AdapterError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    target = tools / f"{name}-{found}"
    if (target / ".complete").exists():  # the newest is already cached
        shutil.rmtree(staging, ignore_errors=True)
        return target
    _rehome_scripts(staging, target)
    (staging / ".complete").touch()
    try:
        staging.rename(target)
    except OSError:  # another process provisioned it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _rehome_scripts(staging: Path, target: Path) -> None:
    """Point the console scripts' ``#!`` lines at the environment's final place: they were
    written with the staging folder's path, which is gone once it is renamed."""
    old, new = f"#!{staging}/".encode(), f"#!{target}/".encode()
    for script in (staging / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        with script.open("rb") as handle:
            head = handle.read(len(old))
        if head == old:
            data = script.read_bytes()
            script.write_bytes(new + data[len(old):])


def newest(name: str, *, cache: Path) -> tuple[str, Path]:
    """The newest release of *name*, provisioned: its version and its environment.

    Without the registry this is one line naming the offline form, never the
    harness's own copy in its place.
    """
    try:
        env = provision(name, None, cache=cache)
    except AdapterError as error:
        raise AdapterError(
            f"--installer {name}: cannot install the newest {name} from the registry "
            f"({error}); to certify an installed {name} offline, name it: {OFFLINE[name]}"
        ) from None
    return env.name[len(name) + 1 :], env


def tool_env(cache: Path, package: str, version: str, *, pins: Sequence[str] = ()) -> Path:
    """The prefix of a cached environment holding ``package==version`` (and *pins*)."""
    return provision(package, version, cache=cache, pins=pins)


def run_version(argv: list[str]) -> str:
    """The last word of ``argv``'s first output line (``pip 23.2.1 from ...`` -> 23.2.1)."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AdapterError(f"{' '.join(argv)} failed: {done.stderr.strip()[:200]}")
    return done.stdout.split()[1] if len(done.stdout.split()) > 1 else done.stdout.strip()


def installer_executable(spec: InstallerSpec, cache: Path, program: str) -> Path:
    """The program an ``--installer`` spec names: its ``@PATH``, or ``bin/PROGRAM`` of the
    cached tool environment of ``==VERSION`` (of the newest release when it names neither)."""
    if spec.path is not None:
        return spec.path
    if spec.version:
        return provision(spec.name, spec.version, cache=cache) / "bin" / program
    return newest(spec.name, cache=cache)[1] / "bin" / program


def tool_version(argv: list[str]) -> str:
    """The last word of ``argv``'s first output line, without brackets
    (``PDM, version 2.29.4`` and ``Poetry (version 2.5.1)`` -> the version)."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    words = (done.stdout.strip().splitlines() or [""])[0].split()
    if done.returncode != 0 or not words:
        raise AdapterError(f"{' '.join(argv)} failed: {done.stderr.strip()[:200]}")
    return words[-1].strip("()")


@dataclass(frozen=True)
class ToolImage:
    """What a tool run as ``python -m MODULE`` needs in the docker runner's installer image:
    *requirements* installed into the image's ``/opt/installer`` (from wheels downloaded
    here: containers have no network), and the module that starts it there."""

    requirements: tuple[str, ...]
    module: str


def tool_image(
    command: Sequence[str], package: str, version: str, pins: Sequence[str] = ()
) -> ToolImage:
    """The image a tool started by *command* needs: when *command* is ``ENV/bin/python -m
    PACKAGE`` of a provisioned tool environment, every distribution in it at the version
    there (the venv runner's tool, pin by pin); otherwise ``PACKAGE==VERSION`` and *pins*."""
    env = Path(command[0]).parent.parent
    if len(command) == 3 and command[1:] == ("-m", package) and (env / ".complete").exists():
        requirements = tuple(f"{name}=={found}" for name, found in _distributions(env))
    else:
        requirements = (f"{package}=={version}", *pins)
    return ToolImage(requirements, package)
