"""The adapter for wheelnext's own reference installer.

Until ``wheelnext.install`` provides an installer entry point, every request
is answered unsupported, so the column is present and honest.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from wheelnext import __version__
from wheelnext.conformance.adapters import (
    InstallerSpec,
    InstallRequest,
    Invocation,
    Unsupported,
    check_capabilities,
)

CAPABILITIES = frozenset(
    {
        "indexes",
        "index-strategy:index-priority",
        "index-strategy:version-priority",
        "pin",
        "mirrors",
        "variant-properties",
        "wheel",
        "no-deps",
    }
)


def _available() -> bool:
    try:
        return importlib.util.find_spec("wheelnext.install.cli") is not None
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class WheelnextInstaller:
    """``wheelnext install`` in one configuration."""

    config: str | None = None

    @property
    def name(self) -> str:
        return "wheelnext" + (f":{self.config}" if self.config else "")

    @property
    def version(self) -> str:
        return __version__

    @classmethod
    def create(cls, spec: InstallerSpec) -> WheelnextInstaller:
        return cls(config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        if not _available():
            return Unsupported("the wheelnext reference installer is not written yet")
        missing = check_capabilities(request, CAPABILITIES, "wheelnext install")
        if missing:
            return missing
        argv = [sys.executable, "-m", "wheelnext", "install", "--python", str(request.python)]
        for entry in request.indexes:
            argv += ["--index", f"{entry.name}={entry.url}"]
        if request.index_strategy:
            argv += ["--index-strategy", request.index_strategy]
        for project, pinned in sorted(request.pin.items()):
            argv += ["--pin", f"{project}={pinned}"]
        for group in request.mirrors:
            argv += ["--mirrors", ",".join(group)]
        for prop in request.variant_properties or ():
            argv += ["--variant-property", prop]
        if request.no_deps:
            argv.append("--no-deps")
        argv += list(request.requirements)
        if request.wheel is not None:
            argv.append(str(request.wheel))
        return Invocation(argv=tuple(argv))
