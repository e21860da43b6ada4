"""The adapter for wheelnext's own reference installer (``wheelnext install``).

It expresses every request key: the scenario's indexes in priority order (``--index
NAME=URL``, highest first: ``wheelnext install`` reads them in the order given), both PEP 766
strategies (``--index-strategy``), per-project pinning (``--index-for PROJECT=NAME``, an
extension), mirror groups (``--mirrors A,B``), PEP 766 deny lists (``--index-deny
INDEX=PROJECT,...``), the target system's supported variant
properties (written to a properties file and passed as ``--variant-properties-file``, which
replaces detection; an empty list means "no property supported"), a direct wheel path,
``--no-deps``, ``--only-binary`` and a lock file (``-r pylock.toml``). The installer runs
from this interpreter against the scenario's environment (``--python``) with a cache inside
the scenario's work folder.

Configurations: ``only-binary`` adds ``--only-binary``; ``no-variants`` adds ``--no-variants``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from wheelnext import __version__
from wheelnext.conformance.adapters.protocol import (
    InstallerSpec,
    InstallRequest,
    Invocation,
    Unsupported,
    check_capabilities,
    check_config,
    configured_name,
    tail_argv,
)

CAPABILITIES = frozenset(
    {
        "indexes",
        "index-strategy:index-priority",
        "index-strategy:version-priority",
        "pin",
        "mirrors",
        "deny",
        "variant-properties",
        "wheel",
        "no-deps",
        "lock",
        "only-binary",
    }
)
CONFIGS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "only-binary": ("--only-binary",),
    "no-variants": ("--no-variants",),
}


@dataclass(frozen=True)
class WheelnextInstaller:
    """``wheelnext install`` in one configuration."""

    config: str | None = None

    @property
    def name(self) -> str:
        return configured_name("wheelnext", self.config)

    @property
    def version(self) -> str:
        return __version__

    @classmethod
    def create(cls, spec: InstallerSpec) -> WheelnextInstaller:
        check_config(spec, "wheelnext", CONFIGS)
        return cls(config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        missing = check_capabilities(request, CAPABILITIES, "wheelnext install")
        if missing:
            return missing
        argv = [sys.executable, "-m", "wheelnext", "install", "--python", str(request.python)]
        argv += ["--cache-dir", str(request.work / "wheelnext-cache")]
        for entry in request.indexes:
            argv += ["--index", f"{entry.name}={entry.url}"]
        if request.index_strategy:
            argv += ["--index-strategy", request.index_strategy]
        for project, pinned in sorted(request.pin.items()):
            argv += ["--index-for", f"{project}={pinned}"]
        for group in request.mirrors:
            argv += ["--mirrors", ",".join(group)]
        for index, projects in sorted(request.deny.items()):
            argv += ["--index-deny", f"{index}={','.join(projects)}"]
        files = {}
        if request.variant_properties is not None:
            properties = request.work / "variant-properties.txt"
            # An empty properties file is refused as truncated; "{}" says "nothing supported".
            files[properties] = "".join(f"{prop}\n" for prop in request.variant_properties) \
                or "{}\n"
            argv += ["--variant-properties-file", str(properties)]
        argv += tail_argv(request, CONFIGS[self.config], ("--only-binary",))
        return Invocation(argv=tuple(argv), files=files)
