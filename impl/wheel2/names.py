"""Safety rules for the names of archive members and installed paths.

Written by hand: neither ``zipfile`` nor ``installer`` rejects every hostile name before
extraction (``installer`` checks only the final path, after its scheme is chosen). The binary
distribution format gives no list of forbidden names; these are the rules of
"Security Implications" in PEP 778 and of ``zipfile``'s own warning about untrusted archives.
"""

from __future__ import annotations

import re

from wheelnext.errors import UnsafeArtifact

#: The most folders a payload path may have; real wheels use a few dozen at most.
MAX_PATH_PARTS = 128
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_FORBIDDEN_CHARS = ("\x00", "\\")


def check_member_name(name: str, *, archive: str = "archive") -> str:
    """Return *name* if it is a safe relative POSIX path inside an archive.

    Refused: empty names, absolute paths, Windows drive letters and backslashes, NUL bytes,
    ``..`` or ``.`` components and empty components (``a//b``).
    """
    if not name:
        raise UnsafeArtifact(f"{archive}: empty member name")
    for char in _FORBIDDEN_CHARS:
        if char in name:
            raise UnsafeArtifact(f"{archive}: member {name!r} contains {char!r}")
    if name.startswith("/"):
        raise UnsafeArtifact(f"{archive}: member {name!r} is an absolute path")
    if _DRIVE_RE.match(name):
        raise UnsafeArtifact(f"{archive}: member {name!r} starts with a drive letter")
    parts = name.rstrip("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafeArtifact(f"{archive}: member {name!r} has a {part or 'empty'!r} component")
    return name


def check_unique(names: list[str], *, archive: str = "archive") -> None:
    """Refuse duplicate members, also those equal after Unicode NFC normalization."""
    import unicodedata

    seen: dict[str, str] = {}
    for name in names:
        key = unicodedata.normalize("NFC", name)
        if key in seen:
            raise UnsafeArtifact(
                f"{archive}: duplicate member {name!r} (clashes with {seen[key]!r})"
            )
        seen[key] = name
