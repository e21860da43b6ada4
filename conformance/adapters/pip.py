"""The ``pip`` adapter (any pip with ``--python``, i.e. pip >= 22.3).

``--installer pip`` is the registry's newest pip, provisioned into the cache
(``pip==VERSION`` a given one); ``pip@/path/to/python`` certifies that
interpreter's pip, offline. The harness's own pip is never the one certified.

pip runs from its own tool environment against the scenario's fresh
environment (``pip --python ENV/bin/python install``), so the environment
needs no pip of its own.

Mapping: the first index is ``--index-url``, the others ``--extra-index-url``
in order; pip merges every index before choosing (PEP 766 calls this
"version priority"), so it expresses ``index-strategy = "version-priority"``
and answers unsupported for ``index-priority``, per-project pinning, mirror
groups and variant property overrides, for which it has no option.

A request for wheels only (``only-binary``) adds ``--only-binary :all:``.

Configurations: ``only-binary`` adds ``--only-binary :all:`` to every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from wheelnext.conformance.adapters._tools import installer_executable, run_version
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

#: pip has no variant support: it ignores labelled wheels (PEP 825's legacy behaviour).
CAPABILITIES = frozenset(
    {
        "indexes",
        "index-strategy:version-priority",
        "wheel",
        "no-deps",
        "only-binary",
        "variant-unaware",
    }
)
ONLY_BINARY = ("--only-binary", ":all:")
CONFIGS: dict[str | None, tuple[str, ...]] = {None: (), "only-binary": ONLY_BINARY}
#: ``-r pylock.toml`` ("pylock.toml support is experimental", ``pip install --help``), checked
#: with pip 26.2.1 and 26.3; pip 23.2.1 reads the file as a requirements file. Releases in
#: between are not checked, so they are treated as without it.
LOCK = frozenset({"lock"})
LOCK_SINCE = Version("26.2")


def _reads_lock(version: str) -> bool:
    try:
        return Version(version) >= LOCK_SINCE
    except InvalidVersion:
        return False


@dataclass(frozen=True)
class PipInstaller:
    """pip in one configuration."""

    python: Path
    version: str
    config: str | None = None

    @property
    def name(self) -> str:
        return configured_name("pip", self.config)

    @classmethod
    def create(cls, spec: InstallerSpec, *, cache: Path) -> PipInstaller:
        check_config(spec, "pip", CONFIGS)
        python = installer_executable(spec, cache, "python")
        version = run_version([str(python), "-m", "pip", "--version"])
        return cls(python=python, version=version, config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        supported = CAPABILITIES | LOCK if _reads_lock(self.version) else CAPABILITIES
        missing = check_capabilities(request, supported, "pip")
        if missing:
            return missing
        argv = [str(self.python), "-m", "pip", "--python", str(request.python), "install"]
        argv += ["--no-input", "--disable-pip-version-check", "--no-color"]
        if request.indexes:
            argv += ["--index-url", request.indexes[0].url]
            for index in request.indexes[1:]:
                argv += ["--extra-index-url", index.url]
        else:
            argv.append("--no-index")
        argv += tail_argv(request, CONFIGS[self.config], ONLY_BINARY)
        return Invocation(argv=tuple(argv))
