"""The ``uv`` adapter (``uv pip install``, any uv version).

uv ranks ``--extra-index-url`` *above* ``--index-url`` (and earlier
``--extra-index-url`` above later ones), the reverse of how pip users read
them. To express the scenario's order, highest first, the last index becomes
``--index-url`` and the others ``--extra-index-url`` in order.

``index-strategy``: PEP 766 "index priority" is uv's ``first-index`` and
"version priority" is ``unsafe-best-match``. A configuration named after an
``--index-strategy`` value fixes the strategy for the whole column; a scenario
that asks for a different one is unsupported there. ``unsafe-first-match``
is neither of PEP 766's two terms.

A request for wheels only is ``--only-binary :all:``.

Per-project pinning (an extension) is written as a ``pyproject.toml`` with an
``explicit`` index and ``[tool.uv.sources]``, installed with ``-r``.

Configurations: ``first-index``, ``unsafe-first-match``, ``unsafe-best-match``,
and ``variants`` (``--preview-features wheel-variants``, only offered when the
uv version accepts it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wheelnext.conformance.adapters._tools import installer_executable, run_version
from wheelnext.conformance.adapters.protocol import (
    AdapterError,
    InstallerSpec,
    InstallRequest,
    Invocation,
    Unsupported,
    check_capabilities,
    check_config,
    configured_name,
)

STRATEGIES = {"index-priority": "first-index", "version-priority": "unsafe-best-match"}
FIXED = ("first-index", "unsafe-first-match", "unsafe-best-match")
CONFIGS = (None, "variants", *FIXED)
#: Without the wheel-variants preview uv has no variant support (PEP 825 legacy behaviour).
UNAWARE = frozenset({"variant-unaware"})
CAPABILITIES = frozenset(
    {
        "indexes",
        "index-strategy:index-priority",
        "index-strategy:version-priority",
        "wheel",
        "no-deps",
        "only-binary",
        "pin",
        # ``uv pip install -r pylock.toml``: uv reads a file of that name as a PEP 751 lock.
        "lock",
    }
)


def present_uv() -> Path | None:
    """The uv the harness finds without installing one: the ``uv`` package's, or ``PATH``'s."""
    try:
        import uv

        return Path(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        return Path(found) if found else None


def accepts_variants(uv: Path) -> bool:
    """Whether this uv knows the ``wheel-variants`` preview feature.

    ``--help`` accepts anything, so run a harmless command and look for uv's
    "Unknown preview feature" warning (or an error from a uv without the option).
    """
    done = subprocess.run(
        [str(uv), "--preview-features", "wheel-variants", "pip", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    return "--preview-features" not in output and "Unknown preview feature" not in output


def pinned_pyproject(request: InstallRequest) -> str:
    """Per-project pinning in uv's words: an explicit index per pinned name, and sources.

    ``uv pip install -r pyproject.toml`` installs the project's dependencies (not
    the project) and honours ``[tool.uv.sources]``; an ``explicit`` index is used
    only by the projects pinned to it, the other indexes stay on the command line.
    """
    lines = ["[project]", 'name = "wheelnext-pinned-request"', 'version = "0"', "dependencies = ["]
    lines += [f"    {json.dumps(r)}," for r in request.requirements]
    lines.append("]")
    for name in sorted(set(request.pin.values())):
        lines += ["", "[[tool.uv.index]]", f"name = {json.dumps(name)}"]
        lines += [f"url = {json.dumps(request.url(name))}", "explicit = true"]
    lines += ["", "[tool.uv.sources]"]
    lines += [
        f"{json.dumps(p)} = {{ index = {json.dumps(i)} }}" for p, i in sorted(request.pin.items())
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class UvInstaller:
    """uv in one configuration."""

    binary: Path
    version: str
    config: str | None = None

    @property
    def name(self) -> str:
        return configured_name("uv", self.config)

    @classmethod
    def create(cls, spec: InstallerSpec, *, cache: Path) -> UvInstaller:
        check_config(spec, "uv", CONFIGS)
        binary = installer_executable(spec, cache, "uv")
        version = run_version([str(binary), "--version"])
        if spec.config == "variants" and not accepts_variants(binary):
            raise AdapterError(f"--installer {spec}: uv {version} has no wheel-variants preview")
        return cls(binary=binary, version=version, config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        supported = CAPABILITIES if self.config == "variants" else CAPABILITIES | UNAWARE
        missing = check_capabilities(request, supported, "uv pip install")
        if missing:
            return missing
        argv = [str(self.binary), "pip", "install", "--python", str(request.python)]
        argv += ["--no-progress", "--color", "never"]
        if self.config == "variants":
            argv += ["--preview-features", "wheel-variants"]
        if request.indexes:
            *higher, lowest = request.indexes
            argv += ["--index-url", lowest.url]
            for index in higher:
                argv += ["--extra-index-url", index.url]
        else:
            argv.append("--no-index")
        strategy = request.index_strategy and STRATEGIES[request.index_strategy]
        if self.config in FIXED:
            if strategy and strategy != self.config:
                return Unsupported(
                    f"this column fixes --index-strategy {self.config}; "
                    f"the scenario asks for {request.index_strategy}"
                )
            strategy = self.config
        if strategy:
            argv += ["--index-strategy", strategy]
        if request.no_deps:
            argv.append("--no-deps")
        if request.only_binary:
            argv += ["--only-binary", ":all:"]
        argv += list(request.extra_args)
        files = {}
        if request.pin:
            pyproject = request.work / "pinned-request" / "pyproject.toml"
            files[pyproject] = pinned_pyproject(request)
            argv += ["-r", str(pyproject)]
        else:
            argv += list(request.requirements)
        if request.wheel is not None:
            argv.append(str(request.wheel))
        if request.lock is not None:
            argv += ["-r", str(request.lock)]
        return Invocation(argv=tuple(argv), files=files)
