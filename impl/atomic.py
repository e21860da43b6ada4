"""Write a file whole or not at all: a temporary file beside it, then a rename.

A reader (or a second run) never sees half a file, and an error leaves the old file,
or none, in place.  ``os.replace`` within one folder is atomic on POSIX and Windows.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["readable_mode", "write_atomically", "write_text_atomically"]


def write_atomically(
    path: Path,
    write: Callable[[IO[bytes]], None],
    *,
    mode: int | None = None,
    suffix: str = "",
) -> Path:
    """Write *path* through a temporary file in its folder, then rename it into place.

    *mode* is the file's permission bits; None keeps ``mkstemp``'s owner-only 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as target:
            write(target)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(
    path: Path, text: str, *, mode: int | None = None, suffix: str = ""
) -> Path:
    """:func:`write_atomically` for UTF-8 text."""
    def write(target: IO[bytes]) -> None:
        target.write(text.encode("utf-8"))

    return write_atomically(path, write, mode=mode, suffix=suffix)


def readable_mode() -> int:
    """0666 less the process umask: the mode ``open()`` would have given a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
