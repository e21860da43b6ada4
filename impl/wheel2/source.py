"""A pypa ``installer`` wheel source that reads ``.whl`` and ``.whlx`` files.

Written by hand because no library does it: ``installer.sources.WheelFile`` opens archives
with the standard ``zipfile``, which on Python 3.11 cannot read Zstandard members (ZIP method
93), and knows no ``.whlx`` payload layout. This source opens archives with
``backports.zstd.zipfile`` (``zipfile`` itself from 3.14), checks every member name before
anything is read, and yields payload files through streams that stop at the size ``RECORD``
declares, so a lying archive cannot fill a disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import posixpath
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any, BinaryIO

from installer.sources import WheelSource
from installer.utils import SCHEME_NAMES, parse_metadata_file
from packaging.utils import canonicalize_name

from wheelnext.errors import InvalidMetadata, UnsafeArtifact
from wheelnext.filenames import WheelFilename, parse_wheel_name, short
from wheelnext.wheel2.digest import check_algorithm, digest_of, encode
from wheelnext.wheel2.layout import (
    CHUNK_RECORD_SUFFIX,
    CHUNK_SUFFIX,
    LAYOUT_FIELD,
    LEGACY_INDEX,
    Layout,
    chunk_name,
    chunk_record_name,
    parse_layout,
    payload_dir,
)
from wheelnext.wheel2.names import check_member_name, check_unique
from wheelnext.wheel2.tarstream import ByteSource, Frames, tar_members
from wheelnext.wheel_version import (
    SUPPORTED_WHEEL_VERSION,
    WheelVersion,
    check_agreement,
    check_before_install,
    check_compatible,
    wheel_file_version,
)

if sys.version_info >= (3, 14):
    import zipfile
else:
    from backports.zstd import zipfile

#: A member whose declared size exceeds its compressed size this many times is a zip bomb.
MAX_RATIO = 1000
#: Members smaller than this are never judged by ratio (tiny files compress very well).
RATIO_FLOOR = 1024 * 1024
#: The most uncompressed bytes one wheel may declare (RECORD sizes), 32 GiB.
MAX_TOTAL_BYTES = 32 * 1024**3
#: Files with these names in ``.dist-info`` need no hash in ``RECORD``.
UNHASHED = ("RECORD", "RECORD.jws", "RECORD.p7s")
_BUFSIZE = 1024 * 1024
#: The longest tar extended header (PAX record block or GNU long name/link) read into memory:
#: tarfile allocates whatever size the header declares before looking at it.
MAX_TAR_HEADER = 64 * 1024
#: The longest member path accepted (Linux's ``PATH_MAX``).
MAX_NAME_LENGTH = 4096
#: The largest ``.dist-info`` file (``METADATA``, ``RECORD``, ...), chunk record or ``INDEX`` read.
MAX_DIST_INFO_BYTES = 64 * 1024 * 1024

#: Called once per payload file: (path in the wheel, stream, executable bit).
FileHandler = Callable[[str, BinaryIO, bool], None]


class BoundedReader(io.RawIOBase):
    """A read-only stream that fails once more than *size* bytes come out of *raw*.

    Guards against members whose decompressed data is longer than ``RECORD`` declares (a zip
    bomb, or a ``.whlx`` payload that lies about its size).
    """

    def __init__(self, raw: IO[bytes], size: int, name: str) -> None:
        self._raw = raw
        self._left = size
        self._name = name

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """The raw stream's bytes as they come (no copy through :meth:`readinto`)."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_BUFSIZE), b""))
        data = self._raw.read(min(size, self._left + 1))
        if len(data) > self._left:
            raise UnsafeArtifact(f"{self._name}: longer than the size RECORD declares")
        self._left -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(min(len(view), self._left + 1))
        if len(data) > self._left:
            raise UnsafeArtifact(f"{self._name}: longer than the size RECORD declares")
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class RecordRow:
    """One ``RECORD`` line of the wheel: path, ``algo=digest`` (or empty) and size."""

    path: str
    hash: str
    size: int | None


