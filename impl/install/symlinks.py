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
import posixpath
import shutil
from collections.abc import Sequence
from pathlib import Path

from wheelnext.errors import UnsafeArtifact, WheelnextError
from wheelnext.links import Link, resolve


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


def create_links(
    links: Sequence[Link],
    root: Path,
    *,
    mode: LinkMode = LinkMode.SYMLINK,
    label: str = "LINKS",
) -> list[str]:
    """Make every link of *links* under the staged scheme *root*; return their paths.

    Symlinks are relative (``os.path.relpath`` of the target from the link's folder), so the
    install can be moved into place by ``rename``. In ``copy`` mode the chain is resolved
    first and the final file or folder copied.
    """
    table = {link.path: link.target for link in links}
    if mode is LinkMode.COPY:
        for link in links:
            final = root / resolve(link.path, table, source=label)
            where = root / link.path
            where.parent.mkdir(parents=True, exist_ok=True)
            if final.is_dir():
                shutil.copytree(final, where, symlinks=False)
            else:
                shutil.copy2(final, where)
        return [link.path for link in links]
    if not hasattr(os, "symlink"):
        raise LinksUnsupported(f"{label}: this platform cannot create symlinks; "
                               "use --links=copy to copy the targets instead")
    for link in links:
        where = root / link.path
        where.parent.mkdir(parents=True, exist_ok=True)
        relative = posixpath.relpath(link.target, posixpath.dirname(link.path) or ".")
        try:
            os.symlink(relative, where, target_is_directory=(root / link.target).is_dir())
        except (OSError, NotImplementedError) as exc:
            raise LinksUnsupported(
                f"{label}: cannot create symlink {link.path!r} here ({exc}); "
                "use --links=copy to copy the targets instead"
            ) from None
    for link in links:
        _check_landed(root / link.path, root, label)
    return [link.path for link in links]
