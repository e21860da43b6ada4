"""The ``command`` adapter: any installer described by a small TOML file.

A PEP author runs the suite against a patched installer without writing
Python. The file declares the capabilities honestly and gives command
templates; a request key outside the capabilities is unsupported.

.. code-block:: toml

   name = "mytool"
   version = "1.2"                     # or version-command = ["mytool", "--version"]
   capabilities = ["indexes", "index-strategy:index-priority", "wheel", "no-deps"]
   argv = ["mytool", "install", "--python", "{python}", "{indexes}", "{strategy}",
           "{no-deps}", "{only-binary}", "{variant-properties}", "{pins}", "{config}",
           "{requirements}", "{wheel}"]
   index = ["--index", "{url}"]        # repeated per index, highest priority first
   strategy = { index-priority = ["--first-index"] }
   no-deps = ["--no-deps"]
   only-binary = ["--only-binary"]
   variant-property = ["--property", "{property}"]
   pin = ["--pin", "{project}={url}"]
   env = { MYTOOL_CACHE = "{work}/cache" }

   [configs.fast]                      # --installer mytool.toml:fast
   args = ["--fast"]

   [image]                             # how the docker runner bakes the tool into an image
   pip = ["mytool==1.2"]               # downloaded on this machine, installed in /opt/installer
   commands = ["mytool --version"]     # then run in the image build (with the network)

An ``argv`` element that is exactly one of the list placeholders
(``{indexes}``, ``{requirements}``, ``{wheel}``, ``{lock}`` (the ``pylock.toml`` path
of a request that installs from a lock: capability ``lock``), ``{strategy}``,
``{no-deps}``, ``{only-binary}``, ``{variant-properties}``, ``{pins}``, ``{config}``) expands to
zero or more arguments; ``{python}``, ``{prefix}``, ``{work}`` and
``{harness-python}`` are replaced inside any string.

Containers have no network when a job runs, so the docker runner can only run a
tool that is already in its installer image: the ``[image]`` table is that
image's recipe (:class:`ImageRecipe`). Its ``pip`` requirements are
downloaded here (as wheels, for the image's Python) and installed into the
virtual environment ``/opt/installer``, whose ``bin`` comes first on ``PATH``
in the container; its ``commands`` run afterwards in a build container that
has the engine's default network, then never again.
"""

from __future__ import annotations

import os
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wheelnext.conformance.adapters.protocol import (
    AdapterError,
    InstallRequest,
    Invocation,
    Unsupported,
    check_capabilities,
)
from wheelnext.conformance.containment import Contained, namespace_mode

KEYS = (
    "name",
    "version",
    "version-command",
    "capabilities",
    "argv",
    "index",
    "strategy",
    "no-deps",
    "only-binary",
    "variant-property",
    "pin",
    "env",
    "configs",
    "image",
)
IMAGE_KEYS = ("pip", "commands")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdapterError(f"{where} must be a list of strings")
    return tuple(value)


#: Seconds a ``version-command`` may take.
VERSION_TIMEOUT = 60.0
#: Bytes of its output read: the version is on the first line.
VERSION_OUTPUT = 1 << 16


def version_of(argv: Sequence[str], where: str) -> str:
    """The first line a ``version-command`` prints (``unknown`` if none).

    It runs contained as an installer run is (:mod:`~wheelnext.conformance.containment`):
    its output goes to a file, not a pipe, so a daemon it starts cannot hold
    the harness; it is stopped after :data:`VERSION_TIMEOUT` seconds, and what
    it left running is killed. Its standard error shares the file.
    """
    with tempfile.TemporaryFile() as output:
        try:
            run = Contained(
                argv,
                mode=namespace_mode(),
                env=dict(os.environ),
                cwd=os.getcwd(),
                output=output.fileno(),
            )
        except OSError as exc:
            raise AdapterError(f"{where}: cannot start {argv[0]}: {exc.strerror}") from None
        ended = run.wait(VERSION_TIMEOUT)
        if ended.timed_out:
            raise AdapterError(f"{where}: no answer within {VERSION_TIMEOUT:g} s")
        output.seek(0)
        text = output.read(VERSION_OUTPUT).decode("utf-8", errors="replace")
    if ended.exit_code != 0:
        first = text.strip().splitlines()[:1]
        raise AdapterError(
            f"{where}: exit status {ended.exit_code}" + (f": {first[0]}" if first else "")
        )
    return (text.strip().splitlines() or ["unknown"])[0].strip()


