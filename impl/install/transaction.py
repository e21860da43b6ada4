"""All-or-nothing changes to an environment: replaced distributions are stashed, not deleted.

Written by hand (no library does it): ``install_wheel`` is atomic per wheel, but an install of
several wheels that replaces older versions must also be undone as a whole. A replaced
distribution's files (its ``RECORD``) are moved into a stash folder beside the environment;
on failure the new distributions are uninstalled by their ``RECORD`` and the stash moved back;
on success the stash is deleted.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from wheelnext.errors import UnsafeArtifact
from wheelnext.install.scheme import InstallScheme
from wheelnext.install.uninstall import uninstall


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dst)
    except OSError:
        shutil.move(src, dst)


def record_paths(dist_info: Path, allowed: list[Path], *, root: Path | None = None) -> list[Path]:
    """Absolute paths ``RECORD`` lists, refusing any outside the environment's folders.

    Entries are relative to *root* (default: the folder holding *dist_info*; for a staged
    ``.dist-info``, the final folder it will move to).
    """
    root = Path(os.path.abspath(root if root is not None else dist_info.parent))
    roots = [root, *allowed]
    with open(dist_info / "RECORD", newline="", encoding="utf-8") as handle:
        entries = [row[0] for row in csv.reader(handle) if row]
    paths = []
    for entry in entries:
        path = Path(os.path.normpath(root / entry))
        if not any(path.is_relative_to(r) for r in roots):
            raise UnsafeArtifact(f"{dist_info / 'RECORD'}: {entry!r} lies outside the environment")
        paths.append(path)
    return paths


@dataclass
class Transaction:
    """Stashes, new installs, and how to undo both."""

    scheme: InstallScheme
    stash_root: Path | None = None
    stashed: list[tuple[Path, Path]] = field(default_factory=list)
    installed: list[Path] = field(default_factory=list)

    @property
    def allowed(self) -> list[Path]:
        return [Path(os.path.abspath(p)) for p in self.scheme.paths.values()]

    def stash(self, dist_info: Path) -> None:
        """Move an installed distribution's files aside (its replacement comes next)."""
        if self.stash_root is None:
            base = Path(self.scheme.paths["purelib"])
            base.mkdir(parents=True, exist_ok=True)
            self.stash_root = Path(tempfile.mkdtemp(prefix=".wheelnext-stash-", dir=base))
        folders: set[Path] = set()
        for path in record_paths(dist_info, self.allowed):
            if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
                continue
            kept = self.stash_root / str(len(self.stashed))
            _move(path, kept)
            self.stashed.append((path, kept))
            folders.update(path.parents)
        root = dist_info.parent
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            if folder.is_relative_to(root) and folder != root:
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def rollback(self) -> None:
        """Remove what was installed, put back what was stashed."""
        for dist_info in reversed(self.installed):
            with contextlib.suppress(OSError, UnsafeArtifact):
                uninstall(dist_info, allowed=self.allowed)
        for original, kept in reversed(self.stashed):
            with contextlib.suppress(OSError):
                _move(kept, original)
        self._drop()

    def commit(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self.stash_root is not None:
            shutil.rmtree(self.stash_root, ignore_errors=True)
        self.stash_root = None
        self.stashed.clear()


__all__ = ["Transaction", "record_paths"]
