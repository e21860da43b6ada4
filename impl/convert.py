"""Convert a Wheel 1.x ``.whl`` into the Wheel 2.0 prototype ``.whlx``.

The payload is copied byte for byte (each file's hash checked against the source ``RECORD``
on the way), ``WHEEL`` and ``METADATA`` get ``Wheel-Version: 2.0`` (PEP 777: "for wheels of
version 2 or higher, the metadata file **MUST** include ``Wheel-Version``"), ``WHEEL`` names
the payload layout, and ``RECORD`` is rewritten. The filename keeps its tags: see
``docs/spec-notes/pep777-zstd-python-tag.rst`` for why a ``cp311`` wheel stays ``cp311``.

With ``dedupe_links``, identical shared libraries that follow the soname / real-name /
linker-name pattern (``libfoo.so.1.2.3``, ``libfoo.so.1``, ``libfoo.so``) in one folder keep
one real file; the others become PEP 778 (deferred) ``LINKS`` rows, which need Wheel 2.0.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from wheelnext.errors import InvalidMetadata, UnsafeArtifact
from wheelnext.filenames import WheelFilename
from wheelnext.links import Link, format_links, validate_links
from wheelnext.wheel2.damaged import damaged_archive
from wheelnext.wheel2.digest import allowed, encode
from wheelnext.wheel2.layout import DEFAULT_CHUNK_BYTES, DEFAULT_LAYOUT, DEFAULT_LEVEL, Layout
from wheelnext.wheel2.source import WheelArchive
from wheelnext.wheel2.writer import Compression, PayloadFile, set_wheel_field, write_whlx

#: PEP 777 leaves the Wheel 2.0 contents to a future PEP; our prototype is 2.0.
TARGET_WHEEL_VERSION = "2.0"
#: ``libname.so`` optionally followed by ``.N`` version parts (ELF naming convention).
_SONAME_RE = re.compile(r"^(?P<stem>.+?\.so)(?P<version>(\.\d+)*)$")


class ConversionError(InvalidMetadata):
    """The input cannot be converted (already Wheel 2.0, say)."""


@dataclass
class ConversionResult:
    """The written file and what the conversion did."""

    output: Path
    input_bytes: int
    output_bytes: int
    files: int
    links: list[Link] = field(default_factory=list)
    bytes_saved_by_links: int = 0

    @property
    def ratio(self) -> float:
        return self.output_bytes / self.input_bytes if self.input_bytes else 0.0


def output_name(parsed: WheelFilename, original: str) -> str:
    """``name-1.0-cp311-cp311-linux_x86_64.whl`` -> ``...linux_x86_64.whlx``; tags unchanged."""
    return original[: -len(parsed.extension)] + ".whlx"


def shared_library_links(paths_and_hashes: dict[str, str]) -> list[Link]:
    """Identical ``lib*.so[.N...]`` files in one folder: the longest name stays the real file,
    each shorter name links to the next longer one (``libfoo.so`` -> ``libfoo.so.1`` ->
    ``libfoo.so.1.2.3``), as ``ldconfig`` lays them out."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for path, digest in paths_and_hashes.items():
        folder, _, name = path.rpartition("/")
        match = _SONAME_RE.match(name)
        if folder and match:
            groups[(folder, match.group("stem"), digest)].append(path)
    links: list[Link] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda p: (len(p), p))
        links.extend(Link(path, target) for path, target in itertools.pairwise(ordered))
    return sorted(links, key=lambda link: link.path)


def _with_wheel_version(text: bytes, where: str) -> bytes:
    try:
        return set_wheel_field(text, "Wheel-Version", TARGET_WHEEL_VERSION)
    except UnicodeDecodeError:
        raise ConversionError(f"{where} is not UTF-8") from None


