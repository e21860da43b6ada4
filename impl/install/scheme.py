"""Where a wheel's files go: the install scheme of an interpreter, or a ``--target`` folder.

Binary distribution format, "Installing a wheel": "Unpack ... into the target directory";
the ``.data`` subdirectories go to the scheme paths (``purelib``, ``platlib``, ``scripts``,
``headers``, ``data``). For ``--python PATH`` we ask that interpreter for its own
``sysconfig`` paths, so a wheel can be installed into any environment, not only ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from wheelnext.errors import WheelnextError

SCHEME_KEYS = ("purelib", "platlib", "scripts", "headers", "data")

_PROBE = """
import json, sys, sysconfig
paths = sysconfig.get_paths()
print(json.dumps({
    "paths": {key: paths[key] for key in ("purelib", "platlib", "scripts", "include", "data")},
    "cache_tag": sys.implementation.cache_tag,
    "executable": sys.executable,
}))
"""


class InvalidTarget(WheelnextError):
    """The ``--python`` interpreter or ``--target`` folder cannot receive an install."""


@dataclass(frozen=True)
class InstallScheme:
    """Scheme paths plus the interpreter that scripts and bytecode are made for."""

    paths: dict[str, str]
    interpreter: str
    cache_tag: str | None

    def for_distribution(self, name: str) -> dict[str, str]:
        """The scheme dict for *name* (``headers`` gets a per-project folder, like pip)."""
        paths = dict(self.paths)
        paths["headers"] = os.path.join(paths["headers"], name)
        return paths


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
    paths = dict(answer["paths"])
    paths["headers"] = paths.pop("include")
    return InstallScheme(paths, str(answer["executable"]), answer["cache_tag"])


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
