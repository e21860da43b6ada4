"""The ``pdm`` adapter (``pdm install`` of a generated project, pdm 2.x).

pdm installs a project's dependencies, so the request is written as a
``pyproject.toml`` in the job's work folder (:mod:`._project`): the indexes are
``[[tool.pdm.source]]`` tables in the scenario's order, ``[tool.pdm]
distribution = false`` keeps the project itself out of the environment, and
``pdm install --no-self`` locks (``pdm.lock`` beside it) and installs.

The target environment is named by ``PDM_PYTHON`` (pdm installs into the
virtual environment that interpreter belongs to); pdm's cache, log and global
configuration stay in the job's folders, ``PDM_IGNORE_STORED_INDEX`` drops the
PyPI index pdm adds by default, and update checks are off.

``index-strategy``: pdm merges every source's versions (PEP 766 "version
priority") unless ``[tool.pdm.resolution] respect-source-order = true``, which
prefers earlier sources' files; the request's ``index-priority`` is written as
that setting. The configuration ``respect-source-order`` sets it for the whole
column; a scenario that asks for version priority is unsupported there.

PEP 766's denylist is a source's ``exclude_packages``; per-project pinning is
``include_packages`` on the pinned index (pdm then takes that project from it
alone). A request for wheels only is ``PDM_ONLY_BINARY=:all:``.

No option of ``pdm install`` skips dependencies or installs a ``pylock.toml``;
pdm has no variant support (PEP 825 legacy behaviour).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from wheelnext.conformance.adapters._project import (
    WHEEL_ENV,
    project_folder,
    project_table,
    string,
    strings,
    target_python,
    wheel_requirement,
)
from wheelnext.conformance.adapters._tools import ToolImage, tool_env, tool_image, tool_version
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

CAPABILITIES = frozenset(
    {
        "indexes",
        "index-strategy:index-priority",
        "index-strategy:version-priority",
        "wheel",
        "only-binary",
        "pin",
        "deny",
        "variant-unaware",
    }
)
CONFIGS = (None, "respect-source-order")
#: Installed beside ``pdm==VERSION``: the versions pdm 2.29.4's ``locked`` extra names
#: (that extra cannot be installed whole here: it names a certifi the registry lacks);
#: with hishel 2.0, which its own bound admits, pdm fails with ``module 'hishel' has
#: no attribute 'SyncSqliteStorage'``.
PINS = ("hishel==1.4.0", "httpx2==2.14.0")
#: The project folder inside the job's work folder.
PROJECT_DIR = "pdm-project"


def command(spec: InstallerSpec, cache: Path) -> tuple[str, ...]:
    """How to start pdm: ``@PATH`` as given; ``==VERSION`` as ``python -m pdm`` of the
    cached tool environment (its scripts' ``#!`` lines name the staging folder it was
    installed in, renamed once complete); else the ``pdm`` on PATH."""
    if spec.path is not None:
        return (str(spec.path),)
    if spec.version:
        env = tool_env(cache, "pdm", spec.version, pins=PINS)
        return (str(env / "bin" / "python"), "-m", "pdm")
    found = shutil.which("pdm")
    if not found:
        raise AdapterError("--installer pdm: no pdm found; name one with pdm==VERSION or pdm@PATH")
    return (found,)


def pyproject(request: InstallRequest, respect_source_order: bool) -> str | Unsupported:
    """The request as pdm's project file."""
    dependencies = list(request.requirements)
    if request.wheel is not None:
        direct = wheel_requirement(request.wheel)
        if direct is None:
            return Unsupported(f"pdm has no requirement for a wheel named {request.wheel.name!r}")
        dependencies.append(direct)
    lines = project_table(dependencies, target_python(request))
    lines += ["", "[tool.pdm]", "distribution = false"]
    pinned: dict[str, list[str]] = {}
    for project, name in sorted(request.pin.items()):
        pinned.setdefault(name, []).append(project)
    for index in request.indexes:
        lines += ["", "[[tool.pdm.source]]", f"name = {string(index.name)}"]
        lines.append(f"url = {string(index.url)}")
        if index.name in pinned:
            lines.append(f"include_packages = {strings(pinned[index.name])}")
        if request.deny.get(index.name):
            lines.append(f"exclude_packages = {strings(request.deny[index.name])}")
    lines += ["", "[tool.pdm.resolution]"]
    lines.append(f"respect-source-order = {'true' if respect_source_order else 'false'}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PdmInstaller:
    """pdm in one configuration."""

    command: tuple[str, ...]
    version: str
    config: str | None = None

    @property
    def name(self) -> str:
        return configured_name("pdm", self.config)

    @property
    def image(self) -> ToolImage:
        """What the docker runner's installer image needs: this pdm's environment."""
        return tool_image(self.command, "pdm", self.version, PINS)

    @classmethod
    def create(cls, spec: InstallerSpec, *, cache: Path) -> PdmInstaller:
        check_config(spec, "pdm", CONFIGS)
        argv = command(spec, cache)
        return cls(command=argv, version=tool_version([*argv, "--version"]), config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        missing = check_capabilities(request, CAPABILITIES, "pdm")
        if missing:
            return missing
        respect = request.index_strategy == "index-priority"
        if self.config == "respect-source-order":
            if request.index_strategy == "version-priority":
                return Unsupported(
                    "this column sets respect-source-order; the scenario asks for version-priority"
                )
            respect = True
        text = pyproject(request, respect)
        if isinstance(text, Unsupported):
            return text
        project = request.work / project_folder(PROJECT_DIR, text)
        home = request.work / "pdm-home"
        env = {
            "PDM_PYTHON": str(request.python),
            "PDM_IGNORE_STORED_INDEX": "1",
            "PDM_CHECK_UPDATE": "false",
            "PDM_NON_INTERACTIVE": "1",
            "PDM_CACHE_DIR": str(home / "cache"),
            "PDM_LOG_DIR": str(home / "log"),
            "PDM_CONFIG_FILE": str(home / "config.toml"),
        }
        if request.wheel is not None:
            env[WHEEL_ENV] = str(request.wheel)
        if request.only_binary:
            env["PDM_ONLY_BINARY"] = ":all:"
        argv = [*self.command, "install", "--project", str(project), "--no-self"]
        argv += list(request.extra_args)
        return Invocation(argv=tuple(argv), env=env, files={project / "pyproject.toml": text})
