"""``wheelnext wheel check``: every problem of a wheel file, one line each.

Names (binary distribution format and PEP 825 labels), member safety, ``RECORD`` (each
file's hash and size recomputed), PEP 777 ``Wheel-Version`` agreement and extension rule,
PEP 778 ``LINKS`` safety, and ``variant.json`` validity (PEP 817/825 schema, through
``wheelnext.variants.schema``). Unlike installing, checking goes on after the first problem
where it can, so one run lists them all.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import BinaryIO

from wheelnext.entry_points import scripts_of
from wheelnext.errors import WheelnextError
from wheelnext.links import NAME_MAX, parse_links, root_layout, validate_links
from wheelnext.wheel2.damaged import ARCHIVE_DAMAGE, damage_message
from wheelnext.wheel2.digest import allowed, encode
from wheelnext.wheel2.names import MAX_PATH_PARTS
from wheelnext.wheel2.source import WheelArchive


def _digest(algorithm: str, stream: BinaryIO) -> tuple[str, int]:
    hasher = hashlib.new(algorithm)
    size = 0
    while block := stream.read(1 << 20):
        hasher.update(block)
        size += len(block)
    return encode(hasher.digest()), size


def check_wheel(path: str | os.PathLike[str]) -> list[str]:
    """All problems found in the wheel at *path*; an empty list means it passed."""
    label = Path(path).name
    try:
        archive = WheelArchive(path)
    except (WheelnextError, OSError) as exc:
        return [str(exc) if isinstance(exc, WheelnextError) else f"{label}: {exc}"]
    except ARCHIVE_DAMAGE as exc:
        return [damage_message(label, exc)]
    problems: list[str] = []
    try:
        major = 1
        try:
            major = archive.check_wheel_version().major
        except WheelnextError as exc:
            problems.append(str(exc))
        try:
            archive.check_record()
            files: list[str] = []

            def verify(name: str, stream: BinaryIO, executable: bool) -> None:
                row = archive.record[name]
                algorithm, _, expected = row.hash.partition("=")
                if not allowed(algorithm):
                    problems.append(f"{label}: {name!r}: hash {algorithm!r} is not allowed")
                    return
                got, size = _digest(algorithm, stream)
                if got != expected or size != row.size:
                    problems.append(f"{label}: {name!r} does not match its RECORD entry")
                files.append(name)

            archive.for_each_file(verify)
        except WheelnextError as exc:
            problems.append(str(exc))
        except ARCHIVE_DAMAGE as exc:
            problems.append(damage_message(label, exc))
        problems.extend(_layout_problems(archive, label))
        names = archive.dist_info_filenames
        if "LINKS" in names:
            try:
                if major < 2:
                    problems.append(f"{label}: LINKS needs Wheel-Version 2.0 or higher (PEP 778)")
                links = parse_links(archive.read_dist_info("LINKS"), source=f"{label}: LINKS")
                root_files, occupied = root_layout(archive.payload_paths, archive.data_dir)
                validate_links(links, root_files, source=f"{label}: LINKS", occupied=occupied)
            except WheelnextError as exc:
                problems.append(str(exc))
        if "entry_points.txt" in names:
            try:
                scripts_of(archive.read_dist_info("entry_points.txt"),
                           source=f"{label}: entry_points.txt")
            except WheelnextError as exc:
                problems.append(str(exc))
        if "variant.json" in names:
            problems.extend(_variant_problems(archive, label))
        if "native-libraries.json" in names:
            problems.extend(_native_library_problems(archive, label))
    except WheelnextError as exc:
        # A RECORD that cannot be read (a broken chunk record) stops the checks that need the
        # list of files; it was reported once already where RECORD was first read.
        if str(exc) not in problems:
            problems.append(str(exc))
    except ARCHIVE_DAMAGE as exc:
        problems.append(damage_message(label, exc))
    finally:
        archive.close()
    return problems


def _layout_problems(archive: WheelArchive, label: str) -> list[str]:
    """Paths no file system can hold as given: one name both a file and a folder (after
    ``.data/purelib`` and ``.data/platlib`` join the root), or a name over 255 bytes."""
    data_prefix = archive.data_dir + "/"
    placed = set()
    for path in archive.payload_paths:
        for scheme in ("purelib/", "platlib/"):
            if path.startswith(data_prefix + scheme):
                path = path[len(data_prefix + scheme):]
        placed.add(path)
    problems = []
    for path in sorted(placed):
        parts = path.split("/")
        folders = ("/".join(parts[:end]) for end in range(1, len(parts)))
        clash = next((folder for folder in folders if folder in placed), None)
        if clash is not None:
            problems.append(f"{label}: {clash!r} is both a file and the folder of {path!r}")
        if len(parts) > MAX_PATH_PARTS:
            problems.append(f"{label}: {path[:80]!r}...: deeper than {MAX_PATH_PARTS} folders")
        if any(len(part.encode("utf-8")) > NAME_MAX for part in parts):
            problems.append(f"{label}: {path[:80]!r}...: a name longer than {NAME_MAX} bytes")
    return problems


def _native_library_problems(archive: WheelArchive, label: str) -> list[str]:
    """Extension (no PEP): a ``native-libraries.json`` must parse, and each library it
    declares must be a file this wheel installs (see :mod:`wheelnext.native_libraries`)."""
    from wheelnext.native_libraries import FILENAME, parse_declaration

    source = f"{label}: {FILENAME}"
    try:
        text = archive.read_dist_info(FILENAME)
        libraries = parse_declaration(text.encode("utf-8"), source=source)
    except WheelnextError as exc:
        return [str(exc)]
    installed = set()
    for path in archive.payload_paths:
        for scheme in ("purelib/", "platlib/"):
            if path.startswith(f"{archive.data_dir}/{scheme}"):
                path = path[len(archive.data_dir) + 1 + len(scheme):]
        installed.add(path)
    return [f"{source}: library {library.name!r}: {library.path!r} is not a file of this wheel"
            for library in libraries if library.path not in installed]


def _variant_problems(archive: WheelArchive, label: str) -> list[str]:
    try:
        from wheelnext.variants.schema import validate_variant_json
    except ImportError:  # the variants package is another component; absent means unchecked
        return []
    source = f"{label}: variant.json"
    try:
        document = json.loads(archive.read_dist_info("variant.json"))
        validate_variant_json(document, source=source)
    except json.JSONDecodeError as exc:
        return [f"{source}: not JSON ({exc.msg}, line {exc.lineno})"]
    except WheelnextError as exc:
        return [str(exc)]
    return []
