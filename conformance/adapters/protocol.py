"""What every adapter shares: the abstract install request, the invocation, the protocol.

The adapters (``adapters/pip.py``, ``uv.py``, ``wheelnext.py``, ``command.py``) import this
module; the package imports them to make one by name (:func:`make_installer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from wheelnext.conformance.scenario import Request, request_keys
from wheelnext.errors import WheelnextError


class AdapterError(WheelnextError):
    """An ``--installer`` argument names no adapter or configuration, or cannot be provisioned."""


@dataclass(frozen=True)
class IndexURL:
    """One index of the request, by scenario name and served URL."""

    name: str
    url: str


@dataclass(frozen=True)
class InstallRequest:
    """What the installer must do, in no installer's words."""

    requirements: tuple[str, ...]
    indexes: tuple[IndexURL, ...]
    python: Path
    prefix: Path
    work: Path
    index_strategy: str | None = None
    pin: Mapping[str, str] = field(default_factory=dict)
    mirrors: tuple[tuple[str, ...], ...] = ()
    variant_properties: tuple[str, ...] | None = None
    wheel: Path | None = None
    no_deps: bool = False
    #: Wheels only: the installer must not build source distributions.
    only_binary: bool = False
    #: PEP 825 legacy behaviour may be observed: an installer without variant
    #: support (capability ``variant-unaware``) runs the request without the properties.
    legacy: bool = False
    #: Arguments the user adds to every installer command (``--installer-arg``), last.
    extra_args: tuple[str, ...] = ()
    #: Index name -> projects to ignore on that index (PEP 766's denylist).
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: A ``pylock.toml`` to install (``-r``) instead of requirements.
    lock: Path | None = None
    #: The target interpreter's version (``3.11.7``), known before its environment exists
    #: (None: unknown; the project-file adapters then read the environment's ``pyvenv.cfg``).
    python_version: str | None = None

    def url(self, name: str) -> str:
        return next(i.url for i in self.indexes if i.name == name)

    @classmethod
    def from_scenario(
        cls,
        request: Request,
        *,
        indexes: tuple[IndexURL, ...],
        python: Path,
        prefix: Path,
        work: Path,
        wheel: Path | None,
        extra_args: tuple[str, ...] = (),
        lock: Path | None = None,
        python_version: str | None = None,
    ) -> InstallRequest:
        """A scenario's abstract request, placed in one environment (for every runner)."""
        return cls(
            requirements=request.requirements,
            indexes=indexes,
            python=python,
            prefix=prefix,
            work=work,
            index_strategy=request.index_strategy,
            pin=request.pin,
            mirrors=request.mirrors,
            variant_properties=request.variant_properties,
            wheel=wheel,
            no_deps=request.no_deps,
            only_binary=request.only_binary,
            legacy=request.legacy,
            extra_args=extra_args,
            deny=request.deny,
            lock=lock,
            python_version=python_version,
        )


@dataclass(frozen=True)
class Invocation:
    """A command to run, extra environment for it, and files to write before."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[Path, str] = field(default_factory=dict)
    #: Paths the tool reads that its command line does not name as whole arguments:
    #: shown to it under private mount namespaces (the command adapter's ``visible-paths``).
    visible: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Unsupported:
    """The installer has no way to express part of the request."""

    reason: str


@runtime_checkable
class Installer(Protocol):
    """An installer under test in one named configuration (one matrix column)."""

    @property
    def name(self) -> str:
        """The column name, e.g. ``uv:unsafe-best-match``."""

    @property
    def version(self) -> str:
        """The installer's own version string."""

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        """The command that performs *request*, or why it cannot be expressed."""


_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+?)(?:==(?P<version>[^:@]+)|@(?P<path>[^:]+))?(?::(?P<config>.+))?$"
)


@dataclass(frozen=True)
class InstallerSpec:
    """A parsed ``--installer NAME[==VERSION|@PATH][:CONFIG]`` argument (or a TOML path)."""

    name: str
    version: str | None = None
    path: Path | None = None
    config: str | None = None

    @classmethod
    def parse(cls, text: str) -> InstallerSpec:
        if text.endswith(".toml") or (":" in text and text.split(":")[0].endswith(".toml")):
            file, _, config = text.partition(".toml")
            return cls("command", path=Path(file + ".toml"), config=config.lstrip(":") or None)
        match = _SPEC.match(text)
        if not match:
            raise AdapterError(f"--installer {text!r}: expected NAME[==VERSION|@PATH][:CONFIG]")
        path = match.group("path")
        return cls(
            name=match.group("name"),
            version=match.group("version"),
            path=Path(path) if path else None,
            config=match.group("config"),
        )

    def __str__(self) -> str:
        text = self.name if self.name != "command" else str(self.path)
        if self.version:
            text += f"=={self.version}"
        elif self.path and self.name != "command":
            text += f"@{self.path}"
        return text + (f":{self.config}" if self.config else "")


def check_capabilities(
    request: InstallRequest, supported: frozenset[str], installer: str
) -> Unsupported | None:
    """The first request key the installer cannot express, as an :class:`Unsupported`.

    A ``legacy`` request's variant properties are needed only from an installer that
    cannot show PEP 825's legacy behaviour (no ``variant-unaware`` capability).
    """
    needed = set(request_keys(request))
    legacy = request.legacy and request.variant_properties is not None
    if legacy and "variant-unaware" not in supported:
        needed.add("variant-properties")
    missing = sorted(needed - supported)
    if missing:
        return Unsupported(f"{installer} cannot express request key {missing[0]!r}")
    return None


def check_config(spec: InstallerSpec, installer: str, known: Iterable[str | None]) -> None:
    """Refuse a configuration the adapter does not know, naming those it knows."""
    if spec.config not in known:
        raise AdapterError(
            f"--installer {spec}: {installer} has no configuration {spec.config!r} "
            f"(known: {', '.join(c for c in known if c)})"
        )


def configured_name(installer: str, config: str | None) -> str:
    """A matrix column's name: the installer, then ``:CONFIG`` when it has one."""
    return installer + (f":{config}" if config else "")


def tail_argv(
    request: InstallRequest, config_args: Sequence[str], only_binary: Sequence[str] = ()
) -> list[str]:
    """The arguments every adapter ends its command with, in this order.

    ``--no-deps``, *only_binary* when the request asks for wheels only, the configuration's
    own options, the user's ``--installer-arg`` values, the requirements, then the wheel
    given by path, or the lock file (``-r pylock.toml``: pip, uv and wheelnext read a file
    of that name as a lock).
    """
    argv = ["--no-deps"] if request.no_deps else []
    if request.only_binary:
        argv += only_binary
    argv += [*config_args, *request.extra_args, *request.requirements]
    if request.wheel is not None:
        argv.append(str(request.wheel))
    if request.lock is not None:
        argv += ["-r", str(request.lock)]
    return argv