class WheelArchive(WheelSource):
    """A ``.whl`` or ``.whlx`` opened for checking and installing.

    Opening checks member names (no ``..``, absolute paths, drive letters, duplicates), the
    single ``.dist-info`` directory, that PEP 777's metadata is stored uncompressed in a
    ``.whlx``, and compression ratios. :meth:`check_record` and :meth:`check_wheel_version`
    do the rest; :meth:`for_each_file` streams the payload.
    """

    validation_error = UnsafeArtifact

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_ratio: int = MAX_RATIO,
        max_total_bytes: int = MAX_TOTAL_BYTES,
    ) -> None:
        self.path = Path(path)
        self.label = self.path.name
        self.filename: WheelFilename = parse_wheel_name(self.path.name)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnsafeArtifact(f"{self.label}: not a readable ZIP archive ({exc})") from None
        self.max_ratio = max_ratio
        self.max_total_bytes = max_total_bytes
        self._lock = threading.Lock()
        try:
            self._infos = {info.filename: info for info in self._check_members()}
            dist_info = self.dist_info_dir
        except BaseException:
            self._zip.close()
            raise
        super().__init__(
            distribution=dist_info[: -len(".dist-info")].rpartition("-")[0],
            version=dist_info[: -len(".dist-info")].rpartition("-")[2],
        )

    @classmethod
    @contextmanager
    def open(cls, path: str | os.PathLike[str], **limits: int) -> Iterator[WheelArchive]:
        """Open *path*, closing it afterwards."""
        archive = cls(path, **limits)
        try:
            yield archive
        finally:
            archive.close()

    def close(self) -> None:
        self._zip.close()

    # -- structure -----------------------------------------------------------------------

    def _check_members(self) -> list[zipfile.ZipInfo]:
        infos = self._zip.infolist()
        names = [info.filename for info in infos]
        for name in names:
            if len(name) > MAX_NAME_LENGTH:
                raise UnsafeArtifact(f"{self.label}: member name {short(name)!r} is longer "
                                     f"than {MAX_NAME_LENGTH} characters")
            check_member_name(name, archive=self.label)
        check_unique([name.rstrip("/") for name in names], archive=self.label)
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > self.max_ratio * max(
                info.compress_size, 1
            ):
                raise UnsafeArtifact(
                    f"{self.label}: member {info.filename!r} expands {info.file_size} bytes "
                    f"from {info.compress_size} (ratio above {self.max_ratio}: zip bomb?)"
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeArtifact(
                    f"{self.label}: member {info.filename!r} is a symlink; links belong in LINKS"
                )
        return [info for info in infos if not info.is_dir()]

    @cached_property
    def dist_info_dir(self) -> str:
        tops = {name.split("/", 1)[0] for name in self._infos}
        found = sorted(top for top in tops if top.endswith(".dist-info"))
        if len(found) != 1:
            raise UnsafeArtifact(
                f"{self.label}: expected exactly one .dist-info directory, found {found}"
            )
        dist_info = found[0]
        stem = dist_info[: -len(".dist-info")]
        name, _, _version = stem.rpartition("-")
        if canonicalize_name(name) != self.filename.name:
            raise UnsafeArtifact(
                f"{self.label}: .dist-info directory {dist_info!r} does not match the filename"
            )
        return dist_info

    @property
    def dist_info_filenames(self) -> list[str]:
        prefix = self.dist_info_dir + "/"
        return [name[len(prefix) :] for name in self._infos if name.startswith(prefix)]

    def read_dist_info(self, filename: str) -> str:
        name = posixpath.join(self.dist_info_dir, filename)
        info = self._infos.get(name)
        if info is None:
            raise InvalidMetadata(f"{self.label}: no {name}")
        if info.file_size > MAX_DIST_INFO_BYTES:
            raise UnsafeArtifact(f"{self.label}: {name} declares {info.file_size} bytes, above "
                                 f"the limit of {MAX_DIST_INFO_BYTES}")
        data = self._read_member(info, info.file_size)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidMetadata(f"{self.label}: {name} is not UTF-8") from None

    def _read_member(self, info: zipfile.ZipInfo, size: int) -> bytes:
        with self._lock, self._zip.open(info) as raw:
            return BoundedReader(raw, size, f"{self.label}: {info.filename}").read()

    @cached_property
    def wheel_metadata(self) -> dict[str, str]:
        """The ``WHEEL`` file's fields (last value wins for repeated fields except Tag)."""
        message = parse_metadata_file(self.read_dist_info("WHEEL"))
        return {key: str(value) for key, value in message.items()}

    @cached_property
    def layout(self) -> Layout:
        value = self.wheel_metadata.get(LAYOUT_FIELD)
        layout = parse_layout(value, where=f"{self.label}: WHEEL")
        if not self.filename.is_wheel2 and value is not None:
            raise InvalidMetadata(f"{self.label}: {LAYOUT_FIELD} is only allowed in a .whlx")
        return layout

    @property
    def root_is_purelib(self) -> bool:
        return self.wheel_metadata.get("Root-Is-Purelib", "").strip().lower() == "true"

    def check_wheel_version(
        self, *, match: bool = True, abort: bool = True, warn: bool = True
    ) -> WheelVersion:
        """PEP 777 steps 1 and 2, plus the extension rule: Wheel-Version 2+ iff ``.whlx``.

        PEP 777: "this PEP proposes a change to the file extension of the wheel file format,
        from ``.whl`` to ``.whlx`` for all future wheel versions". *match*, *abort* and
        *warn* false skip step 1 (the WHEEL file's value is used), the abort on a newer major
        version and the warning on a newer minor one: only a knockout of the installer's rules
        (``wheelnext.install.rules``) asks for that.
        """
        wheel_text = self.read_dist_info("WHEEL")
        if match and abort and warn:
            version = check_before_install(
                wheel_text, self.read_dist_info("METADATA"), filename=self.label
            )
        else:
            version = (
                check_agreement(wheel_text, self.read_dist_info("METADATA"), filename=self.label)
                if match
                else wheel_file_version(wheel_text, where=f"{self.label}: WHEEL")
            )
            if abort if version.major > SUPPORTED_WHEEL_VERSION[0] else warn:
                check_compatible(version, filename=self.label)
        if self.filename.is_wheel2 and version.major < 2:
            raise InvalidMetadata(
                f"{self.label}: a .whlx must have Wheel-Version 2.0 or higher, not {version}"
            )
        if not self.filename.is_wheel2 and version.major >= 2:
            raise InvalidMetadata(
                f"{self.label}: Wheel-Version {version} requires the .whlx extension (PEP 777)"
            )
        if self.filename.is_wheel2:
            self._check_stored_metadata()
        return version

    def _check_stored_metadata(self) -> None:
        """PEP 777: the ``.dist-info`` directory "**MUST** be placed at the root of the archive
        without any compression"."""
        prefix = self.dist_info_dir + "/"
        for name, info in self._infos.items():
            if name.startswith(prefix) and info.compress_type != zipfile.ZIP_STORED:
                raise UnsafeArtifact(
                    f"{self.label}: {name} is compressed; PEP 777 requires .dist-info stored"
                )

    # -- RECORD --------------------------------------------------------------------------

    def _parse_record(self, text: str, where: str) -> dict[str, RecordRow]:
        """Rows of one ``RECORD`` text by path; malformed or duplicate rows raise.

        Recording installed projects: "The *size* is either the empty string, or file's size
        in bytes, as a base 10 integer" -- digits only, so ``+6``, `` 6`` or ``٦`` (which
        ``int`` takes) are refused by ``check``, ``convert`` and every installer alike.
        """
        rows: dict[str, RecordRow] = {}
        for number, row in enumerate(csv.reader(text.splitlines()), start=1):
            if not row:
                continue
            if len(row) != 3:
                raise UnsafeArtifact(f"{self.label}: {where} line {number} has {len(row)} fields")
            path, hash_, size = row
            check_member_name(path, archive=f"{self.label}: {where}")
            if path in rows:
                raise UnsafeArtifact(f"{self.label}: {where} lists {path!r} twice")
            if size and not (size.isascii() and size.isdigit()):
                raise UnsafeArtifact(f"{self.label}: {where} size of {path!r} is {size!r}, "
                                     "not a base 10 integer")
            size_value = int(size) if size else None
            if hash_ and "=" not in hash_:
                raise UnsafeArtifact(f"{self.label}: {where} hash of {path!r} is {hash_!r}")
            rows[path] = RecordRow(path, hash_, size_value)
        return rows

    @cached_property
    def _archive_record(self) -> dict[str, RecordRow]:
        """``.dist-info/RECORD`` as written: with chunk records, the ``.dist-info`` files and
        the payload members; without, every file."""
        return self._parse_record(self.read_dist_info("RECORD"), "RECORD")

    @cached_property
    def has_chunk_records(self) -> bool:
        """Whether the payload's rows live in chunk records (see :mod:`wheel2.layout`)."""
        return self.layout is not Layout.MEMBER and chunk_record_name(
            self.dist_info_dir, 0) in self._infos

    @cached_property
    def _chunk_records(self) -> tuple[dict[str, RecordRow], dict[str, int]]:
        """The payload files' rows from the chunk records, and each file's chunk number.

        Each chunk record must be listed in ``RECORD`` with its size and hash, and is checked
        against them here: it is the link from ``RECORD`` to every installed file's hash.
        """
        rows: dict[str, RecordRow] = {}
        chunk_of: dict[str, int] = {}
        prefix = self.dist_info_dir + "/"
        containers = self._payload_member_names()
        for number in range(len(self._chunk_members())):
            name = chunk_record_name(self.dist_info_dir, number)
            info = self._infos.get(name)
            if info is None:
                raise UnsafeArtifact(f"{self.label}: chunk {number:03d} has no {name}")
            listed = self._archive_record.get(name)
            if listed is None or not listed.hash or listed.size is None:
                raise UnsafeArtifact(f"{self.label}: RECORD has no hash or size for {name!r}")
            if info.file_size > MAX_DIST_INFO_BYTES or info.file_size != listed.size:
                raise UnsafeArtifact(f"{self.label}: {name} is {info.file_size} bytes, "
                                     f"RECORD says {listed.size}")
            data = self._read_member(info, info.file_size)
            algorithm, _, expected = listed.hash.partition("=")
            check_algorithm(algorithm, f"{self.label}: RECORD hash of {name!r}")
            if digest_of(algorithm, data) != expected:
                raise UnsafeArtifact(f"{self.label}: {name!r} does not match its RECORD hash")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise UnsafeArtifact(f"{self.label}: {name} is not UTF-8") from None
            where = name.rpartition("/")[2]
            for path, row in self._parse_record(text, where).items():
                if path in rows:
                    raise UnsafeArtifact(f"{self.label}: chunk records list {path!r} twice")
                if path.startswith(prefix) or path in containers:
                    raise UnsafeArtifact(f"{self.label}: {where} lists {path!r}, which is no "
                                         "payload file")
                rows[path] = row
                chunk_of[path] = number
        return rows, chunk_of

    @cached_property
    def record(self) -> dict[str, RecordRow]:
        """Every file's ``RECORD`` row by path: ``.dist-info/RECORD``'s, plus the chunk
        records' where the payload has them (the payload members' own rows left out)."""
        outer = self._archive_record
        if not self.has_chunk_records:
            return outer
        containers = self._payload_member_names()
        prefix = self.dist_info_dir + "/"
        rows = {path: row for path, row in outer.items() if path not in containers}
        for path in rows:
            if not path.startswith(prefix):
                raise UnsafeArtifact(f"{self.label}: RECORD lists {path!r}; a payload file "
                                     "belongs in its chunk record")
        inner, _ = self._chunk_records
        rows.update(inner)
        return rows

    def _chunk_members(self) -> list[str]:
        prefix = payload_dir(self.dist_info_dir) + "/"
        return sorted(name for name in self._infos
                      if name.startswith(prefix) and name.endswith(CHUNK_SUFFIX))

    def _needs_hash(self, path: str) -> bool:
        return path not in {f"{self.dist_info_dir}/{name}" for name in UNHASHED}

    def _payload_member_names(self) -> set[str]:
        if self.layout is Layout.MEMBER:
            return set()
        prefix = payload_dir(self.dist_info_dir) + "/"
        return {name for name in self._infos if name.startswith(prefix)}

    def check_record(self) -> None:
        """Every file listed once in ``RECORD`` with a hash and size, and nothing more.

        Binary distribution format: "``RECORD`` ... is a list of (almost) all the files in
        the wheel and their secure hashes". Hashes themselves are checked while installing.
        """
        rows = self.record
        total = 0
        data_prefix = self.data_dir + "/"
        for path, row in rows.items():
            if path.startswith(data_prefix):
                scheme, _, rest = path[len(data_prefix) :].partition("/")
                if scheme not in SCHEME_NAMES or not rest:
                    raise UnsafeArtifact(
                        f"{self.label}: {path!r} is not inside a valid .data subdirectory"
                    )
            if self._needs_hash(path):
                if not row.hash or row.size is None:
                    raise UnsafeArtifact(f"{self.label}: RECORD has no hash or size for {path!r}")
                total += row.size
        if total > self.max_total_bytes:
            raise UnsafeArtifact(
                f"{self.label}: RECORD declares {total} bytes, above the limit "
                f"{self.max_total_bytes}"
            )
        if self.layout is Layout.MEMBER:
            archived = set(self._infos)
        else:
            payload = self._payload_member_names()
            archived = {name for name in self._infos if name not in payload}
            chunks = {name for name in payload if name.endswith(CHUNK_SUFFIX)}
            expected = {chunk_name(self.dist_info_dir, i) for i in range(len(chunks))}
            if self.has_chunk_records:
                extra = {chunk_record_name(self.dist_info_dir, i) for i in range(len(chunks))}
                archived |= payload
                rows = self._archive_record
                for name in sorted(payload):
                    listed = rows.get(name)
                    if listed is None or not listed.hash or listed.size is None:
                        raise UnsafeArtifact(f"{self.label}: RECORD has no hash or size for "
                                             f"{name!r}")
            else:
                extra = {f"{payload_dir(self.dist_info_dir)}/{LEGACY_INDEX}"}
            if chunks != expected or not expected or not payload - chunks <= extra:
                raise UnsafeArtifact(f"{self.label}: payload members {sorted(payload)} are not "
                                     f"000{CHUNK_SUFFIX}, 001{CHUNK_SUFFIX}, ... and their "
                                     f"{CHUNK_RECORD_SUFFIX} (or INDEX)")
            for name in archived - payload:
                if not name.startswith(self.dist_info_dir + "/"):
                    raise UnsafeArtifact(
                        f"{self.label}: {name!r} lies outside the payload in a {self.layout} .whlx"
                    )
            if total > RATIO_FLOOR and total > self.max_ratio * self.path.stat().st_size:
                raise UnsafeArtifact(f"{self.label}: RECORD sizes exceed {self.max_ratio}x the "
                                     "archive size (zip bomb?)")
        for name in archived:
            if name not in rows:
                raise UnsafeArtifact(f"{self.label}: {name!r} is not listed in RECORD")
            row = rows[name]
            if row.size is not None and self._infos[name].file_size != row.size:
                raise UnsafeArtifact(
                    f"{self.label}: {name!r} is {self._infos[name].file_size} bytes in the "
                    f"archive but {row.size} in RECORD"
                )
        if self.layout is Layout.MEMBER:
            missing = sorted(set(rows) - archived)
            if missing:
                raise UnsafeArtifact(f"{self.label}: RECORD lists missing file {missing[0]!r}")

    # -- payload -------------------------------------------------------------------------

    @property
    def payload_paths(self) -> list[str]:
        """Paths of the files to install (RECORD order), without ``RECORD`` itself."""
        record_path = f"{self.dist_info_dir}/RECORD"
        return [path for path in self.record if path != record_path]

    def for_each_file(self, handle: FileHandler, *, workers: int = 1) -> set[str]:
        """Call *handle* once per payload file, on up to *workers* threads; return the paths.

        Each stream yields at most the ``RECORD`` size of its file and fails beyond it; the
        caller compares hashes. Files found in the archive but not in ``RECORD``, files listed
        twice and files missing from the archive raise :class:`UnsafeArtifact`.
        """
        self.check_record()
        if self.layout is Layout.MEMBER:
            return self._each_member(handle, workers)
        return self._each_chunk(handle, workers)

    def _each_member(self, handle: FileHandler, workers: int) -> set[str]:
        record_path = f"{self.dist_info_dir}/RECORD"
        names = [name for name in self._infos if name != record_path]

        def one(name: str, archive: zipfile.ZipFile) -> None:
            info = self._infos[name]
            executable = bool((info.external_attr >> 16) & 0o111)
            size = self.record[name].size or 0
            with archive.open(info) as raw:
                handle(name, BoundedReader(raw, size, f"{self.label}: {name}"), executable)  # type: ignore[arg-type]

        _parallel(self.path, names, one, workers, self._zip)
        return set(names)

    def _each_chunk(self, handle: FileHandler, workers: int) -> set[str]:
        # Chunks holding .py files first (the bytecode compiler starts on them while the rest
        # unpacks), then the largest: the thread that gets the biggest chunk (torch: one
        # 434 MB library) must start at once, or it alone finishes long after the others.
        python_chunks = {
            chunk_name(self.dist_info_dir, number)
            for path, number in self._chunk_index().items() if path.endswith(".py")
        }
        chunks = sorted(
            (name for name in self._payload_member_names() if name.endswith(".tar.zst")),
            key=lambda name: (name not in python_chunks, -self._infos[name].compress_size, name),
        )
        seen: set[str] = set()
        seen_lock = threading.Lock()

        def one(name: str, archive: zipfile.ZipFile) -> None:
            listed = self._archive_record.get(name) if self.has_chunk_records else None
            with archive.open(self._infos[name]) as opened:
                raw: ByteSource = opened
                if listed is not None:
                    raw = _HashingReader(opened, listed.hash, f"{self.label}: {name!r}")
                for path, stream, executable in self._tar_files(raw, name):
                    with seen_lock:
                        if path in seen:
                            raise UnsafeArtifact(f"{self.label}: {path!r} appears twice in the "
                                                 "payload")
                        seen.add(path)
                    handle(path, stream, executable)
                if isinstance(raw, _HashingReader):
                    raw.verify()

        record_path = f"{self.dist_info_dir}/RECORD"
        for name, info in self._infos.items():
            if name.startswith(self.dist_info_dir + "/") and name != record_path:
                with self._zip.open(info) as raw:
                    size = self.record[name].size or 0
                    reader = BoundedReader(raw, size, f"{self.label}: {name}")
                    handle(name, reader, False)  # type: ignore[arg-type]
                seen.add(name)
        _parallel(self.path, chunks, one, workers, self._zip)
        missing = sorted(set(self.payload_paths) - seen - set(self._infos))
        if missing:
            raise UnsafeArtifact(f"{self.label}: RECORD lists missing file {missing[0]!r}")
        return seen

    def _tar_files(
        self, raw: ByteSource, chunk: str
    ) -> Iterator[tuple[str, BinaryIO, bool]]:
        """The regular files of one ``.tar.zst`` chunk; anything else is refused."""
        where = f"{self.label}: {chunk}"
        chunk_of = self._chunk_records[1] if self.has_chunk_records else None
        number = int(chunk.rpartition("/")[2][: -len(CHUNK_SUFFIX)])
        frames = Frames(raw, where)
        for name, size, executable, reader in tar_members(
            frames, where, max_header=MAX_TAR_HEADER, max_name=MAX_NAME_LENGTH
        ):
            path = check_member_name(name, archive=where)
            if path.startswith(self.dist_info_dir + "/"):
                raise UnsafeArtifact(f"{where}: {path!r} belongs at the archive root")
            row = self.record.get(path)
            if row is None:
                raise UnsafeArtifact(f"{where}: {path!r} is not listed in RECORD")
            if size != row.size:
                raise UnsafeArtifact(f"{where}: {path!r} claims {size} bytes, RECORD {row.size}")
            if chunk_of is not None and chunk_of[path] != number:
                raise UnsafeArtifact(f"{where}: {path!r} is listed in the record of chunk "
                                     f"{chunk_of[path]:03d}")
            yield path, reader, executable  # type: ignore[misc]

    def get_contents(self) -> Iterator[tuple[tuple[str, str, str], BinaryIO, bool]]:
        """``installer``'s protocol: (RECORD elements, stream, executable), in one thread.

        Streams are read into memory one file at a time because the solid layouts cannot hand
        out streams that outlive the iteration step.
        """
        items: list[tuple[str, bytes, bool]] = []

        def keep(path: str, stream: BinaryIO, executable: bool) -> None:
            items.append((path, stream.read(), executable))

        self.for_each_file(keep)
        for path, data, executable in items:
            row = self.record[path]
            yield (path, row.hash, str(row.size or "")), io.BytesIO(data), executable

    def read_file(self, path: str) -> bytes:
        """One payload file's bytes, without unpacking the others (as far as the layout allows).

        ``member``: one ZIP member. ``chunked``/``solid``: the chunk whose record lists the
        file (or, in older archives, that ``INDEX`` names) is decompressed up to the file.
        """
        row = self.record.get(path)
        if row is None:
            raise UnsafeArtifact(f"{self.label}: {path!r} is not listed in RECORD")
        if self.layout is Layout.MEMBER or path.startswith(self.dist_info_dir + "/"):
            info = self._infos.get(path)
            if info is None:
                raise UnsafeArtifact(f"{self.label}: {path!r} is not in the archive")
            return self._read_member(info, row.size or 0)
        chunk = chunk_name(self.dist_info_dir, self._chunk_index().get(path, 0))
        with self._lock, self._zip.open(self._infos[chunk]) as raw:
            for found, stream, _ in self._tar_files(raw, chunk):
                if found == path:
                    return stream.read()
        raise UnsafeArtifact(f"{self.label}: {path!r} is not in the payload")

    def _chunk_index(self) -> dict[str, int]:
        """Each payload file's chunk number: from the chunk records, or the legacy INDEX."""
        if self.has_chunk_records:
            return self._chunk_records[1]
        name = f"{payload_dir(self.dist_info_dir)}/{LEGACY_INDEX}"
        info = self._infos.get(name)
        if info is None:
            return {}
        if info.file_size > MAX_DIST_INFO_BYTES:
            raise UnsafeArtifact(f"{self.label}: {name} declares {info.file_size} bytes, above "
                                 f"the limit of {MAX_DIST_INFO_BYTES}")
        text = self._read_member(info, info.file_size).decode("utf-8", "replace")
        index: dict[str, int] = {}
        for line in text.splitlines():
            number, _, path = line.partition(" ")
            if number.isdigit():
                index[path] = int(number)
        return index


class _HashingReader:
    """A payload member read through a hash, in the same pass as its decompression, so the
    chunk's ``RECORD`` hash costs no second read."""

    def __init__(self, raw: IO[bytes], listed: str, where: str) -> None:
        algorithm, _, self._expected = listed.partition("=")
        check_algorithm(algorithm, where)
        self._raw = raw
        self._hasher = hashlib.new(algorithm)
        self._where = where

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hasher.update(data)
        return data

    def verify(self) -> None:
        """Read what the tar reader left (end-of-archive padding) and compare the hash."""
        while self.read(_BUFSIZE):
            pass
        if encode(self._hasher.digest()) != self._expected:
            raise UnsafeArtifact(f"{self._where} does not match its RECORD hash")


def _parallel(
    path: Path,
    items: list[str],
    work: Callable[[str, zipfile.ZipFile], None],
    workers: int,
    shared: zipfile.ZipFile,
) -> None:
    """Run *work* over *items*; each thread opens its own handle on the ZIP file."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            work(item, shared)
        return
    local = threading.local()
    handles: list[zipfile.ZipFile] = []
    handles_lock = threading.Lock()

    def run(item: str) -> None:
        archive = getattr(local, "zip", None)
        if archive is None:
            archive = zipfile.ZipFile(path)
            local.zip = archive
            with handles_lock:
                handles.append(archive)
        work(item, archive)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(run, item) for item in items]:
                future.result()
    finally:
        for handle in handles:
            handle.close()
