"""What the index knows about one distribution file: hashes, size, core metadata.

Reading a wheel's ``METADATA`` once gives the PEP 658 metadata file, its hash
(PEP 714 ``core-metadata``) and ``Requires-Python``; reading its
``variant.json`` gives the PEP 825 variant metadata. Results are cached per
file, keyed by inode, size and modification time, so a file replaced on disk
is read again.
"""

from __future__ import annotations

import email.parser
import hashlib
import logging
import lzma
import os
import sys
import tarfile
import threading
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wheelnext.filenames import escape_name, parse_wheel_name
from wheelnext.index import core_metadata
from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.jsonio import loads_strict
from wheelnext.variants.schema import validate_variant_json

if sys.version_info >= (3, 14):  # Wheel 2.0 prototypes compress members with Zstandard.
    import zipfile

    from compression import zstd
else:
    from backports import zstd
    from backports.zstd import zipfile

logger = logging.getLogger("wheelnext.index")

#: A METADATA or variant.json larger than this is treated as absent: the index
#: must not be made to inflate a zip bomb just to list a file.
MAX_MEMBER_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileDetails:
    """The facts about one distribution file that the simple API exposes."""

    filename: str
    size: int
    sha256: str
    #: ``upload-time`` (PEP 700): the file's modification time, in UTC.
    mtime: float
    requires_python: str | None
    #: The PEP 658 core metadata file, exactly as stored in the wheel.
    core_metadata: bytes | None
    #: The parsed ``*.dist-info/variant.json`` of a variant wheel (PEP 825).
    variant_metadata: dict[str, Any] | None
    #: Why the wheel's variant metadata could not be used, if it could not.
    variant_error: str | None = None
    #: Why the wheel cannot be listed at all (its metadata members cannot be read).
    error: str | None = None
    #: Why an sdist's ``PKG-INFO`` breaks PEP 777 (the ``sdist-validation`` feature refuses it).
    sdist_error: str | None = None

    @property
    def core_metadata_sha256(self) -> str | None:
        if self.core_metadata is None:
            return None
        return hashlib.sha256(self.core_metadata).hexdigest()

    @property
    def rebuilt_core_metadata(self) -> bytes | None:
        """What the ``metadata-verbatim`` knockout serves (:mod:`wheelnext.index.core_metadata`)."""
        return None if self.core_metadata is None else core_metadata.rebuilt(self.core_metadata)

    @property
    def rebuilt_core_metadata_sha256(self) -> str | None:
        rebuilt = self.rebuilt_core_metadata
        return None if rebuilt is None else hashlib.sha256(rebuilt).hexdigest()

    @property
    def upload_time(self) -> str:
        """PEP 700 format ``yyyy-mm-ddThh:mm:ss.ffffffZ``."""
        return datetime.fromtimestamp(self.mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dist_info_member(names: list[str], filename: str, leaf: str) -> str | None:
    """The ``{name}-{version}.dist-info/{leaf}`` member at the archive root.

    The binary distribution format names the directory after the escaped name
    and version; a wheel that uses another spelling but has exactly one
    ``.dist-info`` directory is still read, as installers do.
    """
    candidates = [
        name
        for name in names
        if name.count("/") == 1 and name.endswith(f".dist-info/{leaf}")
    ]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    parsed = parse_wheel_name(filename)
    wanted = f"{escape_name(parsed.name)}-{parsed.version}.dist-info/{leaf}".lower()
    for name in candidates:
        if name.lower() == wanted:
            return name
    return None


def _read_member(archive: zipfile.ZipFile, member: str | None) -> bytes | None:
    if member is None:
        return None
    info = archive.getinfo(member)
    if info.file_size > MAX_MEMBER_SIZE:
        return None
    with archive.open(info) as stream:
        data = stream.read(MAX_MEMBER_SIZE + 1)
    return data if len(data) <= MAX_MEMBER_SIZE else None


def read_details(path: Path, stat: os.stat_result) -> FileDetails:
    """Hash *path* and, for a wheel, read its core and variant metadata."""
    filename = path.name
    core: bytes | None = None
    variant: dict[str, Any] | None = None
    variant_error: str | None = None
    requires_python: str | None = None
    error: str | None = None
    wheel = None
    if filename.endswith((".whl", ".whlx")):
        wheel = parse_wheel_name(filename)
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                core = _read_member(archive, _dist_info_member(names, filename, "METADATA"))
                if wheel.is_variant:
                    raw = _read_member(archive, _dist_info_member(names, filename, "variant.json"))
                    if raw is None:
                        variant_error = "no *.dist-info/variant.json"
                    else:
                        try:
                            variant = loads_strict(raw, "variant.json")
                        except InvalidVariantMetadata as exc:
                            variant_error = f"unreadable {exc}"
        except (zipfile.BadZipFile, zlib.error, zstd.ZstdError, lzma.LZMAError, OSError,
                ValueError, RuntimeError, EOFError, NotImplementedError) as exc:
            # A member that cannot be inflated makes the wheel unlistable, not the page:
            # the simple API must keep answering for the project's other files.
            logger.warning("%s: cannot read wheel metadata: %s", path, exc)
            error = f"cannot read wheel metadata ({exc})"
    if wheel is not None and wheel.is_variant and variant is not None:
        variant_error = _check_variant_json(variant, filename, wheel.variant_label)
        if variant_error is not None:
            variant = None
    sdist_error = _sdist_error(path) if filename.endswith(".tar.gz") else None
    if core is not None:
        header = email.parser.BytesHeaderParser().parsebytes(core)
        value = header.get("Requires-Python")
        requires_python = str(value).strip() if value is not None else None
    return FileDetails(
        filename=filename,
        size=stat.st_size,
        sha256=sha256_of(path),
        mtime=stat.st_mtime,
        requires_python=requires_python,
        core_metadata=core,
        variant_metadata=variant,
        variant_error=variant_error,
        error=error,
        sdist_error=sdist_error,
    )


def _sdist_error(path: Path) -> str | None:
    """Why the ``.tar.gz`` sdist at *path* carries metadata PEP 777 forbids, or None.

    PEP 777: "``Wheel-Version`` **MUST NOT** be included in source distribution metadata
    (``PKG-INFO``) files. If a tool encounters ``Wheel-Version`` inside of a source
    distribution metadata file, it **SHOULD** raise an error." The file is the top folder's
    ``PKG-INFO`` (source distribution format); an unreadable sdist is served as it is.
    """
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = next((m for m in archive if m.isfile() and m.name.count("/") == 1
                           and m.name.endswith("/PKG-INFO")), None)
            stream = None if member is None or member.size > MAX_MEMBER_SIZE else (
                archive.extractfile(member))
            raw = b"" if stream is None else stream.read(MAX_MEMBER_SIZE)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        logger.warning("%s: cannot read PKG-INFO: %s", path, exc)
        return None
    if "Wheel-Version" in email.parser.BytesHeaderParser().parsebytes(raw):
        return "PKG-INFO carries Wheel-Version, which source distribution metadata MUST NOT"
    return None


def _check_variant_json(data: object, filename: str, label: str | None) -> str | None:
    """Why a wheel's ``variant.json`` cannot be used, or None.

    PEP 825 "Variants": "In an individual variant wheel ... it MUST contain
    exactly one entry, whose key is the variant label present in that wheel's
    filename". Schema checks are the variants package's.
    """
    if not isinstance(data, dict):
        return "variant.json is not a JSON object"
    try:
        validate_variant_json(data, source=f"{filename}: variant.json", kind="wheel", strict=False)
    except InvalidVariantMetadata as exc:
        return str(exc)
    if list(data.get("variants", {})) != [label]:
        return f"variant.json 'variants' must hold exactly the label {label!r}"
    return None


class DetailsCache:
    """Per-file :class:`FileDetails`, recomputed when the file changes on disk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[tuple[int, int, int], FileDetails]] = {}

    def get(self, path: Path) -> FileDetails | None:
        """Details of *path*, or None if it vanished meanwhile."""
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._entries.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        details = read_details(path, stat)
        with self._lock:
            self._entries[path] = (key, details)
        return details
