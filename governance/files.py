"""Reading governance input files: regular files only, UTF-8 text, JSON of sane depth.

The design rule for bad input is one line naming the file, exit 2, no traceback: a
directory, a device such as ``/dev/zero`` (which would never end), a file we may not read,
bytes that are not UTF-8 and JSON nested deeper than the parser's recursion limit are all
refused here with a :class:`GovernanceError` naming the path.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

from wheelnext import inputs
from wheelnext.governance.errors import GovernanceError

_CHUNK = 1 << 20
#: The largest input file: a ballot file of a million ballots is far smaller.
MAX_BYTES = 1024 * 1024 * 1024
#: Longest line of a list file (an elector id or a candidate name).
MAX_LINE = 1024


def _regular(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise GovernanceError(f"{path}: no such file") from None
    except OSError as exc:
        raise GovernanceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise GovernanceError(f"{path}: is a directory, expected a file")
    if not stat.S_ISREG(mode):
        raise GovernanceError(f"{path}: not a regular file")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, or a one-line error naming it."""
    return inputs.read_bytes(path, what="file", limit=MAX_BYTES, error=GovernanceError)


def read_text(path: Path) -> str:
    """A governance input file as UTF-8 text (a byte-order mark is dropped); NUL bytes mean
    a binary file, not text."""
    return inputs.read_text(path, what="file", limit=MAX_BYTES, error=GovernanceError)


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a list file (one elector id or candidate name a line),
    stripped; a line longer than :data:`MAX_LINE` is not a name but a wrong file."""
    lines = [line.strip() for line in read_text(path).splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise GovernanceError(
                f"{path}: entry {number} is longer than {MAX_LINE} characters"
            )
    return lines


def parse_json(text: str, source: str) -> Any:
    """``text`` as JSON, or a one-line error naming ``source`` (nesting too deep included)."""
    return inputs.loads_json(text, source, error=GovernanceError)


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file, read in chunks."""
    _regular(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise GovernanceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return digest.hexdigest()