def convert_wheel(
    wheel: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    level: int = DEFAULT_LEVEL,
    layout: Layout = DEFAULT_LAYOUT,
    dedupe_links: bool = False,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> ConversionResult:
    """Write the ``.whlx`` form of *wheel* into *out_dir* and return what happened.

    The source is checked as strictly as an install (names, RECORD, hashes); its payload is
    spooled to a temporary folder once, so each file is decompressed from the source once.
    """
    source = Path(wheel)
    out = Path(out_dir)
    with damaged_archive(source.name), WheelArchive.open(source) as archive:
        version = archive.check_wheel_version()
        if version.major >= 2 or archive.filename.is_wheel2:
            raise ConversionError(f"{archive.label}: already Wheel-Version {version}")
        archive.check_record()
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".wheelnext-convert-", dir=out) as spool:
            return _convert(archive, source, out, Path(spool), level=level, layout=layout,
                            dedupe_links=dedupe_links, workers=workers, progress=progress,
                            chunk_bytes=chunk_bytes)


def _convert(
    archive: WheelArchive,
    source: Path,
    out: Path,
    spool: Path,
    *,
    level: int,
    layout: Layout,
    dedupe_links: bool,
    workers: int,
    progress: Callable[[int], None] | None,
    chunk_bytes: int,
) -> ConversionResult:
    """The conversion proper, once the source passed its checks; *spool* is a scratch folder."""
    dist_info_dir = archive.dist_info_dir
    prefix = dist_info_dir + "/"
    spooled: dict[str, tuple[Path, bool, int, str]] = {}
    hashes: dict[str, str] = {}
    counter = iter(range(sys.maxsize))

    def spool_file(path: str, stream: BinaryIO, executable: bool) -> None:
        row = archive.record[path]
        algorithm, _, expected = row.hash.partition("=")
        if not allowed(algorithm):
            raise UnsafeArtifact(f"{archive.label}: {path!r}: RECORD hash {algorithm!r} is "
                                 "not allowed (sha256 or stronger)")
        hasher = hashlib.new(algorithm)
        target = spool / f"{next(counter)}"
        size = 0
        with open(target, "wb") as handle:
            while block := stream.read(1 << 20):
                hasher.update(block)
                handle.write(block)
                size += len(block)
        got = encode(hasher.digest())
        if got != expected:
            raise UnsafeArtifact(f"{archive.label}: {path!r} does not match its RECORD hash")
        if size != row.size:
            # Binary distribution format: RECORD gives each file's "size"; a copy that keeps
            # a wrong size would pass on a defect that ``wheel check`` reports.
            raise UnsafeArtifact(f"{archive.label}: {path!r} is {size} bytes, RECORD says "
                                 f"{row.size}")
        spooled[path] = (target, executable, size, row.hash)
        hashes[path] = row.hash
        if progress is not None:
            progress(size)

    archive.for_each_file(spool_file)
    dist_info: dict[str, bytes] = {}
    for path in list(spooled):
        if path.startswith(prefix):
            name = path[len(prefix) :]
            if name != "RECORD":
                dist_info[name] = Path(spooled[path][0]).read_bytes()
            del spooled[path]
    dist_info["WHEEL"] = _with_wheel_version(dist_info["WHEEL"], f"{archive.label}: WHEEL")
    dist_info["METADATA"] = _with_wheel_version(
        dist_info["METADATA"], f"{archive.label}: METADATA"
    )
    for name in ("RECORD.jws", "RECORD.p7s"):
        dist_info.pop(name, None)  # signatures over the old RECORD no longer hold

    links: list[Link] = []
    saved = 0
    if dedupe_links:
        links = shared_library_links(
            {p: h for p, h in hashes.items() if not p.startswith(prefix)}
        )
        if links:
            for link in links:
                saved += spooled[link.path][2]
                del spooled[link.path]
            validate_links(links, list(spooled), source=f"{archive.label}: LINKS")
            dist_info["LINKS"] = format_links(links)

    def opener(spool_path: Path) -> Callable[[], BinaryIO]:
        return lambda: open(spool_path, "rb")

    payload = [
        PayloadFile(path, digest, size, executable, opener(spool_path))
        for path, (spool_path, executable, size, digest) in spooled.items()
    ]
    target = out / output_name(archive.filename, source.name)
    write_whlx(
        target,
        dist_info_dir=dist_info_dir,
        dist_info=dist_info,
        payload=payload,
        layout=layout,
        compression=Compression(level=level, workers=workers),
        chunk_bytes=chunk_bytes,
    )
    return ConversionResult(
        output=target,
    input_bytes=source.stat().st_size,
    output_bytes=target.stat().st_size,
    files=len(payload),
    links=links,
    bytes_saved_by_links=saved,
    )
