"""What the project-file adapters (pdm, poetry) share: a request as a ``pyproject.toml``.

pdm and poetry install a *project's* dependencies, not a command line's
requirements, so their adapters write one in the job's work folder: the
requirements become ``[project] dependencies``, a wheel given by path a direct
reference to its file, and ``requires-python`` is the target interpreter's
minor version (both lock for the project's whole Python range otherwise, and
refuse a dependency whose ``Requires-Python`` does not cover it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from wheelnext.conformance.adapters.protocol import InstallRequest

#: The wheel given by path, named again in the installer's environment: under private
#: mount namespaces the venv runner keeps visible only the paths an invocation's
#: argv and environment name (and the job's folder), and the project file is neither.
WHEEL_ENV = "WHEELNEXT_WHEEL"
#: The project name written; no scenario uses it.
PROJECT = "wheelnext-request"


def target_python(request: InstallRequest) -> str | None:
    """``MAJOR.MINOR`` of the request's interpreter: the version the runner gives (the
    environment does not exist yet when the adapter writes the project file), else the
    environment's ``pyvenv.cfg``."""
    if request.python_version is not None:
        parts = request.python_version.split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            return f"{parts[0]}.{parts[1]}"
    return python_version(request.prefix)


def python_version(prefix: Path) -> str | None:
    """``MAJOR.MINOR`` of the environment at *prefix*, from its ``pyvenv.cfg``."""
    try:
        text = (prefix / "pyvenv.cfg").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            parts = value.strip().split(".")
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                return f"{parts[0]}.{parts[1]}"
    return None


def wheel_requirement(wheel: Path) -> str | None:
    """A direct reference to the file (``name @ file:///...``): the name is a wheel file
    name's first part, also for a file the tools may not read as a wheel (a Wheel 2.0
    ``.whlx``: what they do with it is the observation); None without a valid name."""
    try:
        name = str(parse_wheel_filename(wheel.name)[0])
    except InvalidWheelFilename:
        name = wheel.name.split("-", 1)[0]
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?", name):
            return None
    return f"{name} @ {wheel.resolve().as_uri()}"


def string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(string(v) for v in values) + "]"


def project_table(dependencies: Iterable[str], python: str | None) -> list[str]:
    """The ``[project]`` table's lines."""
    lines = ["[project]", f"name = {string(PROJECT)}", 'version = "0"']
    if python is not None:
        lines.append(f"requires-python = {string(f'=={python}.*')}")
    lines.append("dependencies = [")
    lines += [f"    {string(d)}," for d in dependencies]
    lines.append("]")
    return lines


def project_folder(stem: str, text: str) -> str:
    """A project folder's name, one per project file: a job's preinstall and install steps
    each get their own, so one step's lock file never meets the other's project."""
    return f"{stem}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
