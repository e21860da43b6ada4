"""A minimal PEP 517 build backend that conformance scenarios serve from their own index.

PEP 517, "Build backend interface": "Mandatory hooks" are ``build_wheel`` and
``build_sdist``; the others are optional. This module is self-contained (standard library
only, no ``wheelnext`` import): the materializer packs this very file as the top-level
module ``wheelnext_minimal_backend`` of a wheel and puts that wheel on the index of every
scenario whose sdists name it, so an installer that builds them needs nothing from the
machine's caches or the network.

The source tree is an sdist written by ``wheelnext build`` (``build-backend = "minimal"``):
``PKG-INFO`` holds the core metadata, and every other file but ``pyproject.toml`` is payload.
``build_wheel`` writes a pure-Python ``py3-none-any`` Wheel 1.0 whose ``METADATA`` is that
``PKG-INFO``.
"""

from __future__ import annotations

import base64
import email.parser
import gzip
import hashlib
import io
import os
import re
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The distribution that carries this backend, and the module name it is imported as.
DIST_NAME = "wheelnext-minimal-backend"
DIST_VERSION = "1.0"
MODULE = "wheelnext_minimal_backend"
#: Files of the source tree that describe it and are not payload.
_NOT_PAYLOAD = frozenset({"PKG-INFO", "pyproject.toml"})
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _metadata(root: Path) -> tuple[str, str, str]:
    """``PKG-INFO``'s text and its ``Name`` and ``Version``, escaped for file names."""
    text = (root / "PKG-INFO").read_text(encoding="utf-8")
    headers = email.parser.HeaderParser().parsestr(text)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        raise ValueError("PKG-INFO: Name and Version are required")
    # Binary distribution format, "Escaping and Unicode": runs of -_. become one _.
    return text, re.sub(r"[-_.]+", "_", name).lower(), version


def _payload(root: Path) -> list[str]:
    """Payload paths relative to *root*, ``/``-separated and sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            path = (Path(folder) / name).relative_to(root).as_posix()
            if path not in _NOT_PAYLOAD:
                found.append(path)
    return sorted(found)


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def _add(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
    info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def get_requires_for_build_wheel(config_settings: Mapping[str, Any] | None = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: Mapping[str, Any] | None = None) -> list[str]:
    return []


def build_wheel(
    wheel_directory: str,
    config_settings: Mapping[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """Write ``{name}-{version}-py3-none-any.whl`` into *wheel_directory*; return its name."""
    root = Path.cwd()
    pkg_info, name, version = _metadata(root)
    dist_info = f"{name}-{version}.dist-info"
    members = [(path, (root / path).read_bytes()) for path in _payload(root)]
    members.append((f"{dist_info}/METADATA", pkg_info.encode("utf-8")))
    wheel = (
        "Wheel-Version: 1.0\n"
        f"Generator: {DIST_NAME} {DIST_VERSION}\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    members.append((f"{dist_info}/WHEEL", wheel.encode()))
    record = "".join(_record_line(path, data) for path, data in members)
    record += f"{dist_info}/RECORD,,\n"
    members.append((f"{dist_info}/RECORD", record.encode()))
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / filename, "w") as archive:
        for path, data in members:
            _add(archive, path, data)
    return filename


def build_sdist(sdist_directory: str, config_settings: Mapping[str, Any] | None = None) -> str:
    """Write ``{name}-{version}.tar.gz`` of the source tree into *sdist_directory*."""
    root = Path.cwd()
    _, name, version = _metadata(root)
    base = f"{name}-{version}"
    paths = sorted([*_NOT_PAYLOAD, *_payload(root)])
    filename = f"{base}.tar.gz"
    with (
        open(Path(sdist_directory) / filename, "wb") as target,
        gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for path in paths:
            data = (root / path).read_bytes()
            info = tarfile.TarInfo(f"{base}/{path}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return filename
