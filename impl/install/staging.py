"""Stage an install in a private folder, then move it into place all at once or not at all.

Written by hand: ``installer`` writes straight into the scheme folders, so a failure half-way
leaves half a distribution. Here every file is first written under a staging root (``installer``'s
``destdir``), on the same file system as the environment, and moved with ``rename`` once the
whole wheel is verified; if any move fails, the moves already done are undone.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wheelnext.errors import UnsafeArtifact, WheelnextError


class InstallConflict(WheelnextError):
    """A file of the wheel already exists in the environment."""


class UnsafeLayout(UnsafeArtifact):
    """A staged path would go through a link, or a file stands where a folder must be."""


#: Per stage root (while the stage lives): the folders below it that :func:`real_folder` has
#: made or found real. Nothing replaces a real folder of a stage while it is staged, so each
#: is checked once per run instead of once per wheel (each wheel's files sit below the same
#: mirror of the environment's absolute path: seven levels for ``/tmp/env/lib/python3.11/
#: site-packages``, an ``mkdir`` and an ``lstat`` each).
_KNOWN_REAL: dict[str, set[str]] = {}


def real_folder(base: str, relative: str, *, create: bool = True, label: str = "") -> str:
    """``base/relative`` as a chain of real folders (made if *create*); never follows a link.

    Each part is made with ``mkdir`` (or found) and then checked with ``lstat``: a symlink or
    a file anywhere in the chain is refused, so nothing is ever written through a link made
    by a wheel (links are made last, and a real folder is never replaced while staging).
    Messages start with *label* (the wheel's own path) and never show the staging folder.
    """
    known = _KNOWN_REAL.get(base) if create else None
    path = base
    for part in relative.split("/") if relative else ():
        path = os.path.join(path, part)
        if known is not None and path in known:
            continue
        if create:
            try:
                os.mkdir(path)
                if known is not None:
                    known.add(path)
                continue
            except FileExistsError:
                pass
            except OSError as exc:  # a name too long, a file where a folder must be
                raise UnsafeLayout(f"{label}cannot make folder {part[:80]!r} "
                                   f"({exc.strerror})") from None
        try:
            mode = os.lstat(path).st_mode
        except OSError as exc:
            raise UnsafeLayout(f"{label}folder {part[:80]!r} cannot be used "
                               f"({exc.strerror})") from None
        if stat.S_ISLNK(mode):
            raise UnsafeLayout(f"{label}{part[:80]!r} is a link; refusing to write "
                               "through it")
        if not stat.S_ISDIR(mode):
            raise UnsafeLayout(f"{label}{part[:80]!r} is both a file and a folder")
        if known is not None:
            known.add(path)
    return path


def _existing_ancestor(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path


@dataclass
class Stage:
    """A staging root mirroring absolute final paths (``root / final.relative_to('/')``)."""

    root: Path
    anchor: Path
    created: list[Path] = field(default_factory=list)
    #: Scheme folders of the environment: links on the way to them are the user's and are
    #: followed; below them, an existing link is never merged into.
    trusted: set[Path] = field(default_factory=set)

    @classmethod
    def near(cls, path: str | os.PathLike[str]) -> Stage:
        """A fresh stage in the nearest existing folder above *path* (same file system)."""
        anchor = _existing_ancestor(Path(path).absolute())
        root = Path(tempfile.mkdtemp(prefix=".wheelnext-stage-", dir=anchor))
        _KNOWN_REAL[os.fspath(root)] = set()
        return cls(root, anchor)

    def staged(self, final: str | os.PathLike[str]) -> Path:
        """Where the file that ends at *final* is written while staged."""
        final = Path(os.path.abspath(final))
        return self.root / final.relative_to(final.anchor)

    def trust(self, folders: Iterable[str | os.PathLike[str]]) -> None:
        """Mark the environment's scheme *folders*, where the commit may follow links."""
        self.trusted.update(Path(os.path.abspath(folder)) for folder in folders)

    def _may_follow(self, dst: Path) -> bool:
        return any(folder.is_relative_to(dst) for folder in self.trusted | {self.anchor})

    def discard(self) -> None:
        _KNOWN_REAL.pop(os.fspath(self.root), None)
        shutil.rmtree(self.root, ignore_errors=True)

    def _plan(self, staged: Path, final: Path, moves: list[tuple[Path, Path]]) -> None:
        for entry in sorted(os.listdir(staged)):
            src, dst = staged / entry, final / entry
            if not os.path.lexists(dst):
                moves.append((src, dst))
            elif src.is_dir() and not src.is_symlink() and dst.is_dir() and (
                    not dst.is_symlink() or self._may_follow(dst)):
                self._plan(src, dst, moves)
            elif dst.is_symlink():
                raise InstallConflict(f"{dst}: is a link in the environment; refusing to "
                                      "install through it")
            else:
                raise InstallConflict(f"{dst}: already exists; refusing to overwrite")

    def commit(self) -> list[Path]:
        """Move everything into place; return the paths moved (files or whole folders).

        Conflicts are found before anything moves. Folders that do not exist yet move in one
        ``rename``; existing ones are merged entry by entry.
        """
        moves: list[tuple[Path, Path]] = []
        self._plan(self.root, Path(self.root.anchor), moves)
        done: list[tuple[Path, Path]] = []
        try:
            for src, dst in moves:
                os.rename(src, dst)
                done.append((src, dst))
        except OSError as exc:
            for src, dst in reversed(done):
                os.rename(dst, src)
            raise InstallConflict(f"cannot move staged files into place ({exc})") from None
        finally:
            self.discard()
        return [dst for _, dst in done]
