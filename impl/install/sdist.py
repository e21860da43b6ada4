"""Building a wheel from a source distribution through its PEP 517 backend.

The ``build`` package runs the backend in an isolated environment ("build isolation"), whose
build requirements are installed by pip from the same indexes as the install, in priority
order (pip has no index priority; build requirements are not subject to ``--index-for``).
Refused when the user asked for ``--only-binary``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from wheelnext.errors import WheelnextError
from wheelnext.isolation import scrubbed_environ
from wheelnext.wheel_version import check_sdist_metadata


class BuildFailed(WheelnextError):
    """A source distribution could not be built into a wheel."""


def _unpack(sdist: Path, into: Path) -> Path:
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            archive.extractall(into)
    else:
        with tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(into, filter="data")
            else:
                archive.extractall(into, members=_plain_members(sdist, archive))
    entries = [entry for entry in into.iterdir() if entry.is_dir()]
    if len(entries) != 1:
        raise BuildFailed(f"{sdist.name}: expected one top-level folder, found {len(entries)}")
    return entries[0]


def _plain_members(sdist: Path, archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The members of *archive*, checked as ``filter="data"`` would check them, for a Python
    without extraction filters (3.11 before 3.11.4, as Debian 12 ships): only regular files
    and folders, each inside the destination; anything else refuses the whole sdist."""
    members = archive.getmembers()
    for member in members:
        parts = member.name.replace("\\", "/").split("/")
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise BuildFailed(f"{sdist.name}: member {member.name!r} is not a plain file or "
                              "folder inside the archive")
        member.mode = (member.mode | 0o600) & 0o755
    return members


def check_pkg_info(sdist: Path) -> None:
    """PEP 777: "If a tool encounters ``Wheel-Version`` inside of a source distribution
    metadata file, it **SHOULD** raise an error." Read ``PKG-INFO`` before building."""
    text: str | None = None
    try:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as archive:
                names = [n for n in archive.namelist() if n.count("/") == 1
                         and n.endswith("/PKG-INFO")]
                text = archive.read(names[0]).decode("utf-8") if names else None
        else:
            with tarfile.open(sdist) as archive:
                members = [m for m in archive.getmembers() if m.name.count("/") == 1
                           and m.name.endswith("/PKG-INFO") and m.isfile()]
                handle = archive.extractfile(members[0]) if members else None
                text = handle.read().decode("utf-8") if handle is not None else None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BuildFailed(f"{sdist.name}: unreadable source distribution ({exc})") from None
    if text is not None:
        check_sdist_metadata(text, filename=f"{sdist.name}: PKG-INFO")


def build_wheel(sdist: Path, outdir: Path, index_urls: Sequence[str], *,
                check_metadata: bool = True) -> Path:
    """Build *sdist* into a wheel in *outdir* with ``python -m build --wheel`` (isolated).

    *check_metadata* false skips :func:`check_pkg_info` (only a knockout of the
    ``sdist-wheel-version`` rule asks for that)."""
    if check_metadata:
        check_pkg_info(sdist)
    try:
        import build  # noqa: F401
    except ImportError:
        raise BuildFailed(f"{sdist.name}: building source distributions needs the 'build' "
                          "package; install it or pass --only-binary :all:") from None
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wheelnext-build-") as temp:
        source = _unpack(sdist, Path(temp) / "src")
        home = Path(temp) / "home"
        home.mkdir()
        extra = {}
        if index_urls:
            extra["PIP_INDEX_URL"] = index_urls[0]
            if len(index_urls) > 1:
                extra["PIP_EXTRA_INDEX_URL"] = " ".join(index_urls[1:])
        env = scrubbed_environ(home, extra=extra)
        done = subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", os.fspath(Path(temp) / "out"),
             os.fspath(source)],
            capture_output=True, text=True, env=env, check=False,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BuildFailed(f"{sdist.name}: the build backend failed: {tail[0]}")
        wheels = sorted((Path(temp) / "out").glob("*.whl"))
        if not wheels:
            raise BuildFailed(f"{sdist.name}: the build backend produced no wheel")
        target = outdir / wheels[0].name
        shutil.move(wheels[0], target)
    return target


__all__ = ["BuildFailed", "build_wheel"]
