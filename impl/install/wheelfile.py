"""Install one wheel file (``.whl`` or ``.whlx``) into an environment: the driver.

Our own driver, composed of pypa ``installer``'s destination
(``SchemeDictionaryDestination``), records and script launchers, because
``installer.install()`` refuses "Incompatible Wheel-Version 2" and its sources read only
``.whl`` with the standard ``zipfile`` (no Zstandard on 3.11): the source is
:class:`wheelnext.wheel2.source.WheelArchive` on ``backports.zstd``.

Order of work, each step before anything reaches the environment:

1. member names, ``.dist-info``, compression ratios (opening the archive);
2. PEP 777 "When installing a wheel, installers **MUST**": ``Wheel-Version`` agreement and
   compatibility (``wheelnext.wheel_version``);
3. ``RECORD``: every file listed with hash and size, no path deeper than
   :data:`MAX_PATH_PARTS`; PEP 778 ``LINKS`` checked on the resolved layout
   (``wheelnext.links.plan_links``), all before anything is written;
4. each file's bytes are checked against ``RECORD`` while written to the stage, into real
   folders only (``staging.real_folder``: never through a link, ``O_EXCL | O_NOFOLLOW``);
5. scripts, ``INSTALLER``, ``REQUESTED``, ``direct_url.json``; then, last, the links, so no
   file is ever written through one; bytecode, ``RECORD`` (recording-installed-packages);
6. one move of the stage into the environment, never into a link below its scheme folders.
   A failure at any step leaves the environment as it was; a damaged ZIP is one line too.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, cast

from installer.destinations import SchemeDictionaryDestination
from installer.records import Hash, RecordEntry
from installer.utils import (
    SCHEME_NAMES,
    Scheme,
    get_launcher_kind,
    make_file_executable,
)

from wheelnext.entry_points import scripts_of
from wheelnext.errors import InvalidMetadata, UnsafeArtifact
from wheelnext.install.bytecode import BytecodeCompiler
from wheelnext.install.scheme import InstallScheme
from wheelnext.install.staging import Stage, real_folder
from wheelnext.install.symlinks import LinkMode, create_links
from wheelnext.install.writers import SMALL_FILE, FileWriters
from wheelnext.links import Link, PlacedLink, parse_links, root_layout, validate_links
from wheelnext.wheel2.damaged import damaged_archive
from wheelnext.wheel2.digest import allowed, digest_of, encode
from wheelnext.wheel2.names import MAX_PATH_PARTS
from wheelnext.wheel2.source import RecordRow, WheelArchive

#: Name written to ``INSTALLER`` (recording-installed-packages: "the name of the tool").
INSTALLER_NAME = "wheelnext"
_BLOCK = 1024 * 1024
#: Linux's PATH_MAX: a longer path cannot be opened or removed by name.
_PATH_MAX = 4096


@dataclass(frozen=True)
class InstallChecks:
    """Which checks of installing a wheel apply: all of them, except in a knockout of the
    installer's rules (:mod:`wheelnext.install.rules`, see
    :func:`wheelnext.install.installing.checks_for`)."""

    #: Binary distribution format: "During extraction, wheel installers verify all the hashes
    #: in RECORD against the file contents."
    record_hashes: bool = True
    #: PEP 777 step 1: the WHEEL and METADATA ``Wheel-Version`` match.
    wheel_version_match: bool = True
    #: PEP 777 step 2: abort on a newer major version.
    wheel_version_abort: bool = True
    #: PEP 777 step 2: warn on a newer minor version.
    wheel_version_warn: bool = True


#: Every check: what the installer applies.
ALL_CHECKS = InstallChecks()


@dataclass(frozen=True)
class InstallResult:
    """What an install put into the environment."""

    name: str
    version: str
    wheel_version: str
    dist_info: Path
    files: int
    links: int
    bytecode: int


class _HashingReader:
    """Hashes what passes through, for files whose written bytes differ (scripts)."""

    def __init__(self, raw: BinaryIO, algorithm: str) -> None:
        self._raw = raw
        self.hasher = hashlib.new(algorithm)

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.hasher.update(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        self.hasher.update(data)
        return data

    def digest(self) -> str:
        return encode(self.hasher.digest())


class _ThreadSafeDestination(SchemeDictionaryDestination):
    """``installer``'s destination with a leaner ``write_to_fs``, safe on several threads.

    Written by hand for speed (torch has 12 000 files): ``installer`` builds two ``pathlib``
    paths and probes the parent folder for every file; here each scheme root is resolved
    once, folders are made once, and ``open(..., "xb")`` refuses existing files atomically.
    The containment rule is ``installer``'s: the normalized path must stay in its scheme.
    """

    @property
    def _roots(self) -> dict[str, str]:
        return self.__dict__.setdefault("_root_cache", {})  # type: ignore[no-any-return]

    @property
    def _made(self) -> set[str]:
        return self.__dict__.setdefault("_made_cache", set())  # type: ignore[no-any-return]

    def _fs_path(self, scheme: Scheme, path: str) -> str:
        root = self._roots.get(scheme)
        if root is None:
            root = os.path.abspath(self.scheme_dict[scheme])
            self._roots[scheme] = root
        if path.startswith("/") or "/." in "/" + path or "//" in path:
            final = os.path.abspath(os.path.join(root, path))
        else:  # already normal: no ".", "..", empty or absolute part, so no walk needed
            final = root + "/" + path
        if not final.startswith(root + os.sep):
            raise ValueError(f"Attempting to write {path} outside of the target directory")
        if self.destdir is None:
            return final
        return self.destdir.rstrip(os.sep) + final

    def _real_parent(self, parent: str, path: str) -> None:
        """Make *parent* (inside ``destdir``) a chain of real folders, checking only the
        parts not already made by this destination (``real_folder`` does the checking)."""
        assert self.destdir is not None
        base = self.destdir.rstrip(os.sep)
        known = parent
        while known != base and known not in self._made:
            known = os.path.dirname(known)
            if len(known) <= len(base):
                known = base
                break
        relative = parent[len(known) + 1:]
        if relative:
            real_folder(known, relative, label=f"{shorten(path)}: ")
            walked = parent
            while walked != known:
                self._made.add(walked)
                walked = os.path.dirname(walked)

    def staged_path(self, scheme: Scheme, path: str) -> str:
        """Where *path* of *scheme* is written (inside ``destdir`` when staging)."""
        return self._fs_path(scheme, path)

    def _create(self, scheme: Scheme, path: str, is_executable: bool) -> tuple[int, str]:
        """A new file for *path* (its folders made and checked once): descriptor and path."""
        target = self._fs_path(scheme, path)
        parent = os.path.dirname(target)
        if parent not in self._made:
            if self.destdir is None:
                os.makedirs(parent, exist_ok=True)
            else:
                if len(target) >= _PATH_MAX:
                    raise UnsafeArtifact(f"{shorten(path)}: the path is too long to install")
                self._real_parent(parent, path)
            self._made.add(parent)
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                                 | getattr(os, "O_NOFOLLOW", 0),
                                 0o777 if is_executable else 0o666)
        except FileExistsError:
            raise UnsafeArtifact(f"{shorten(path)}: written twice (a duplicate in the wheel, "
                                 "a folder of the same name, or another wheel's file)") from None
        except OSError as exc:  # a name too long, a file where a folder must be
            raise UnsafeArtifact(f"{shorten(path)}: cannot be written ({exc.strerror})") from None
        return descriptor, target

    def write_to_fs(self, scheme: Scheme, path: str, stream: BinaryIO,
                    is_executable: bool) -> RecordEntry:
        descriptor, target = self._create(scheme, path, is_executable)
        try:
            digest, size = _copy_with_hashing(stream, descriptor, self.hash_algorithm)
        finally:
            os.close(descriptor)
        if is_executable:
            make_file_executable(Path(target))
        return RecordEntry(path, Hash(self.hash_algorithm, digest), size)

    def write_data(self, scheme: Scheme, path: str, data: bytes,
                   is_executable: bool) -> RecordEntry:
        """:meth:`write_to_fs` for bytes already in memory: one write, one hash call."""
        descriptor, target = self._create(scheme, path, is_executable)
        try:
            _write_all(descriptor, data)
        finally:
            os.close(descriptor)
        if is_executable:
            make_file_executable(Path(target))
        return RecordEntry(path, Hash(self.hash_algorithm, digest_of(self.hash_algorithm, data)),
                           len(data))


#: Files at least this large are hashed and written on a second thread while the next block
#: is decompressed (zstd, hashlib and os.write all release the GIL).
_PIPELINE_BYTES = 8 * _BLOCK
#: Blocks handed to the helper thread: few handoffs, so a busy machine's scheduling delays
#: do not add up.
_PIPELINE_BLOCK = 4 * _BLOCK


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _copy_with_hashing(stream: BinaryIO, descriptor: int, algorithm: str) -> tuple[str, int]:
    """Copy *stream* to *descriptor* in 1 MiB blocks, hashing on the way.

    By hand (``installer.utils.copyfileobj_with_hashing`` copies 64 KiB at a time through a
    file object): after the first blocks, hashing and writing block *n* runs on a helper
    thread while block *n + 1* is decompressed, so a 434 MB shared library costs about the
    longer of the two instead of their sum.
    """
    hasher = hashlib.new(algorithm)
    size = 0

    def consume(block: bytes) -> None:
        hasher.update(block)
        _write_all(descriptor, block)

    block = stream.read(_BLOCK)
    while block and size < _PIPELINE_BYTES:
        consume(block)
        size += len(block)
        block = stream.read(_BLOCK)
    if block:
        with ThreadPoolExecutor(max_workers=1) as helper:
            pending = helper.submit(consume, block)
            size += len(block)
            while block := stream.read(_PIPELINE_BLOCK):
                pending.result()
                pending = helper.submit(consume, block)
                size += len(block)
            pending.result()
    return encode(hasher.digest()), size


def _scheme_of(path: str, data_dir: str, root: Scheme, label: str) -> tuple[Scheme, str]:
    """Binary distribution format: ``{distribution}-{version}.data/{scheme}/...`` files go to
    that scheme; the rest to the root scheme (``Root-Is-Purelib``)."""
    if not path.startswith(data_dir + "/"):
        return root, path
    scheme, _, rest = path[len(data_dir) + 1 :].partition("/")
    if scheme not in SCHEME_NAMES or not rest:
        raise UnsafeArtifact(f"{label}: {path!r} is not inside a valid .data subdirectory")
    return cast(Scheme, scheme), rest


def _read_links(archive: WheelArchive, major: int) -> tuple[Link, ...]:
    if "LINKS" not in archive.dist_info_filenames:
        return ()
    if major < 2:
        # PEP 778, "Wheel Major Version Bump": wheels with LINKS "MUST be at least version 2.0".
        raise InvalidMetadata(f"{archive.label}: LINKS needs Wheel-Version 2.0 or higher")
    return parse_links(archive.read_dist_info("LINKS"), source=f"{archive.label}: LINKS")


def shorten(path: str, keep: int = 120) -> str:
    """*path* cut to *keep* characters, so an error about a hostile name stays one line."""
    return path if len(path) <= keep else f"{path[:keep // 2]}...{path[-keep // 2:]}"


def _check_depth(archive: WheelArchive) -> None:
    """Refuse paths deeper than :data:`MAX_PATH_PARTS` before anything is written: a tree that
    deep cannot be removed again by path (``PATH_MAX``) nor by a recursive walk."""
    for path in archive.payload_paths:
        if path.count("/") >= MAX_PATH_PARTS:
            raise UnsafeArtifact(f"{archive.label}: {shorten(path)!r} is deeper than "
                                 f"{MAX_PATH_PARTS} folders")


def _plan_links(archive: WheelArchive, links: Sequence[Link]) -> tuple[PlacedLink, ...]:
    """PEP 778 checks on the resolved layout of the root scheme's files, before anything is
    written (``.data`` files go to other folders and are no link targets)."""
    if not links:
        return ()
    files, occupied = root_layout(archive.payload_paths, archive.data_dir)
    return validate_links(links, files, source=f"{archive.label}: LINKS", occupied=occupied)


def _hash_algorithm(archive: WheelArchive) -> str:
    algorithms = {row.hash.partition("=")[0] for row in archive.record.values() if row.hash}
    for algorithm in algorithms:
        if not allowed(algorithm):
            raise UnsafeArtifact(f"{archive.label}: RECORD uses hash {algorithm!r}; "
                                 "sha256 or stronger is required")
    return "sha256" if len(algorithms) != 1 else algorithms.pop()


def install_wheel(
    wheel: str | os.PathLike[str],
    scheme: InstallScheme,
    *,
    links: LinkMode = LinkMode.SYMLINK,
    compile_bytecode: bool = True,
    requested: bool = True,
    direct_url: str | None = None,
    workers: int | None = None,
    limits: dict[str, int] | None = None,
    stage: Stage | None = None,
    checks: InstallChecks = ALL_CHECKS,
) -> InstallResult:
    """Install *wheel* into *scheme*; on any error the environment is left unchanged.

    With *stage* (shared by several wheels of one transaction), the wheel is only written
    into it: the caller commits or discards the stage once for all of them.
    """
    workers = workers or min(4, os.cpu_count() or 1)
    with damaged_archive(Path(wheel).name), WheelArchive.open(wheel, **(limits or {})) as archive:
        version = archive.check_wheel_version(match=checks.wheel_version_match,
                                              abort=checks.wheel_version_abort,
                                              warn=checks.wheel_version_warn)
        link_rows = _read_links(archive, version.major)
        archive.check_record()
        _check_depth(archive)
        placed = _plan_links(archive, link_rows)
        root: Scheme = cast(Scheme, "purelib" if archive.root_is_purelib else "platlib")
        paths = scheme.for_distribution(archive.distribution)
        if stage is not None:
            stage.trust(scheme.paths.values())
            return _install_staged(archive, scheme, paths, root, stage, placed, links,
                                   compile_bytecode, requested, direct_url, workers,
                                   str(version), checks.record_hashes)
        own = Stage.near(paths[root])
        own.trust(scheme.paths.values())
        try:
            result = _install_staged(archive, scheme, paths, root, own, placed, links,
                                     compile_bytecode, requested, direct_url, workers,
                                     str(version), checks.record_hashes)
            own.commit()
        except BaseException:
            own.discard()
            raise
    return result


def _install_staged(
    archive: WheelArchive,
    scheme: InstallScheme,
    paths: dict[str, str],
    root: Scheme,
    stage: Stage,
    link_rows: Sequence[PlacedLink],
    link_mode: LinkMode,
    compile_bytecode: bool,
    requested: bool,
    direct_url: str | None,
    workers: int,
    wheel_version: str,
    verify_record: bool = True,
) -> InstallResult:
    label = archive.label
    algorithm = _hash_algorithm(archive)
    destination = _ThreadSafeDestination(
        scheme_dict=paths,
        interpreter=scheme.interpreter,
        script_kind=get_launcher_kind(),
        hash_algorithm=algorithm,
        destdir=os.fspath(stage.root),
    )
    written: list[tuple[Scheme, RecordEntry]] = []
    root_files: list[str] = []
    lock = threading.Lock()
    record_path = f"{archive.dist_info_dir}/RECORD"

    def write(path: str, stream: BinaryIO | bytes, executable: bool) -> None:
        if "__pycache__" in path.split("/")[:-1]:
            # As installer does: "Installing files in a __pycache__ directory poses a
            # security risk."
            warnings.warn(f"{label}: skipping {path} (inside __pycache__)", RuntimeWarning,
                          stacklevel=2)
            return
        row = archive.record[path]
        file_scheme, relative = _scheme_of(path, archive.data_dir, root, label)
        expected_algorithm = row.hash.partition("=")[0]
        if isinstance(stream, bytes):
            if file_scheme != "scripts" and expected_algorithm == algorithm:
                entry = destination.write_data(file_scheme, relative, stream, executable)
                _check_and_keep(path, row, file_scheme, relative, entry,
                                entry.hash_.value if entry.hash_ else "", entry.size)
                return
            stream = BytesIO(stream)
        source: Any = stream
        if file_scheme == "scripts":
            # installer rewrites "#!python" and needs a seekable stream: check the bytes first.
            data = stream.read()
            source = BytesIO(data)
            got: str | None = digest_of(expected_algorithm, data)
            size: int | None = len(data)
        elif expected_algorithm != algorithm:
            source = _HashingReader(stream, expected_algorithm)
            got = size = None
        try:
            entry = destination.write_file(file_scheme, relative, source, executable)
        except ValueError as exc:  # installer: "Attempting to write ... outside"
            raise UnsafeArtifact(f"{label}: {shorten(path)!r}: {exc}") from None
        if isinstance(source, _HashingReader):
            got, size = source.digest(), entry.size
        elif file_scheme != "scripts":
            got, size = (entry.hash_.value if entry.hash_ else ""), entry.size
        _check_and_keep(path, row, file_scheme, relative, entry, got, size)

    def _check_and_keep(path: str, row: RecordRow, file_scheme: Scheme, relative: str,
                        entry: RecordEntry, got: str | None, size: int | None) -> None:
        expected = row.hash.partition("=")[2]
        if verify_record and size != row.size:
            raise UnsafeArtifact(f"{label}: {path!r} is {size} bytes, RECORD says {row.size}")
        if verify_record and got != expected:
            raise UnsafeArtifact(f"{label}: {path!r} does not match its RECORD hash")
        if compiler is not None and file_scheme in ("purelib", "platlib") and relative.endswith(
            ".py"
        ):
            compiler.add(destination.staged_path(file_scheme, relative),
                         os.path.join(paths[file_scheme], relative))
        with lock:
            written.append((file_scheme, entry))
            if file_scheme == root:
                root_files.append(relative)

    def handle(path: str, stream: BinaryIO, executable: bool) -> None:
        if path == record_path:
            return
        size = archive.record[path].size
        if size is not None and size <= SMALL_FILE:
            writers.submit(path, stream.read(), executable)
        else:
            write(path, stream, executable)

    extra: dict[str, bytes] = {"INSTALLER": f"{INSTALLER_NAME}\n".encode()}
    if requested:
        extra["REQUESTED"] = b""
    if direct_url is not None:
        extra["direct_url.json"] = json.dumps({"url": direct_url, "archive_info": {}}).encode()
    compiler = BytecodeCompiler(scheme.interpreter) if compile_bytecode else None
    try:
        with FileWriters(write) as writers:
            archive.for_each_file(handle, workers=workers)
            writers.finish()
        _finish(archive, destination, written, root, root_files, link_rows, link_mode, extra,
                record_path, stage, paths)
        pycs = compiler.finish() if compiler is not None else []
    finally:
        if compiler is not None:
            compiler.__exit__(None, None, None)
    for pyc in pycs:
        for pyc_scheme in (root, "platlib" if root == "purelib" else "purelib"):
            scheme_root = stage.staged(paths[pyc_scheme])
            if pyc.is_relative_to(scheme_root):
                written.append((cast(Scheme, pyc_scheme),
                                RecordEntry(pyc.relative_to(scheme_root).as_posix(), None, None)))
                break

    written.append((root, RecordEntry(record_path, None, None)))
    destination.finalize_installation(root, record_path, written)
    dist_info = Path(paths[root]) / archive.dist_info_dir
    return InstallResult(
        name=archive.distribution,
        version=archive.version,
        wheel_version=wheel_version,
        dist_info=dist_info,
        files=len(root_files),
        links=len(link_rows),
        bytecode=len(pycs),
    )


def _finish(
    archive: WheelArchive,
    destination: _ThreadSafeDestination,
    written: list[tuple[Scheme, RecordEntry]],
    root: Scheme,
    root_files: list[str],
    link_rows: Sequence[PlacedLink],
    link_mode: LinkMode,
    extra: dict[str, bytes],
    record_path: str,
    stage: Stage,
    paths: dict[str, str],
) -> None:
    """Links, entry-point scripts and the installer's own metadata files, in the stage."""
    label = archive.label

    if "entry_points.txt" in archive.dist_info_filenames:
        for name, module, attr, section in scripts_of(
            archive.read_dist_info("entry_points.txt"), source=f"{label}: entry_points.txt"
        ):
            try:
                entry = destination.write_script(name, module, attr, section)
            except ValueError as exc:
                raise UnsafeArtifact(f"{label}: entry_points.txt: script {name!r}: {exc}"
                                     ) from None
            written.append((Scheme("scripts"), entry))

    for name, data in extra.items():
        path = posixpath.join(archive.dist_info_dir, name)
        if path in archive.record:
            continue
        written.append((root, destination.write_file(root, path, BytesIO(data), False)))

    if link_rows:
        # Last, so that no file of this wheel is ever written through one of its links.
        for link_path in create_links(link_rows, stage.staged(paths[root]), mode=link_mode,
                                      label=f"{label}: LINKS"):
            written.append((root, RecordEntry(link_path, None, None)))


__all__ = ["INSTALLER_NAME", "InstallResult", "install_wheel"]
