"""Remove an installed distribution by its ``RECORD``, never following links.

PEP 778 (deferred), "Security Implications": "Do not follow symlinks on removal." Each
``RECORD`` path is removed with ``unlink`` after ``lstat`` (a link is removed, its target
stays, even when the target is a folder or lies outside the environment); paths that resolve,
lexically, outside the scheme folder are refused (recording-installed-packages: paths are
relative to the folder holding ``.dist-info`` or absolute into other schemes).
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
from pathlib import Path

from wheelnext.errors import UnsafeArtifact


def uninstall(dist_info: str | os.PathLike[str], *, allowed: list[Path] | None = None) -> int:
    """Remove the files ``RECORD`` lists under *dist_info*'s folder; return how many.

    *allowed* are further folders (scripts, data) that entries may point into.
    """
    dist_info = Path(dist_info)
    root = Path(os.path.abspath(dist_info.parent))
    roots = [root, *(Path(os.path.abspath(p)) for p in allowed or [])]
    with open(dist_info / "RECORD", newline="", encoding="utf-8") as handle:
        entries = [row[0] for row in csv.reader(handle) if row]
    targets: list[Path] = []
    for entry in entries:
        path = Path(os.path.normpath(root / entry))
        if not any(path.is_relative_to(allowed_root) for allowed_root in roots):
            raise UnsafeArtifact(f"{dist_info / 'RECORD'}: {entry!r} lies outside the environment")
        targets.append(path)
    removed = 0
    folders: set[Path] = set()
    for path in targets:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(mode):
            continue  # a real folder is never listed alone; links to folders are S_ISLNK
        os.unlink(path)
        removed += 1
        folders.update(path.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder == root or not folder.is_relative_to(root):
            continue
        with contextlib.suppress(OSError):  # not empty: other distributions live there
            folder.rmdir()
    return removed
