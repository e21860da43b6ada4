"""The ``command`` adapter: any installer described by a small TOML file.

A PEP author runs the suite against a patched installer without writing
Python. The file declares the capabilities honestly and gives command
templates; a request key outside the capabilities is unsupported.

.. code-block:: toml

   name = "mytool"
   version = "1.2"                     # or version-command = ["mytool", "--version"]
   capabilities = ["indexes", "index-strategy:index-priority", "wheel", "no-deps"]
   argv = ["mytool", "install", "--python", "{python}", "{indexes}", "{strategy}",
           "{no-deps}", "{only-binary}", "{variant-properties}", "{pins}", "{deny}",
           "{config}", "{requirements}", "{wheel}"]
   index = ["--extra-index", "{url}"]  # repeated per index, highest priority first
   first-index = ["--index", "{url}"]  # the first (highest) index, if it takes another flag
   strategy = { index-priority = ["--first-index"] }
   no-deps = ["--no-deps"]
   only-binary = ["--only-binary"]
   variant-property = ["--property", "{property}"]
   pin = ["--pin", "{project}={url}"]
   deny = ["--deny", "{name}:{project}"]  # repeated per denied project of each index
   env = { MYTOOL_CACHE = "{work}/cache" }
   visible-paths = ["/tmp/mytool-plugins"]  # shown to the tool under private mounts

   [configs.fast]                      # --installer mytool.toml:fast
   args = ["--fast"]

   [image]                             # how the docker runner bakes the tool into an image
   pip = ["mytool==1.2"]               # downloaded on this machine, installed in /opt/installer
   commands = ["mytool --version"]     # then run in the image build (with the network)

Capabilities (the request keys of :func:`~wheelnext.conformance.scenario.request_keys`;
a scenario that uses a key the file does not list is *unsupported*, never run):

``indexes``
    more than one index, in priority order (``index``, ``first-index``, ``last-index``);
``index-strategy:index-priority``, ``index-strategy:version-priority``
    PEP 766's two ways of choosing between indexes (``strategy`` gives the arguments);
``pin``
    a project pinned to one index (``pin``);
``deny``
    PEP 766's denylist: projects to ignore on one index (``deny``);
``variant-properties``
    variant property overrides (``variant-property``);
``variant-unaware``
    the tool has no variant support: a scenario that allows PEP 825's legacy
    behaviour runs it without the properties instead of being unsupported;
``wheel``, ``no-deps``, ``only-binary``, ``lock``
    a wheel by path, ``--no-deps``, wheels only, a ``pylock.toml`` to install.

Index templates: ``index`` is repeated per index, highest priority first, with
``{url}`` and ``{name}``; ``first-index`` replaces it for the first index and
``last-index`` for the last (pip takes the first with ``--index-url``, the rest
with ``--extra-index-url``; uv ranks ``--index-url`` lowest, so it is the last).
A lone index takes ``first-index`` when both are given.

An ``argv`` element that is exactly one of the list placeholders
(``{indexes}``, ``{requirements}``, ``{wheel}``, ``{lock}`` (the ``pylock.toml`` path
of a request that installs from a lock: capability ``lock``), ``{strategy}``,
``{no-deps}``, ``{only-binary}``, ``{variant-properties}``, ``{pins}``, ``{deny}``,
``{config}``) expands to zero or more arguments; ``{python}``, ``{prefix}``, ``{work}``
and ``{harness-python}`` are replaced inside any string.

Under private mount namespaces (the venv runner on Linux) the tool does not see
``/tmp``, ``/var/tmp``, the temp root or HOME, except the paths it is given as whole
arguments or environment values (mounted back). A path under them that the tool
needs otherwise is hidden: the runner refuses the request (an ``error`` naming the
path) when it sees one, its program found on ``PATH`` or a path inside an argument
(``--config=/tmp/x``); one it cannot see (a plugin folder the tool reads by itself)
the tool misses. List such paths in ``visible-paths`` (or give them as whole
arguments) to pass them through.

Every field is checked when the file is read: a wrong one is refused with one
line naming the file and the field.

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
from wheelnext.conformance.scenario import STRATEGIES

KEYS = (
    "name",
    "version",
    "version-command",
    "capabilities",
    "argv",
    "index",
    "first-index",
    "last-index",
    "strategy",
    "no-deps",
    "only-binary",
    "variant-property",
    "pin",
    "deny",
    "env",
    "visible-paths",
    "configs",
    "image",
)
#: What a file may declare: every request key a template can express, and ``variant-unaware``.
CAPABILITIES = frozenset(
    {
        "indexes",
        *(f"index-strategy:{s}" for s in STRATEGIES),
        "pin",
        "deny",
        "variant-properties",
        "variant-unaware",
        "wheel",
        "no-deps",
        "only-binary",
        "lock",
    }
)
IMAGE_KEYS = ("pip", "commands")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdapterError(f"{where} must be a list of strings")
    return tuple(value)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise AdapterError(f"{where} must be a table")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise AdapterError(f"{where} must be a string")
    return value


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
    first_index: tuple[str, ...] | None = None
    last_index: tuple[str, ...] | None = None
    strategy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    no_deps: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    variant_property: tuple[str, ...] = ()
    pin: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    visible_paths: tuple[Path, ...] = ()
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
        at = f"{path}:"
        name = _string(data["name"], f"{at} name")
        argv = _strings(data["argv"], f"{at} argv")
        if not argv or not argv[0]:
            raise AdapterError(f"{at} argv must name the program to run (it is empty)")
        capabilities = _strings(data["capabilities"], f"{at} capabilities")
        unknown = sorted(set(capabilities) - CAPABILITIES)
        if unknown:
            raise AdapterError(
                f"{at} capabilities: unknown capability {unknown[0]!r} "
                f"(known: {', '.join(sorted(CAPABILITIES))})"
            )
        strategy = {}
        for key, value in _table(data.get("strategy", {}), f"{at} strategy").items():
            if key not in STRATEGIES:
                raise AdapterError(f"{at} strategy.{key}: not an index strategy {STRATEGIES}")
            strategy[key] = _strings(value, f"{at} strategy.{key}")
        env = {
            key: _string(value, f"{at} env.{key}")
            for key, value in _table(data.get("env", {}), f"{at} env").items()
        }
        visible = _strings(data.get("visible-paths", []), f"{at} visible-paths")
        relative = [v for v in visible if not os.path.isabs(v)]
        if relative:
            raise AdapterError(f"{at} visible-paths: {relative[0]!r} is not an absolute path")
        configs = _table(data.get("configs", {}), f"{at} configs")
        for key, value in configs.items():
            unknown = sorted(set(_table(value, f"{at} configs.{key}")) - {"args"})
            if unknown:
                raise AdapterError(f"{at} configs.{key}: unknown key {unknown[0]!r}")
        if config is not None and config not in configs:
            raise AdapterError(f"{path}: no configuration {config!r} in [configs]")
        if "version" in data:
            version = _string(data["version"], f"{at} version")
        elif "version-command" in data:
            command = _strings(data["version-command"], f"{at} version-command")
            if not command:
                raise AdapterError(f"{at} version-command must name a program (it is empty)")
            version = version_of(command, f"{path}: version-command")
        else:
            version = "unknown"

        def optional(key: str) -> tuple[str, ...] | None:
            return _strings(data[key], f"{at} {key}") if key in data else None

        return cls(
            tool=name,
            version=version,
            argv=argv,
            capabilities=frozenset(capabilities),
            index=optional("index") or (),
            first_index=optional("first-index"),
            last_index=optional("last-index"),
            strategy=strategy,
            no_deps=optional("no-deps") or (),
            only_binary=optional("only-binary") or (),
            variant_property=optional("variant-property") or (),
            pin=optional("pin") or (),
            deny=optional("deny") or (),
            env=env,
            visible_paths=tuple(Path(v) for v in visible),
            config=config,
            config_args=_strings(
                configs[config].get("args", []), f"{at} configs.{config}.args"
            )
            if config
            else (),
            image=ImageRecipe.parse(data["image"], f"{at} image") if "image" in data else None,
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

        last = len(request.indexes) - 1
        urls = {i.name: i.url for i in request.indexes}

        def index_template(position: int) -> tuple[str, ...]:
            if position == 0 and self.first_index is not None:
                return self.first_index
            if position == last and self.last_index is not None:
                return self.last_index
            return self.index

        lists: dict[str, list[str]] = {
            "{indexes}": [
                a
                for n, i in enumerate(request.indexes)
                for a in fill(index_template(n), {"{url}": i.url, "{name}": i.name})
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
            "{deny}": [
                a
                for index, projects in sorted(request.deny.items())
                for project in projects
                for a in fill(
                    self.deny, {"{name}": index, "{url}": urls.get(index, ""), "{project}": project}
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
        return Invocation(argv=tuple(argv), env=env, visible=self.visible_paths)
