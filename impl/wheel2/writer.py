"""Write ``.whlx`` archives in any of the prototype payload layouts.

The converter, the layout measurements and the builder (``wheelnext.build.archive``, which
follows ``DEFAULT_LAYOUT``) all write through this module. Metadata goes at the root,
stored (PEP 777: "without any compression"), after the payload, ``RECORD`` last.
Output is deterministic: fixed timestamps, sorted names, normalized modes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
import tarfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from wheelnext.wheel2.digest import encode, record_hash
from wheelnext.wheel2.layout import (
    DEFAULT_CHUNK_BYTES,
    LAYOUT_FIELD,
    Layout,
    chunk_name,
    chunk_record_name,
)

if sys.version_info >= (3, 14):
    import zipfile

    from compression import zstd
else:
    from backports import zstd
    from backports.zstd import zipfile

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: Input bytes per zstd worker job when compressing on several threads.
JOB_BYTES = 128 * 1024 * 1024
_BUFSIZE = 1024 * 1024


@dataclass(frozen=True)
class PayloadFile:
    """A non-metadata file of the wheel: its path, ``RECORD`` hash, size and opener."""

    path: str
    hash: str
    size: int
    executable: bool
    open: Callable[[], BinaryIO]


@dataclass(frozen=True)
class Compression:
    """Zstandard settings: level, worker threads, long-distance matching for solid streams."""

    level: int = 19
    workers: int = 0
    long_distance: bool = True
    window_log: int = 27

    def options(self) -> dict[int, int]:
        """Compressor options for a solid stream (window_log 27 decodes with defaults)."""
        params = zstd.CompressionParameter
        options: dict[int, int] = {params.compression_level: self.level}
        if self.workers > 1:
            options[params.nb_workers] = self.workers
            # zstd's default job is 4 windows (512 MiB here): too coarse to keep threads busy;
            # 128 MiB jobs measured smaller and faster than 32 MiB on torch (0.6042 in 206 s
            # against 0.6051 in 299 s): fewer job seams, less overlap re-read per job.
            options[params.job_size] = JOB_BYTES
        if self.long_distance:
            options[params.enable_long_distance_matching] = 1
            options[params.window_log] = self.window_log
        return options


def _zipinfo(name: str, executable: bool, method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = method
    return info


def _payload_order(files: Sequence[PayloadFile]) -> list[PayloadFile]:
    """Group like files (by suffix) so a solid stream finds longer matches; Python sources
    first, so an installer compiling bytecode can start on them while the rest unpacks."""
    return sorted(files, key=lambda f: (not f.path.endswith(".py"),
                                        os.path.splitext(f.path)[1], f.path))


def _chunks(files: Sequence[PayloadFile], chunk_bytes: int | None) -> list[list[PayloadFile]]:
    ordered = _payload_order(files)
    if chunk_bytes is None:
        return [ordered]
    chunks: list[list[PayloadFile]] = [[]]
    filled = 0
    for item in ordered:
        if chunks[-1] and filled + item.size > chunk_bytes:
            chunks.append([])
            filled = 0
        chunks[-1].append(item)
        filled += item.size
    return chunks


def _tar_header(item: PayloadFile) -> bytes:
    """The POSIX (pax) header block(s) ``tarfile`` would write for *item*."""
    info = tarfile.TarInfo(item.path)
    info.size = item.size
    info.mode = 0o755 if item.executable else 0o644
    info.mtime = 0
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _padding(size: int) -> int:
    return -size % tarfile.BLOCKSIZE


def _compress_tar(target: Any, files: Sequence[PayloadFile], options: dict[int, int]) -> None:
    """One ``.tar.zst`` frame whose size is pledged up front.

    The tar stream is laid out by hand (headers from ``tarfile.TarInfo.tobuf``, the blocks and
    end-of-archive padding ``tarfile`` writes) because its length must be known before the
    first byte: with a pledged size zstd sizes its tables and window to the input, so a
    10 KiB wheel costs microseconds instead of allocating level 19's 100+ MiB of tables, and
    the frame header records the content size.
    """
    headers = [_tar_header(item) for item in files]
    pairs = list(zip(headers, files, strict=True))
    total = sum(len(header) + item.size + _padding(item.size) for header, item in pairs)
    total += 2 * tarfile.BLOCKSIZE
    end = 2 * tarfile.BLOCKSIZE + (-total % tarfile.RECORDSIZE)
    total += -total % tarfile.RECORDSIZE
    compressor = zstd.ZstdCompressor(options=options)
    compressor.set_pledged_input_size(total)
    pending = bytearray()

    def feed(data: bytes | bytearray | memoryview) -> None:
        # Small pieces are gathered: each compress() call has a fixed cost.
        pending.extend(data)
        if len(pending) >= _BUFSIZE:
            target.write(compressor.compress(pending))
            pending.clear()

    for header, item in pairs:
        feed(header)
        left = item.size
        with item.open() as stream:
            while left and (block := stream.read(min(left, _BUFSIZE))):
                feed(block)
                left -= len(block)
            if left or stream.read(1):
                raise ValueError(f"{item.path}: size changed while writing the payload")
        feed(bytes(_padding(item.size)))
    feed(bytes(end))
    target.write(compressor.compress(pending))
    target.write(compressor.flush())


class _HashingTarget:
    """A write-only stream that passes bytes on and keeps their sha256 and count."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self._hasher = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hasher.update(data)
        self.size += len(data)
        written: int = self._target.write(data)
        return written

    def record_hash(self) -> str:
        return "sha256=" + encode(self._hasher.digest())


