"""Deterministic archive writing, with the member layout as a pluggable seam.

A :class:`Layout` decides member order and per-member compression; the writer
turns that into the same bytes every time: fixed timestamps, fixed
permissions, Unix as the creating system. The Wheel 2.0 layout is our
prototype (PEP 777 leaves the content of Wheel 2.0 to a future PEP): the
builder follows the payload layout the Wheel 2.0 work chose
(``wheelnext.wheel2.layout.DEFAULT_LAYOUT``) and writes it through
``wheelnext.wheel2.writer``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, BinaryIO, Protocol

from wheelnext.wheel2.layout import DEFAULT_LAYOUT
from wheelnext.wheel2.layout import Layout as PayloadLayout
from wheelnext.wheel2.writer import Compression, PayloadFile, write_archive

if TYPE_CHECKING:
    from wheelnext.build.spec import FileSpec

if sys.version_info >= (3, 14):  # pragma: no cover - exercised on 3.14 only
    from compression.zstd import zipfile as zstd_zipfile  # type: ignore[import-not-found]
else:
    from backports.zstd import zipfile as zstd_zipfile

#: The earliest time a ZIP header can hold; we never use the clock or
#: SOURCE_DATE_EPOCH, so the bytes depend on the spec alone.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: 1980-01-01T00:00:00Z as a Unix time, for tar members.
TAR_EPOCH = 315532800
ZIP_STORED = zipfile.ZIP_STORED
ZIP_DEFLATED = zipfile.ZIP_DEFLATED
#: APPNOTE.TXT 4.4.5: method 93 is Zstandard.
ZIP_ZSTANDARD: int = zstd_zipfile.ZIP_ZSTANDARD
_UNIX = 3


class Layout(Protocol):
    """Where each member goes and how it is compressed."""

    @property
    def name(self) -> str:
        """A short name for reports and benchmarks."""
        ...

    def order(self, members: Sequence[FileSpec], dist_info: str) -> list[FileSpec]:
        """The members in archive order."""
        ...

    def compression(self, member: FileSpec, dist_info: str) -> int:
        """The ZIP compression method of *member*."""
        ...


def _in_dist_info(path: str, dist_info: str) -> bool:
    return path.startswith(dist_info + "/")


def dist_info_last(members: Sequence[FileSpec], dist_info: str) -> list[FileSpec]:
    """Payload sorted, then ``.dist-info`` sorted with ``RECORD`` last.

    Binary distribution format, "Recommended archiver features": "Place
    .dist-info at the end of the archive."
    """
    record = f"{dist_info}/RECORD"

    def key(member: FileSpec) -> tuple[int, int, str]:
        return (_in_dist_info(member.path, dist_info), member.path == record, member.path)

    return sorted(members, key=key)


@dataclass(frozen=True)
class Wheel1Layout:
    """Wheel 1.0: every member deflated, ``.dist-info`` last."""

    name: str = "wheel-1.0"

    def order(self, members: Sequence[FileSpec], dist_info: str) -> list[FileSpec]:
        return dist_info_last(members, dist_info)

    def compression(self, member: FileSpec, dist_info: str) -> int:
        return ZIP_DEFLATED


@dataclass(frozen=True)
class Wheel2PayloadLayout:
    """Prototype Wheel 2.0 in the chosen payload layout (``Payload-Layout`` in ``WHEEL``).

    The payload goes into ``.tar.zst`` chunks under ``{name}-{version}.payload/`` (or, for the
    ``member`` layout, into Zstandard members); ``.dist-info`` stays stored at the root, in
    order, ``RECORD`` last, exactly as planned (the unsafe builder's ``RECORD`` included).
    Built wheels are small, so zstd's tables and window follow the pledged input size and
    level 19 costs little; no worker threads, so the bytes never depend on the machine.
    """

    name: str = "wheel-2.0"
    payload_layout: str = "chunked"

    def order(self, members: Sequence[FileSpec], dist_info: str) -> list[FileSpec]:
        return dist_info_last(members, dist_info)

    def compression(self, member: FileSpec, dist_info: str) -> int:
        return ZIP_STORED if _in_dist_info(member.path, dist_info) else ZIP_ZSTANDARD

    def write(self, target: IO[bytes], members: Sequence[FileSpec], dist_info: str) -> None:
        def opener(member: FileSpec) -> Callable[[], BinaryIO]:
            return lambda: io.BytesIO(member.read())

        ordered = self.order(members, dist_info)
        payload = [
            PayloadFile(m.path, "", m.length, m.executable, opener(m))
            for m in ordered if not _in_dist_info(m.path, dist_info)
        ]
        metadata = [(m.path, m.read()) for m in ordered if _in_dist_info(m.path, dist_info)]
        write_archive(target, dist_info_dir=dist_info, payload=payload, metadata=metadata,
                      layout=PayloadLayout(self.payload_layout), compression=Compression())


WHEEL1 = Wheel1Layout()
#: What the builder writes for Wheel-Version 2 and later: the chosen default layout.
WHEEL2 = Wheel2PayloadLayout(payload_layout=DEFAULT_LAYOUT.value)


def zip_member_info(
    path: str, *, executable: bool, compression: int, size: int
) -> zstd_zipfile.ZipInfo:
    """A ZIP header with the fixed time, permissions and creating system."""
    info = zstd_zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
    info.create_system = _UNIX
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = compression
    info.file_size = size
    return info


def write_zip(
    target: IO[bytes], members: Sequence[FileSpec], layout: Layout, dist_info: str
) -> None:
    """Write *members* into a ZIP on *target* as *layout* orders and compresses them."""
    if isinstance(layout, Wheel2PayloadLayout):
        layout.write(target, members, dist_info)
        return
    with zstd_zipfile.ZipFile(target, "w") as archive:
        for member in layout.order(members, dist_info):
            info = zip_member_info(
                member.path,
                executable=member.executable,
                compression=layout.compression(member, dist_info),
                size=member.length,
            )
            with archive.open(info, "w", force_zip64=member.length >= 1 << 31) as out:
                for chunk in member.chunks():
                    out.write(chunk)
