"""Payload layouts of the Wheel 2.0 prototype (extension: no PEP defines them).

PEP 777, "Limitations on Future Wheel Revisions": "the ``.dist-info`` metadata directory
**MUST** be placed at the root of the archive without any compression" and "Future wheel
revisions **MAY** modify the layout, compression, and other attributes about non-metadata
components". Its "Rejected Ideas" names the solid form: "a future wheel revision could always
introduce a new layout of non-metadata files that uses a ``.tar.zst`` inside the existing
ZIP-based format". Three layouts, told apart by the ``Payload-Layout`` field of ``WHEEL``
(absent means ``member``):

``member``
    each file is its own ZIP member, Zstandard-compressed (ZIP method 93), at the path a
    1.x wheel would use;
``solid``
    every non-metadata file in one POSIX tar stream, Zstandard-compressed, stored (method 0)
    as ``{name}-{version}.payload/000.tar.zst``;
``chunked``
    the solid form cut at 256 MiB of input into independent ``.tar.zst`` members (hybrid:
    most of the solid ratio, parallel decompression, reading one file decompresses one chunk).

In the solid and chunked layouts each chunk ``NNN.tar.zst`` has a *chunk record*
``NNN.RECORD`` beside it: the ``RECORD`` rows of the files inside it, in payload order,
Zstandard-compressed (ZIP method 93). ``.dist-info/RECORD`` then lists the ``.dist-info``
files and the payload members themselves, "the files in the wheel". PEP 777 keeps
``.dist-info`` uncompressed, and a stored ``RECORD`` of torch's 12,000 files is 1.3 MB, 0.7 %
of its ``.whl``. Archives written before chunk records (an ``INDEX`` member naming each file's
chunk, every file in ``.dist-info/RECORD``) are still read.
"""

from __future__ import annotations

import enum

from wheelnext.errors import InvalidMetadata

#: ``WHEEL`` field naming the layout (extension).
LAYOUT_FIELD = "Payload-Layout"
#: ZIP compression method number of Zstandard (APPNOTE 6.3.7, section 4.4.5).
ZIP_ZSTANDARD = 93
#: Suffix of the folder holding solid and chunked payload members.
PAYLOAD_SUFFIX = ".payload"
CHUNK_SUFFIX = ".tar.zst"
#: Raised when what a layout writes changes shape (1: ``INDEX``; 2: chunk records), so caches
#: of converted wheels keyed by layout, level and chunk size are not reused across it.
LAYOUT_REVISION = 2
#: Suffix of the chunk record beside each chunk.
CHUNK_RECORD_SUFFIX = ".RECORD"
#: The member naming each file's chunk in archives written before chunk records.
LEGACY_INDEX = "INDEX"


class Layout(enum.StrEnum):
    """How the non-metadata files of a ``.whlx`` are stored."""

    MEMBER = "member"
    SOLID = "solid"
    CHUNKED = "chunked"


#: The default chosen from measurements (docs/spec-notes/wheel2-payload-layout.rst).
DEFAULT_LAYOUT = Layout.CHUNKED
#: The default Zstandard level for the default layout.
DEFAULT_LEVEL = 19
#: Uncompressed bytes per chunk of the ``chunked`` layout (chosen from the measured frontier
#: in docs/spec-notes/wheel2-payload-layout.rst: 256 MiB costs 0.0006 of ratio against one
#: solid stream on torch and keeps three chunks to decompress in parallel).
DEFAULT_CHUNK_BYTES = 256 * 1024 * 1024


def parse_layout(value: str | None, *, where: str = "WHEEL") -> Layout:
    """The layout named by a ``Payload-Layout`` value; ``None`` means ``member``."""
    if value is None:
        return Layout.MEMBER
    try:
        return Layout(value.strip())
    except ValueError:
        choices = ", ".join(item.value for item in Layout)
        raise InvalidMetadata(
            f"{where}: Payload-Layout {value!r} is not one of {choices}"
        ) from None


def payload_dir(dist_info_dir: str) -> str:
    """``name-1.0.dist-info`` -> ``name-1.0.payload``."""
    return dist_info_dir[: -len(".dist-info")] + PAYLOAD_SUFFIX


def chunk_name(dist_info_dir: str, index: int) -> str:
    """The member name of chunk *index* of a solid or chunked payload."""
    return f"{payload_dir(dist_info_dir)}/{index:03d}{CHUNK_SUFFIX}"


def chunk_record_name(dist_info_dir: str, index: int) -> str:
    """The member name of the chunk record of chunk *index*."""
    return f"{payload_dir(dist_info_dir)}/{index:03d}{CHUNK_RECORD_SUFFIX}"
