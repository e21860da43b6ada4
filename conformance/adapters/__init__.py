"""Installer adapters: abstract install requests in, an installer's command line out.

An adapter never knows which scenario it runs (docs/design.rst, "Data flow"). It
turns an :class:`InstallRequest` into an :class:`Invocation` (argv, extra
environment, configuration files) or answers :class:`Unsupported` with the
reason, for a request key the installer has no way to express.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from wheelnext.conformance.adapters import pdm, pip, poetry, uv
from wheelnext.conformance.adapters import wheelnext as reference
from wheelnext.conformance.adapters._tools import OFFLINE
from wheelnext.conformance.adapters._tools import newest as provision_newest
from wheelnext.conformance.adapters.command import CommandInstaller
from wheelnext.conformance.adapters.pdm import PdmInstaller
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.poetry import PoetryInstaller
from wheelnext.conformance.adapters.protocol import (
    AdapterError,
    IndexURL,
    Installer,
    InstallerSpec,
    InstallRequest,
    Invocation,
    Unsupported,
    check_capabilities,
    check_config,
)
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller

__all__ = [
    "AdapterError",
    "IndexURL",
    "InstallRequest",
    "Installer",
    "InstallerSpec",
    "Invocation",
    "Unsupported",
    "check_capabilities",
    "check_specs",
    "make_installer",
    "make_installers",
    "provision_newest",
    "resolve_specs",
]

#: Each installer's configurations (None: its default), by the name ``--installer`` gives.
CONFIGS: dict[str, Iterable[str | None]] = {
    "pip": pip.CONFIGS,
    "uv": uv.CONFIGS,
    "pdm": pdm.CONFIGS,
    "poetry": poetry.CONFIGS,
    "wheelnext": reference.CONFIGS,
}


def check_specs(texts: Iterable[InstallerSpec | str]) -> list[InstallerSpec]:
    """The ``--installer`` arguments parsed, each naming a known installer and configuration
    (a command adapter's file read and checked), before any installer is provisioned."""
    specs = [InstallerSpec.parse(t) if isinstance(t, str) else t for t in texts]
    for spec in specs:
        if spec.name == "command":
            assert spec.path is not None
            CommandInstaller.from_file(spec.path, config=spec.config)
        elif spec.name in CONFIGS:
            check_config(spec, spec.name, CONFIGS[spec.name])
        else:
            raise AdapterError(unknown(spec))
    return specs


def unknown(spec: InstallerSpec) -> str:
    return (
        f"--installer {spec}: unknown installer {spec.name!r} "
        "(pip, uv, pdm, poetry, wheelnext, or a command adapter file ending in .toml)"
    )


def resolve_specs(texts: Iterable[InstallerSpec | str]) -> list[InstallerSpec]:
    """The run's ``--installer`` specs, a version (or path) given once applied to every
    configuration of that installer: ``uv==0.13.9`` and ``uv:first-index`` run one uv.

    An installer named with two different versions leaves its unversioned
    configurations as they are (the present or newest one: a third version).
    """
    specs = [InstallerSpec.parse(t) if isinstance(t, str) else t for t in texts]
    chosen: dict[str, set[tuple[str | None, Path | None]]] = {}
    for spec in specs:
        if spec.name != "command" and (spec.version or spec.path):
            chosen.setdefault(spec.name, set()).add((spec.version, spec.path))
    resolved = []
    for spec in specs:
        given = chosen.get(spec.name, set())
        if not (spec.version or spec.path) and len(given) == 1:
            version, path = next(iter(given))
            spec = dataclasses.replace(spec, version=version, path=path)
        resolved.append(spec)
    return resolved


def make_installers(
    texts: Iterable[InstallerSpec | str],
    *,
    cache: Path,
    notify: Callable[[str], None] = lambda line: None,
) -> tuple[list[Installer], list[InstallerSpec]]:
    """The run's adapters and the specs they were made from, versions resolved.

    An installer of :data:`~wheelnext.conformance.adapters._tools.OFFLINE` named without a
    version or path is the registry's newest release, installed into the cache once for
    the run (even when the harness's environment has one: that one is never certified);
    *notify* gets one line saying which (``pip==26.3``), and the resolved spec names it.
    """
    specs = resolve_specs(texts)
    newest: dict[str, str] = {}
    for i, spec in enumerate(specs):
        if spec.name not in OFFLINE or spec.version or spec.path:
            continue
        if spec.name not in newest:
            newest[spec.name], env = provision_newest(spec.name, cache=cache)
            notify(
                f"--installer {spec}: the newest {spec.name} is "
                f"{spec.name}=={newest[spec.name]} (in {env})"
            )
        specs[i] = dataclasses.replace(spec, version=newest[spec.name])
    return [make_installer(spec, cache=cache) for spec in specs], specs


def make_installer(spec: InstallerSpec | str, *, cache: Path) -> Installer:
    """The adapter for *spec*, its installer provisioned under *cache* when a version is named."""
    if isinstance(spec, str):
        spec = InstallerSpec.parse(spec)
    if spec.name == "pip":
        return PipInstaller.create(spec, cache=cache)
    if spec.name == "uv":
        return UvInstaller.create(spec, cache=cache)
    if spec.name == "pdm":
        return PdmInstaller.create(spec, cache=cache)
    if spec.name == "poetry":
        return PoetryInstaller.create(spec, cache=cache)
    if spec.name == "wheelnext":
        return WheelnextInstaller.create(spec)
    if spec.name == "command":
        assert spec.path is not None
        return CommandInstaller.from_file(spec.path, config=spec.config)
    raise AdapterError(unknown(spec))
