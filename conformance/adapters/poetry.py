"""The ``poetry`` adapter (``poetry install`` of a generated project, poetry 2.x).

poetry installs a project's dependencies, so the request is written as a
``pyproject.toml`` in the job's work folder (:mod:`._project`) with
``package-mode = false`` (the project itself is not installed), and
``poetry install`` locks (``poetry.lock`` beside it) and installs.

The target environment is the one ``VIRTUAL_ENV`` names (poetry uses an active
virtual environment and creates none: ``POETRY_VIRTUALENVS_CREATE=false``);
poetry's configuration, cache and data folders are inside the job's folder,
and keyring lookups use the null backend.

Sources: poetry looks for a project in its ``primary`` sources, all of them,
merging their versions, and only when they have none in its ``supplemental``
sources, in order, stopping at the first with a matching version
(``RepositoryPool.find_packages``). So the scenario's indexes, all
``primary``, are PEP 766 "version priority"; the first ``primary`` and the
others ``supplemental`` is the closest poetry comes to "index priority" (the
request's ``index-priority`` is written so; the configuration ``supplemental``
writes every request so, and a scenario that asks for version priority is
unsupported there). PyPI, which poetry adds unless a primary source is
configured, is declared ``explicit``: no dependency names it.

A request for wheels only is ``POETRY_INSTALLER_ONLY_BINARY=:all:``. poetry has
no denylist per source, no option to skip dependencies, and does not install a
``pylock.toml``; a project can be pinned only among the project's direct
dependencies, so pinning is unsupported. No variant support (PEP 825 legacy
behaviour).
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
        "variant-unaware",
    }
)
CONFIGS = (None, "supplemental")
#: Before each index's name: poetry refuses a source named ``pypi`` with a URL ("The PyPI
#: repository cannot be configured with a custom url"), and scenarios name indexes so.
SOURCE_PREFIX = "index-"
#: The project folder inside the job's work folder (with the project file's digest: a
#: preinstall step's ``poetry.lock`` must not meet the install step's project).
PROJECT_DIR = "poetry-project"


def command(spec: InstallerSpec, cache: Path) -> tuple[str, ...]:
    """How to start poetry: ``@PATH`` as given; ``==VERSION`` as ``python -m poetry`` of the
    cached tool environment (its scripts' ``#!`` lines name the staging folder it was
    installed in, renamed once complete); else the ``poetry`` on PATH."""
    if spec.path is not None:
        return (str(spec.path),)
    if spec.version:
        return (str(tool_env(cache, "poetry", spec.version) / "bin" / "python"), "-m", "poetry")
    found = shutil.which("poetry")
    if not found:
        raise AdapterError(
            "--installer poetry: no poetry found; name one with poetry==VERSION or poetry@PATH"
        )
    return (found,)


def pyproject(request: InstallRequest, supplemental: bool) -> str | Unsupported:
    """The request as poetry's project file: the first index ``primary``, the others
    ``primary`` too or, with *supplemental*, ``supplemental``."""
    dependencies = list(request.requirements)
    if request.wheel is not None:
        direct = wheel_requirement(request.wheel)
        if direct is None:
            return Unsupported(
                f"poetry has no requirement for a wheel named {request.wheel.name!r}"
            )
        dependencies.append(direct)
    lines = project_table(dependencies, target_python(request))
    lines += ["", "[tool.poetry]", "package-mode = false"]
    lines += ["", "[[tool.poetry.source]]", 'name = "PyPI"', 'priority = "explicit"']
    for position, index in enumerate(request.indexes):
        priority = "supplemental" if supplemental and position else "primary"
        lines += ["", "[[tool.poetry.source]]", f"name = {string(SOURCE_PREFIX + index.name)}"]
        lines += [f"url = {string(index.url)}", f"priority = {string(priority)}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PoetryInstaller:
    """poetry in one configuration."""

    command: tuple[str, ...]
    version: str
    config: str | None = None

    @property
    def name(self) -> str:
        return configured_name("poetry", self.config)

    @property
    def image(self) -> ToolImage:
        """What the docker runner's installer image needs: this poetry's environment."""
        return tool_image(self.command, "poetry", self.version)

    @classmethod
    def create(cls, spec: InstallerSpec, *, cache: Path) -> PoetryInstaller:
        check_config(spec, "poetry", CONFIGS)
        argv = command(spec, cache)
        version = tool_version([*argv, "--version", "--no-ansi"])
        return cls(command=argv, version=version, config=spec.config)

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        missing = check_capabilities(request, CAPABILITIES, "poetry")
        if missing:
            return missing
        supplemental = request.index_strategy == "index-priority"
        if self.config == "supplemental":
            if request.index_strategy == "version-priority":
                return Unsupported(
                    "this column makes later sources supplemental; "
                    "the scenario asks for version-priority"
                )
            supplemental = True
        text = pyproject(request, supplemental)
        if isinstance(text, Unsupported):
            return text
        project = request.work / project_folder(PROJECT_DIR, text)
        home = request.work / "poetry-home"
        env = {
            "VIRTUAL_ENV": str(request.prefix),
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_NO_INTERACTION": "1",
            "POETRY_CONFIG_DIR": str(home / "config"),
            "POETRY_CACHE_DIR": str(home / "cache"),
            "POETRY_DATA_DIR": str(home / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        if request.wheel is not None:
            env[WHEEL_ENV] = str(request.wheel)
        if request.only_binary:
            env["POETRY_INSTALLER_ONLY_BINARY"] = ":all:"
        argv = [*self.command, "install", "--no-interaction", "--no-ansi"]
        argv += ["--directory", str(project), *request.extra_args]
        return Invocation(argv=tuple(argv), env=env, files={project / "pyproject.toml": text})
