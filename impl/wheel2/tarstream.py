"""The regular files of one ``.tar.zst`` payload chunk, read in large decompressed blocks.

Written by hand rather than through ``tarfile``: installing torch's 12,000 files through
``tarfile`` over ``ZstdFile`` cost about 100 microseconds of interpreter time per file (16 KiB
reads through three buffered layers, a ``TarInfo`` built field by field), and that time holds
the GIL, so it does not spread over cores. Here the chunk is decompressed in blocks of
:data:`BLOCK` bytes; headers are parsed from them in a few slices, and a file's bytes are
handed out as slices of the block they lie in.

Only what the prototype's writer produces is accepted (``wheelnext.wheel2.writer``: POSIX
pax format): a ustar header per regular file, optionally preceded by one pax extended header
(``x``) whose ``path`` and ``size`` records override the ustar fields. Everything else is
refused: folders, links, devices, global pax headers, GNU long names and sparse files (a
payload file is none of those, and each is a way to make a reader allocate or write what the
header says). A stream made of several Zstandard frames (skippable ones included) reads as
one, as the Zstandard format specifies for concatenated frames.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Protocol

from wheelnext.errors import UnsafeArtifact
from wheelnext.filenames import short

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

#: Decompressed bytes produced per step (files smaller than this are slices of one block).
BLOCK = 4 * 1024 * 1024
#: Compressed bytes read from the archive per step.
_INPUT = 1024 * 1024
_HEADER = 512
_REGULAR = (b"0", b"\0", b"7")
_PAX = b"x"
_REFUSED = {
    b"1": "a hard link", b"2": "a symbolic link", b"3": "a character device",
    b"4": "a block device", b"5": "a folder", b"6": "a FIFO", b"g": "a global pax header",
    b"L": "a GNU long name", b"K": "a GNU long link name", b"S": "a GNU sparse file",
}


class ByteSource(Protocol):
    """What :class:`Frames` reads compressed bytes from: a ZIP member, or a hashing wrapper."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to *size* bytes; empty at the end."""
        ...


class CorruptPayload(UnsafeArtifact):
    """The chunk is not a Zstandard stream of a tar archive of the accepted form."""


class Frames:
    """The decompressed bytes of a member holding one or more Zstandard frames.

    :meth:`take` hands out the current block (or a slice of it) without joining blocks;
    :meth:`exact` joins what a header needs. The decompressor never produces more than
    :data:`BLOCK` bytes at a time, so a zip bomb costs one block of memory.
    """

    def __init__(self, raw: ByteSource, where: str) -> None:
        self._raw = raw
        self._where = where
        self._decoder = zstd.ZstdDecompressor()
        self._input = b""
        self._started = False
        self._block = b""
        self._pos = 0

    def _refill(self) -> bool:
        """Decode the next block; ``False`` at the clean end of the last frame."""
        while True:
            if self._decoder.eof:
                self._input = self._decoder.unused_data + self._input
                self._decoder = zstd.ZstdDecompressor()
                self._started = False
            data = b""
            if self._decoder.needs_input:
                data, self._input = (self._input or self._raw.read(_INPUT)), b""
                if not data:
                    if self._started:
                        raise CorruptPayload(f"{self._where}: corrupt payload (truncated "
                                             "Zstandard frame)")
                    return False
                self._started = True
            try:
                block = self._decoder.decompress(data, max_length=BLOCK)
            except zstd.ZstdError as exc:
                raise CorruptPayload(f"{self._where}: corrupt payload "
                                     f"({short(str(exc), 200)})") from None
            if block:
                self._block, self._pos = block, 0
                return True

    def take(self, size: int) -> bytes:
        """Up to *size* bytes (at least one unless the stream ended)."""
        if self._pos >= len(self._block) and not self._refill():
            return b""
        start = self._pos
        if start == 0 and size >= len(self._block):
            self._pos = len(self._block)
            return self._block
        self._pos = min(len(self._block), start + size)
        return self._block[start:self._pos]

    def exact(self, size: int) -> bytes:
        """Exactly *size* bytes, or :class:`CorruptPayload` if the stream ends first."""
        first = self.take(size)
        if len(first) == size:
            return first
        parts = [first]
        left = size - len(first)
        while left:
            piece = self.take(left)
            if not piece:
                raise CorruptPayload(f"{self._where}: corrupt payload (ends inside a tar "
                                     "member)")
            parts.append(piece)
            left -= len(piece)
        return b"".join(parts)

    def skip(self, size: int) -> None:
        while size:
            piece = self.take(size)
            if not piece:
                raise CorruptPayload(f"{self._where}: corrupt payload (ends inside a tar "
                                     "member)")
            size -= len(piece)


