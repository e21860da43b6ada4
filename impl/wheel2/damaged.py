"""A damaged archive read part-way through becomes one line naming the file.

``zipfile`` reports damage it meets while reading, not on opening: a CRC mismatch ("Bad
CRC-32"), a local header whose name differs from the central directory's, overlapping
entries (a ZIP bomb technique), a truncated stream. Binary distribution format: a wheel "is
a ZIP-format archive"; one that is not a well-formed ZIP is refused like any other bad input.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from wheelnext.errors import UnsafeArtifact

if sys.version_info >= (3, 14):
    from zipfile import BadZipFile as ZstdBadZipFile

    from compression.zstd import ZstdError
else:
    from backports.zstd import ZstdError
    from backports.zstd.zipfile import BadZipFile as ZstdBadZipFile

#: What reading a damaged ``.whl`` or ``.whlx`` raises.
ARCHIVE_DAMAGE = (zipfile.BadZipFile, ZstdBadZipFile, zlib.error, ZstdError, EOFError,
                  tarfile.TarError, NotImplementedError)


class DamagedArchive(UnsafeArtifact):
    """The archive is not a well-formed ZIP (or tar) past its central directory."""


def damage_message(label: str, exc: BaseException) -> str:
    """``label: damaged archive (reason)`` on one line."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return f"{label}: damaged archive ({reason})"


@contextmanager
def damaged_archive(label: str) -> Iterator[None]:
    """Turn the errors of reading a damaged archive into :class:`DamagedArchive`."""
    try:
        yield
    except ARCHIVE_DAMAGE as exc:
        raise DamagedArchive(damage_message(label, exc)) from None


__all__ = ["ARCHIVE_DAMAGE", "DamagedArchive", "damage_message", "damaged_archive"]
