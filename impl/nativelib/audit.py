"""``wheelnext nativelib audit``: the bytes that copies of one native library cost
(extension: no PEP covers native libraries).

Wheels cannot depend on one another's native code today, so each wheel vendors the libraries
it links against (auditwheel's ``{project}.libs/``), and an environment holds the same
library several times. This module finds every shared library under the given roots (a
``site-packages`` folder, a ``--target`` folder) or in the given wheel files, attributes it
to the distribution whose ``RECORD`` lists it (or whose wheel holds it), and groups the
copies by upstream library (:func:`wheelnext.nativelib.names.family`). For each group it
reports three readings of "the bytes sharing would save", each at least the one before:

``identical``
    keep one file of each content (byte-identical copies, by SHA-256);
``same_soname``
    keep one file per upstream soname, ``lib{name}.so.{major}`` (different builds of
    ``libgfortran.so.5``);
``same_family``
    keep one file per upstream library (OpenBLAS LP64 and ILP64 served by one build).

Extension modules (``*.cpython-*.so``, ``*.abi3.so``) are not libraries another object links
against and are left out; symbolic links and further hard links of a counted file cost no
bytes and are left out too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib.metadata import distributions
from pathlib import Path
from typing import BinaryIO

from wheelnext.errors import WheelnextError
from wheelnext.nativelib import names
from wheelnext.nativelib.elf import NotElf, is_elf, read_dynamic_file

#: The distribution reported for a library no ``RECORD`` lists.
UNOWNED = "(no distribution)"


@dataclass(frozen=True)
class LibraryCopy:
    """One shared library file on disk."""

    path: str
    distribution: str
    soname: str
    upstream: str
    family: str
    version: str | None
    size: int
    sha256: str


@dataclass(frozen=True)
class LibraryGroup:
    """Every copy of one upstream library, and what keeping fewer would save."""

    family: str
    copies: tuple[LibraryCopy, ...]

    @property
    def bytes(self) -> int:
        return sum(copy.size for copy in self.copies)

    @property
    def distributions(self) -> tuple[str, ...]:
        return tuple(sorted({copy.distribution for copy in self.copies}))

    @property
    def sonames(self) -> tuple[str, ...]:
        return tuple(sorted({names.soname_key(copy.upstream) for copy in self.copies}))

    def savings(self) -> dict[str, int]:
        """Bytes saved by keeping one copy per content, per soname, per library."""
        by_content = {copy.sha256: copy.size for copy in self.copies}
        by_soname: dict[str, int] = {}
        for copy in self.copies:
            key = names.soname_key(copy.upstream)
            by_soname[key] = max(by_soname.get(key, 0), copy.size)
        total = self.bytes
        return {
            "identical": total - sum(by_content.values()),
            "same_soname": total - sum(by_soname.values()),
            "same_family": total - max(copy.size for copy in self.copies),
        }


def _sha256(path: str) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            hasher.update(block)
    return hasher.hexdigest()


def _owners(root: Path) -> dict[str, str]:
    """Real path of each file a distribution's ``RECORD`` lists -> that distribution's name."""
    owners: dict[str, str] = {}
    for dist in distributions(path=[str(root)]):
        name = dist.metadata["Name"] or dist.name
        for file in dist.files or ():
            located = Path(str(dist.locate_file(file)))
            owners.setdefault(os.path.realpath(located), name)
    return owners


def _candidates(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        in_libs = folder.endswith(".libs")
        for name in sorted(files):
            if in_libs or names.looks_like_shared_object(name):
                yield Path(folder, name)


#: Wheel file name endings :func:`scan` reads as wheels rather than folders.
WHEEL_SUFFIXES = (".whl", ".whlx")


def _installed_path(member: str, data_dir: str) -> str:
    for scheme in ("purelib/", "platlib/"):
        if member.startswith(f"{data_dir}/{scheme}"):
            return member[len(data_dir) + 1 + len(scheme):]
    return member


def scan_wheel(path: str | os.PathLike[str]) -> list[LibraryCopy]:
    """Every shared library in the wheel at *path*, read through the project's checked
    archive reader (member names, zip-bomb ratio, ``RECORD`` sizes); each candidate is
    copied to a private scratch file under a fixed name, never under its member path."""
    from wheelnext.wheel2.damaged import ARCHIVE_DAMAGE, damage_message
    from wheelnext.wheel2.layout import Layout
    from wheelnext.wheel2.source import WheelArchive

    label = Path(path).name
    copies: list[LibraryCopy] = []
    try:
        with WheelArchive.open(path) as archive, \
                tempfile.TemporaryDirectory(prefix="wheelnext-nativelib-") as scratch:
            data_dir = archive.data_dir
            metadata = HeaderParser().parsestr(archive.read_dist_info("METADATA"))
            distribution = metadata["Name"] or archive.distribution
            scratch_file = Path(scratch, "member")

            def handle(name: str, stream: BinaryIO, executable: bool) -> None:
                installed = _installed_path(name, data_dir)
                folder, _, base = installed.rpartition("/")
                if not (folder.endswith(".libs") or names.looks_like_shared_object(base)):
                    if archive.layout is not Layout.MEMBER:
                        shutil.copyfileobj(stream, _Discard())
                    return
                hasher = hashlib.sha256()
                size = 0
                with open(scratch_file, "wb") as target:
                    while block := stream.read(1 << 20):
                        hasher.update(block)
                        size += len(block)
                        target.write(block)
                copy = _library(scratch_file, folder.endswith(".libs"))
                if copy is not None:
                    soname, upstream = copy
                    copies.append(LibraryCopy(
                        path=f"{label}!{name}", distribution=distribution,
                        soname=soname, upstream=upstream, family=names.family(upstream),
                        version=names.version(upstream), size=size,
                        sha256=hasher.hexdigest()))

            archive.for_each_file(handle)
    except ARCHIVE_DAMAGE as exc:
        raise WheelnextError(damage_message(label, exc)) from None
    return copies


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _library(path: Path, in_libs: bool) -> tuple[str, str] | None:
    """(soname, upstream soname) of the ELF library at *path*, or None if it is none."""
    if not is_elf(path):
        return None
    try:
        dynamic = read_dynamic_file(path)
    except NotElf:
        return None
    if dynamic.soname is None and not in_libs:
        return None
    soname = dynamic.soname or path.name
    return soname, names.upstream_name(soname)


def scan(roots: Sequence[str | os.PathLike[str]]) -> list[LibraryCopy]:
    """Every shared library file under *roots* (installed-packages folders, or wheel files
    named ``*.whl``/``*.whlx``)."""
    copies: list[LibraryCopy] = []
    seen: set[tuple[int, int]] = set()
    for root in map(Path, roots):
        if not root.is_dir() and root.name.endswith(WHEEL_SUFFIXES):
            copies.extend(scan_wheel(root))
            continue
        owners = _owners(root)
        for path in _candidates(root):
            if path.is_symlink() or not path.is_file():
                continue
            info = path.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            found = _library(path, path.parent.name.endswith(".libs"))
            if found is None:
                continue
            seen.add((info.st_dev, info.st_ino))
            soname, upstream = found
            copies.append(LibraryCopy(
                path=str(path),
                distribution=owners.get(os.path.realpath(path), UNOWNED),
                soname=soname,
                upstream=upstream,
                family=names.family(upstream),
                version=names.version(upstream),
                size=info.st_size,
                sha256=_sha256(str(path)),
            ))
    return copies


def group(copies: Iterable[LibraryCopy]) -> list[LibraryGroup]:
    """The copies by upstream library, largest possible saving first."""
    families: dict[str, list[LibraryCopy]] = {}
    for copy in copies:
        families.setdefault(copy.family, []).append(copy)
    groups = [LibraryGroup(name, tuple(members)) for name, members in families.items()]
    groups.sort(key=lambda g: (-g.savings()["same_family"], -g.bytes, g.family))
    return groups


def report(roots: Sequence[str | os.PathLike[str]]) -> dict[str, object]:
    """The audit as one JSON-ready document (what ``--json`` prints)."""
    copies = scan(roots)
    groups = group(copies)
    totals = {"libraries": len(copies), "bytes": sum(c.size for c in copies),
              "identical": 0, "same_soname": 0, "same_family": 0}
    rows = []
    for entry in groups:
        savings = entry.savings()
        for key, value in savings.items():
            totals[key] += value
        rows.append({
            "family": entry.family,
            "sonames": list(entry.sonames),
            "distributions": list(entry.distributions),
            "copies": [
                {"path": c.path, "distribution": c.distribution, "soname": c.soname,
                 "upstream": c.upstream, "version": c.version, "size": c.size,
                 "sha256": c.sha256}
                for c in entry.copies
            ],
            "bytes": entry.bytes,
            "savings": savings,
        })
    return {"extension": "wheelnext nativelib audit (no PEP defines it)",
            "roots": [str(Path(root)) for root in roots], "groups": rows, "totals": totals}


def mapped_files(pid: int | str = "self") -> dict[str, int]:
    """Resident kibibytes of each file mapped into process *pid*, from ``/proc/PID/smaps``
    (Linux): one entry per distinct file, so two copies of a library show as two entries."""
    resident: dict[str, int] = {}
    current: str | None = None
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as smaps:
        for line in smaps:
            fields = line.split()
            if not fields:
                continue
            if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
                current = fields[5] if len(fields) > 5 and fields[5].startswith("/") else None
                if current is not None:
                    resident.setdefault(current, 0)
            elif fields[0] == "Rss:" and current is not None:
                resident[current] += int(fields[1])
    return resident