def _write_chunks(
    archive: zipfile.ZipFile,
    dist_info_dir: str,
    chunks: Sequence[Sequence[PayloadFile]],
    compression: Compression,
) -> list[tuple[str, str, str]]:
    """Each chunk is one independent zstd frame, compressed by zstd's own worker threads;
    returns each chunk member's ``RECORD`` row (hashed as it is written, never read back).

    Chunks go one after the other, each on all workers (``nb_workers``, 128 MiB jobs): one
    thread per chunk would leave a 434 MiB ``libtorch_cpu.so`` chunk on a single core.
    """
    rows = []
    for number, chunk in enumerate(chunks):
        name = chunk_name(dist_info_dir, number)
        info = _zipinfo(name, False, zipfile.ZIP_STORED)
        with archive.open(info, "w", force_zip64=True) as member:
            hashing = _HashingTarget(member)
            _compress_tar(hashing, chunk, compression.options())
        rows.append((name, hashing.record_hash(), str(hashing.size)))
    return rows


def _split_record(
    record: bytes, dist_info_dir: str, chunks: Sequence[Sequence[PayloadFile]]
) -> tuple[list[list[str]], list[list[list[str]]]]:
    """``RECORD``'s rows for ``.dist-info`` (without ``RECORD`` itself), and each chunk's
    rows in payload order; rows naming no payload file (a builder's deliberate defects) go
    with chunk 0. Rows are kept as given, right or wrong: the builder writes broken wheels
    on purpose."""
    prefix = dist_info_dir + "/"
    outer: list[list[str]] = []
    by_path: dict[str, list[list[str]]] = {}
    for row in csv.reader(record.decode("utf-8", "surrogateescape").splitlines()):
        if not row or row[0] == f"{dist_info_dir}/RECORD":
            continue
        if row[0].startswith(prefix):
            outer.append(row)
        else:
            by_path.setdefault(row[0], []).append(row)
    inner: list[list[list[str]]] = []
    for chunk in chunks:
        inner.append([row for item in chunk for row in by_path.pop(item.path, [])])
    for rows in by_path.values():
        inner[0].extend(rows)
    return outer, inner


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    return format_record(rows).encode("utf-8", "surrogateescape")


