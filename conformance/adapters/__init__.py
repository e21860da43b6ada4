"""Installer adapters: abstract install requests in, an installer's command line out.

An adapter never knows which scenario it runs (docs/design.rst, "Data flow"). It
turns an :class:`InstallRequest` into an :class:`Invocation` (argv, extra
environment, configuration files) or answers :class:`Unsupported` with the
reason, for a request key the installer has no way to express.
"""

from __future__ import annotations

from pathlib import Path

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
    "make_installer",
]


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
    raise AdapterError(
        f"--installer {spec}: unknown installer {spec.name!r} "
        "(pip, uv, pdm, poetry, wheelnext, or a command adapter file ending in .toml)"
    )
