"""Where a wheel's files go: the install scheme of an interpreter, or a ``--target`` folder.

Binary distribution format, "Installing a wheel": "Unpack ... into the target directory";
the ``.data`` subdirectories go to the scheme paths (``purelib``, ``platlib``, ``scripts``,
``headers``, ``data``). For ``--python PATH`` we ask that interpreter for its own
``sysconfig`` paths, so a wheel can be installed into any environment, not only ours.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext.errors import UnsafeArtifact, WheelnextError

SCHEME_KEYS = ("purelib", "platlib", "scripts", "headers", "data")

_PROBE = """
import json, sys, sysconfig
paths = sysconfig.get_paths()
print(json.dumps({
    "paths": {key: paths[key] for key in ("purelib", "platlib", "scripts", "include", "data")},
    "cache_tag": sys.implementation.cache_tag,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "version": list(sys.version_info[:2]),
}))
"""
#: Binary distribution format: a distribution name as in the file name (PEP 508 "name").
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


class InvalidTarget(WheelnextError):
    """The ``--python`` interpreter or ``--target`` folder cannot receive an install."""


@dataclass(frozen=True)
class InstallScheme:
    """Scheme paths plus the interpreter that scripts and bytecode are made for."""

    paths: dict[str, str]
    interpreter: str
    cache_tag: str | None
    #: The environment's ``sys.prefix`` when it is a virtual environment: every scheme path
    #: lies inside it.
    prefix: str | None = None

    def for_distribution(self, name: str) -> dict[str, str]:
        """The scheme dict for *name* (``headers`` gets a per-project folder, like pip).

        The name becomes a folder name, so it must be a valid distribution name (PEP 508:
        letters, digits, ``.``, ``-``, ``_``, starting and ending with a letter or digit).
        """
        if not _NAME.match(name):
            raise UnsafeArtifact(f"{name!r}: not a valid distribution name (PEP 508); it "
                                 "would name the headers folder")
        paths = dict(self.paths)
        paths["headers"] = os.path.join(paths["headers"], name)
        return paths


def _inside(path: str, root: str) -> bool:
    path, root = os.path.normpath(os.path.abspath(path)), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def scheme_from_probe(answer: dict[str, Any], python: str | os.PathLike[str]) -> InstallScheme:
    """The scheme of an interpreter from its own ``sysconfig`` answer (:data:`_PROBE`).

    In a virtual environment ``sysconfig``'s ``include`` is the base interpreter's, shared by
    every environment made from it; headers go to ``{prefix}/include/site/pythonX.Y`` as pip
    and uv put them, and every scheme path must lie inside the environment's prefix, so a
    wheel installed into a virtual environment never writes into the base interpreter.
    """
    paths = {key: str(value) for key, value in dict(answer["paths"]).items()}
    paths["headers"] = paths.pop("include")
    prefix = str(answer.get("prefix") or "")
    base = str(answer.get("base_prefix") or prefix)
    venv = bool(prefix) and os.path.normpath(prefix) != os.path.normpath(base)
    if venv:
        major, minor = answer["version"][:2]
        paths["headers"] = os.path.join(prefix, "include", "site", f"python{major}.{minor}")
        for key, path in paths.items():
            if not _inside(path, prefix):
                raise InvalidTarget(f"--python {python}: scheme path {key!r} ({path}) lies "
                                    f"outside the environment ({prefix})")
    return InstallScheme(paths, str(answer["executable"]), answer["cache_tag"],
                         prefix if venv else None)


def scheme_for_python(python: str | os.PathLike[str]) -> InstallScheme:
    """Ask the interpreter at *python* for its ``sysconfig`` paths."""
    try:
        done = subprocess.run(
            [os.fspath(python), "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answer = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise InvalidTarget(f"--python {python}: cannot ask it for its paths ({exc})") from None
    try:
        return scheme_from_probe(answer, python)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidTarget(f"--python {python}: unexpected answer about its paths ({exc})"
                            ) from None


def scheme_for_target(target: str | os.PathLike[str], python: str | None = None) -> InstallScheme:
    """A ``--target DIR`` scheme: libraries in DIR, scripts in DIR/bin (as pip does)."""
    root = Path(target).absolute()
    if root.exists() and not root.is_dir():
        raise InvalidTarget(f"--target {target}: not a directory")
    paths = {
        "purelib": str(root),
        "platlib": str(root),
        "scripts": str(root / "bin"),
        "headers": str(root / "include"),
        "data": str(root),
    }
    cache_tag = sys.implementation.cache_tag if python is None else None
    return InstallScheme(paths, python or sys.executable, cache_tag)