class MemberReader:
    """One member's bytes, read straight from the decoded blocks; never more than its size."""

    def __init__(self, frames: Frames, size: int, where: str) -> None:
        self._frames = frames
        self._where = where
        self.left = size

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._frames.exact(self.left)
            self.left = 0
            return data
        if not self.left or not size:
            return b""
        data = self._frames.take(min(size, self.left))
        if not data:
            raise CorruptPayload(f"{self._where}: corrupt payload (ends inside a tar member)")
        self.left -= len(data)
        return data

    def readable(self) -> bool:
        return True


def _number(field: bytes, where: str, name: str) -> int:
    """A ustar numeric field: octal digits ended by NUL or space, or base-256 (GNU)."""
    if field[:1] and field[0] & 0x80:
        value = int.from_bytes(field[1:], "big")
        return -value if field[0] & 0x40 else value
    text = field.split(b"\0", 1)[0].strip(b" ")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise CorruptPayload(f"{where}: corrupt tar header ({name} {short(repr(text), 40)})"
                             ) from None


def _pax_records(data: bytes, where: str) -> dict[str, str]:
    """``"%d %s=%s\\n"`` records (POSIX.1-2001 pax); the length counts the whole record."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data) and data[pos:pos + 1] != b"\0":
        space = data.find(b" ", pos, pos + 20)
        try:
            length = int(data[pos:space]) if space > pos else 0
        except ValueError:
            length = 0
        record = data[space + 1:pos + length]
        if length <= 0 or pos + length > len(data) or not record.endswith(b"\n") \
                or b"=" not in record:
            raise CorruptPayload(f"{where}: corrupt pax header")
        key, _, value = record[:-1].partition(b"=")
        try:
            records[key.decode("utf-8")] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptPayload(f"{where}: pax header is not UTF-8") from None
        pos += length
    return records


def tar_members(
    frames: Frames, where: str, *, max_header: int, max_name: int
) -> Iterator[tuple[str, int, bool, MemberReader]]:
    """``(path, size, executable, reader)`` per regular file, until the end-of-archive block.

    The caller must be done with each reader before asking for the next member; whatever it
    left unread is skipped. Pax headers above *max_header* bytes and names above *max_name*
    characters are refused before they are read.
    """
    while True:
        header = frames.take(_HEADER)
        if len(header) < _HEADER:
            header = header + frames.exact(_HEADER - len(header)) if header else b""
        if not header or header.count(0) == _HEADER:  # end of stream or end-of-archive
            return
        pax: dict[str, str] = {}
        kind = header[156:157]
        if kind == _PAX:
            _check_sum(header, where)
            size = _number(header[124:136], where, "size")
            if size > max_header:
                raise CorruptPayload(f"{where}: pax header of {size} bytes (limit {max_header})")
            pax = _pax_records(frames.exact(size), where)
            frames.skip(-size % _HEADER)
            if any(key.startswith("GNU.sparse.") for key in pax):
                raise CorruptPayload(f"{where}: a GNU sparse file (pax header)")
            header = frames.exact(_HEADER)
            kind = header[156:157]
            if kind == _PAX:
                raise CorruptPayload(f"{where}: two pax headers in a row")
        _check_sum(header, where)
        if "path" in pax:
            name = pax["path"]
        else:
            raw_name = header[0:100].split(b"\0", 1)[0]
            prefix = header[345:500].split(b"\0", 1)[0] if header[257:263] == b"ustar\0" \
                else b""
            joined = prefix + b"/" + raw_name if prefix else raw_name
            name = joined.decode("utf-8", "surrogateescape")
        if len(name) > max_name:
            raise CorruptPayload(f"{where}: member name {short(name)!r} is longer than "
                                 f"{max_name} characters")
        if kind not in _REGULAR:
            what = _REFUSED.get(kind, f"of tar type {kind!r}")
            raise CorruptPayload(f"{where}: {short(name)!r} is {what}, not a regular file")
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise CorruptPayload(f"{where}: pax size {short(pax['size'], 40)!r}") from None
        else:
            size = _number(header[124:136], where, "size")
        if size < 0:
            raise CorruptPayload(f"{where}: {short(name)!r} has a negative size")
        mode = _number(header[100:108], where, "mode")
        reader = MemberReader(frames, size, f"{where}: {short(name)}")
        yield name, size, bool(mode & 0o111), reader
        frames.skip(reader.left + (-size % _HEADER))


def _check_sum(header: bytes, where: str) -> None:
    """The ustar checksum: the header's bytes summed with its checksum field as spaces."""
    stored = _number(header[148:156], where, "checksum")
    unsigned = sum(header[:148]) + sum(header[156:]) + 8 * 0x20
    if stored != unsigned:
        signed = unsigned - 256 * sum(1 for b in header if b > 127)
        if stored != signed:
            raise CorruptPayload(f"{where}: corrupt tar header (bad checksum)")