def write_archive(
    target: str | os.PathLike[str] | IO[bytes],
    *,
    dist_info_dir: str,
    payload: Sequence[PayloadFile],
    metadata: Sequence[tuple[str, bytes]],
    layout: Layout,
    compression: Compression,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> None:
    """The ZIP itself: *payload* in *layout*, then *metadata* (full paths, ``RECORD`` last)
    stored as given. The builder calls this with its own (possibly deliberately wrong)
    ``RECORD``; :func:`write_whlx` with a generated one. In the solid and chunked layouts the
    payload files' rows move into the chunk records and ``RECORD`` lists the payload members
    instead (see :mod:`wheelnext.wheel2.layout`)."""
    files = sorted(payload, key=lambda f: f.path)
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        if layout is Layout.MEMBER:
            for item in files:
                info = _zipinfo(item.path, item.executable, zipfile.ZIP_ZSTANDARD)
                info.compress_level = compression.level
                with item.open() as src, archive.open(info, "w", force_zip64=True) as dst:
                    while block := src.read(_BUFSIZE):
                        dst.write(block)
        else:
            chunks = _chunks(files, chunk_bytes if layout is Layout.CHUNKED else None)
            members = _write_chunks(archive, dist_info_dir, chunks, compression)
            record_path = f"{dist_info_dir}/RECORD"
            given = dict(metadata)
            if record_path in given:
                outer, inner = _split_record(given[record_path], dist_info_dir, chunks)
                for number, rows in enumerate(inner):
                    data = _csv(rows)
                    name = chunk_record_name(dist_info_dir, number)
                    info = _zipinfo(name, False, zipfile.ZIP_ZSTANDARD)
                    info.compress_level = compression.level
                    archive.writestr(info, data)
                    members.append((name, record_hash(data), str(len(data))))
                record = _csv([*outer, *members, [record_path, "", ""]])
                metadata = [(path, record if path == record_path else data)
                            for path, data in metadata]
        for path, data in metadata:
            archive.writestr(_zipinfo(path, False, zipfile.ZIP_STORED), data)


def write_whlx(
    out: str | os.PathLike[str],
    *,
    dist_info_dir: str,
    dist_info: dict[str, bytes],
    payload: Iterable[PayloadFile],
    layout: Layout,
    compression: Compression,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Path:
    """Write a ``.whlx`` to *out* (through a temporary file, renamed at the end).

    *dist_info* maps file names inside ``.dist-info`` (not ``RECORD``) to bytes; ``WHEEL``
    gets the ``Payload-Layout`` field here. ``RECORD`` is generated.
    """
    out = Path(out)
    files = sorted(payload, key=lambda f: f.path)
    dist_info = dict(dist_info)
    dist_info["WHEEL"] = set_wheel_field(dist_info["WHEEL"], LAYOUT_FIELD, layout.value)
    rows = [(item.path, item.hash, str(item.size)) for item in files]
    metadata: list[tuple[str, bytes]] = []
    for name in sorted(dist_info):
        path = f"{dist_info_dir}/{name}"
        metadata.append((path, dist_info[name]))
        rows.append((path, record_hash(dist_info[name]), str(len(dist_info[name]))))
    rows.append((f"{dist_info_dir}/RECORD", "", ""))
    metadata.append((f"{dist_info_dir}/RECORD", format_record(rows).encode("utf-8")))
    tmp = out.with_name(f".{out.name}.part")
    try:
        write_archive(tmp, dist_info_dir=dist_info_dir, payload=files, metadata=metadata,
                      layout=layout, compression=compression, chunk_bytes=chunk_bytes)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def format_record(rows: Iterable[Sequence[str]]) -> str:
    """``RECORD`` text: CSV rows, ``\\n`` line ends (as ``csv`` writes them for wheels)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def set_wheel_field(text: bytes, field: str, value: str) -> bytes:
    """Set one header field of an email-header file (``WHEEL``, ``METADATA``), in place.

    By hand, because ``email`` rewrites line ends and folding of the other fields: an existing
    field keeps its position, a new one goes after ``Metadata-Version`` (or ends the headers).
    Line ends and the body stay byte for byte.
    """
    lines = text.decode("utf-8").splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    header_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    new_line = f"{field}: {value}{newline}"
    key = field.lower() + ":"
    found = [i for i in range(header_end) if lines[i].lower().startswith(key)]
    if found:
        lines[found[0]] = new_line
        for i in reversed(found[1:]):
            del lines[i]
    else:
        position = header_end
        for i in range(header_end):
            if lines[i].lower().startswith("metadata-version:"):
                position = i + 1
        if position and not lines[position - 1].endswith("\n"):
            lines[position - 1] += newline
        lines.insert(position, new_line)
    return "".join(lines).encode("utf-8")