@dataclass(frozen=True)
class ImageRecipe:
    """The ``[image]`` table: how the tool gets into the docker runner's installer image."""

    pip: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Any, where: str) -> ImageRecipe:
        if not isinstance(value, dict):
            raise AdapterError(f"{where} must be a table")
        unknown = sorted(set(value) - set(IMAGE_KEYS))
        if unknown:
            raise AdapterError(f"{where}: unknown key {unknown[0]!r}")
        recipe = cls(
            pip=_strings(value.get("pip", []), f"{where}.pip"),
            commands=_strings(value.get("commands", []), f"{where}.commands"),
        )
        if not recipe.pip and not recipe.commands:
            raise AdapterError(f"{where} needs pip or commands")
        return recipe


@dataclass(frozen=True)
class CommandInstaller:
    """An installer run through command templates from a TOML adapter file."""

    tool: str
    version: str
    argv: tuple[str, ...]
    capabilities: frozenset[str]
    index: tuple[str, ...] = ()
    strategy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    no_deps: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    variant_property: tuple[str, ...] = ()
    pin: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    config: str | None = None
    config_args: tuple[str, ...] = ()
    image: ImageRecipe | None = None

    @property
    def name(self) -> str:
        return self.tool + (f":{self.config}" if self.config else "")

    @classmethod
    def from_file(cls, path: Path, *, config: str | None = None) -> CommandInstaller:
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise AdapterError(f"{path}: invalid TOML: {exc}") from None
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise AdapterError(f"{path}: unknown key {unknown[0]!r}")
        for key in ("name", "argv", "capabilities"):
            if key not in data:
                raise AdapterError(f"{path}: missing key {key!r}")
        configs = data.get("configs", {})
        if config is not None and config not in configs:
            raise AdapterError(f"{path}: no configuration {config!r} in [configs]")
        if "version" in data:
            version = str(data["version"])
        elif "version-command" in data:
            argv = _strings(data["version-command"], f"{path}: version-command")
            version = version_of(argv, f"{path}: version-command")
        else:
            version = "unknown"
        strategy = {
            k: _strings(v, f"{path}: strategy.{k}") for k, v in data.get("strategy", {}).items()
        }
        return cls(
            tool=str(data["name"]),
            version=version,
            argv=_strings(data["argv"], f"{path}: argv"),
            capabilities=frozenset(_strings(data["capabilities"], f"{path}: capabilities")),
            index=_strings(data.get("index", []), f"{path}: index"),
            strategy=strategy,
            no_deps=_strings(data.get("no-deps", []), f"{path}: no-deps"),
            only_binary=_strings(data.get("only-binary", []), f"{path}: only-binary"),
            variant_property=_strings(
                data.get("variant-property", []), f"{path}: variant-property"
            ),
            pin=_strings(data.get("pin", []), f"{path}: pin"),
            env={str(k): str(v) for k, v in data.get("env", {}).items()},
            config=config,
            config_args=_strings(
                configs.get(config, {}).get("args", []) if config else [], f"{path}: configs.args"
            ),
            image=ImageRecipe.parse(data["image"], f"{path}: image") if "image" in data else None,
        )

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        missing = check_capabilities(request, self.capabilities, self.tool)
        if missing:
            return missing
        if request.index_strategy and request.index_strategy not in self.strategy:
            return Unsupported(f"{self.tool} gives no arguments for {request.index_strategy}")
        scalars = {
            "{python}": str(request.python),
            "{prefix}": str(request.prefix),
            "{work}": str(request.work),
            "{harness-python}": sys.executable,
        }

        def fill(items: Sequence[str], extra: Mapping[str, str] = {}) -> list[str]:
            out = []
            for item in items:
                for key, value in {**scalars, **extra}.items():
                    item = item.replace(key, value)
                out.append(item)
            return out

        lists: dict[str, list[str]] = {
            "{indexes}": [
                a
                for i in request.indexes
                for a in fill(self.index, {"{url}": i.url, "{name}": i.name})
            ],
            "{requirements}": list(request.requirements),
            "{wheel}": [str(request.wheel)] if request.wheel else [],
            "{lock}": [str(request.lock)] if request.lock else [],
            "{strategy}": list(self.strategy.get(request.index_strategy or "", ())),
            "{no-deps}": fill(self.no_deps) if request.no_deps else [],
            "{only-binary}": fill(self.only_binary) if request.only_binary else [],
            "{variant-properties}": [
                a
                for p in request.variant_properties or ()
                for a in fill(self.variant_property, {"{property}": p})
            ],
            "{pins}": [
                a
                for project, index in sorted(request.pin.items())
                for a in fill(
                    self.pin, {"{project}": project, "{url}": request.url(index), "{name}": index}
                )
            ],
            "{config}": [*fill(self.config_args), *request.extra_args],
        }
        argv: list[str] = []
        for item in self.argv:
            if item in lists:
                argv += lists[item]
            else:
                argv += fill([item])
        env = {k: fill([v])[0] for k, v in self.env.items()}
        return Invocation(argv=tuple(argv), env=env)
