"""Create the links of a PEP 778 ``LINKS`` file in a staged install.

PEP 778 (deferred), "Installer Behavior Specification", steps 3 to 5: after extracting,
"Verify that for each ``source_path`` and ``target_path`` pairs, the ``target_path`` exists",
"check that the installer can make some kind of link for each pair", and "add a
platform-relevant link between ``source_path`` and ``target_path``". "Installers **MUST NOT**
by default copy files instead of generating a symlink ... **MAY** have such behavior available
under an alternate configuration or command line flag" (our ``--links=copy``).

Static checks (inside a package, not dangling, no cycles, chain limit) are
``wheelnext.links.validate_links``; here each created link is checked again on disk: the
real path must stay inside the staged root, whatever the file system does.
"""

from __future__ import annotations

import enum
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from wheelnext.errors import UnsafeArtifact, WheelnextError
from wheelnext.install.staging import real_folder
from wheelnext.links import PlacedLink


class LinkMode(enum.StrEnum):
    """``--links``: make POSIX symlinks (default), or copy the target (explicit opt-in)."""

    SYMLINK = "symlink"
    COPY = "copy"


class LinksUnsupported(WheelnextError):
    """This platform or file system cannot create a symlink the wheel needs."""


def _check_landed(path: Path, root: Path, label: str) -> None:
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(os.path.realpath(root)):
        raise UnsafeArtifact(f"{label}: link {path.name!r} resolves outside the install ({real})")
    if not real.exists():
        raise UnsafeArtifact(f"{label}: link {path.name!r} is dangling after install")


def _copy_file(source: str, destination: str) -> None:
    """Copy a file to a new name, created exclusively and never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with open(source, "rb") as reader, os.fdopen(
            os.open(destination, flags, os.stat(source).st_mode & 0o777), "wb") as writer:
        shutil.copyfileobj(reader, writer)


def _copy(final: str, where: str, is_dir: bool) -> None:
    if is_dir:
        shutil.copytree(final, where, symlinks=True, copy_function=_copy_file)
    else:
        _copy_file(final, where)


def create_links(
    links: Sequence[PlacedLink],
    root: Path,
    *,
    mode: LinkMode = LinkMode.SYMLINK,
    label: str = "LINKS",
) -> list[str]:
    """Make every planned link (``wheelnext.links.plan_links``) under the staged scheme
    *root*; return the paths where they landed, for ``RECORD``.

    Links land at their resolved place, inside folders that already exist as real folders
    (checked with ``lstat``; nothing is made or followed on the way). Symlinks are relative
    (the plan's text, computed from the real folder), so the install can be moved into place
    by ``rename``. In ``copy`` mode the final file or folder is copied (symlinks inside it
    are not followed: copies come first, so a folder holds none).
    """
    if mode is LinkMode.SYMLINK and not hasattr(os, "symlink"):
        raise LinksUnsupported(f"{label}: this platform cannot create symlinks; "
                               "use --links=copy to copy the targets instead")
    base = os.fspath(root)
    for link in links:
        folder, _, name = link.place.rpartition("/")
        where = os.path.join(real_folder(base, folder, create=False, label=f"{label}: "), name)
        if os.path.lexists(where):
            raise UnsafeArtifact(f"{label}: link {link.declared!r}: {link.place!r} already "
                                 "exists")
        if mode is LinkMode.COPY:
            try:
                _copy(os.path.join(base, link.final), where, link.is_dir)
            except OSError as exc:
                raise UnsafeArtifact(f"{label}: cannot copy {link.final!r} to "
                                     f"{link.declared!r} ({exc.strerror or exc})") from None
            continue
        try:
            os.symlink(link.text, where, target_is_directory=link.is_dir)
        except (OSError, NotImplementedError) as exc:
            raise LinksUnsupported(
                f"{label}: cannot create symlink {link.declared!r} here ({exc}); "
                "use --links=copy to copy the targets instead"
            ) from None
    for link in links:
        _check_landed(root / link.place, root, label)
    return [link.place for link in links]
