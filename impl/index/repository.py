"""One index root: a flat directory of distribution files, grouped into projects.

The listing is read from the directory and cached until the directory's
modification time changes (adding, removing or renaming a file changes it);
per-file facts are cached until the file itself changes. Only regular files
directly inside the directory whose real path stays inside it are served, so
a symlink pointing elsewhere is never followed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext.filenames import (
    is_distribution_filename,
    parse_sdist_name,
    parse_wheel_name,
    project_of,
)
from wheelnext.index import variants_file
from wheelnext.index.distribution import DetailsCache, FileDetails
from wheelnext.variants.errors import InvalidVariantMetadata

logger = logging.getLogger("wheelnext.index")

#: Yanking (PEP 592) sidecar: ``<file>.yanked`` beside the file; its stripped
#: text is the reason, an empty file yanks without one.
YANKED_SUFFIX = ".yanked"
#: The longest yank reason read from a sidecar (a reason is a sentence, not a file).
MAX_YANKED_BYTES = 4096


@dataclass(frozen=True)
class ListedFile:
    """One entry of a project page: a distribution or an index-level variants file."""

    filename: str
    size: int
    sha256: str
    upload_time: str | None = None
    requires_python: str | None = None
    core_metadata_sha256: str | None = None
    #: The hash of what the ``metadata-verbatim`` knockout serves instead (a zero-argument
    #: callable, so that only a knockout's page computes it).
    rebuilt_metadata_sha256: Callable[[], str | None] = field(
        default=lambda: None, compare=False, repr=False)
    #: None: not yanked; "": yanked without a reason; else the reason.
    yanked: str | None = None
    version: str | None = None


@dataclass
class Project:
    """What a project page lists, and the bytes of the files generated for it."""

    name: NormalizedName
    files: list[ListedFile] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    #: Generated ``-variants.json`` files by filename.
    generated: dict[str, bytes] = field(default_factory=dict)
    #: Variant wheels left out: no usable ``variant.json``, or one their release's
    #: other wheels disagree with (the ``variants-validation`` feature lists them).
    rejected: list[ListedFile] = field(default_factory=list)
    #: Source distributions left out: their ``PKG-INFO`` breaks PEP 777 (the
    #: ``sdist-validation`` feature lists them).
    refused_sdists: list[ListedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """The directory listing at one modification time."""

    mtime_ns: int
    #: project -> filenames (distribution and user-supplied variants files).
    projects: dict[NormalizedName, tuple[str, ...]]


def _version_of(filename: str) -> str | None:
    try:
        if filename.endswith((".whl", ".whlx")):
            return str(parse_wheel_name(filename).version)
        parsed = variants_file.parse_variants_filename(filename)
        if parsed is not None:
            return str(Version(parsed[1]))
        return str(parse_sdist_name(filename)[1])
    except (ValueError, InvalidVersion):
        return None


class Repository:
    """A directory served as one simple repository."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._real_root = self.root.resolve()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._details = DetailsCache()
        self._reported: set[str] = set()

    def _scan(self, mtime_ns: int) -> Snapshot:
        projects: dict[NormalizedName, list[str]] = defaultdict(list)
        with os.scandir(self.root) as entries:
            for entry in entries:
                name = entry.name
                if not self._is_servable(entry):
                    continue
                parsed = variants_file.parse_variants_filename(name)
                try:
                    if parsed is not None:
                        project = canonicalize_name(parsed[0])
                    elif is_distribution_filename(name):
                        project = project_of(name)
                    else:
                        continue
                except ValueError as exc:
                    logger.warning("%s: not listed: %s", self.root / name, exc)
                    continue
                projects[project].append(name)
        return Snapshot(mtime_ns, {k: tuple(sorted(v)) for k, v in sorted(projects.items())})

    def _is_servable(self, entry: os.DirEntry[str]) -> bool:
        """A regular file whose real path is directly inside the root."""
        try:
            if not entry.is_file():
                return False
            if entry.is_symlink():
                target = Path(os.path.realpath(entry.path))
                return target.parent == self._real_root
        except OSError:
            return False
        return True

    def _error(self, message: str) -> None:
        """Log *message* once, not on every request for the page."""
        with self._lock:
            if message in self._reported:
                return
            self._reported.add(message)
        logger.error("%s", message)

    def snapshot(self) -> Snapshot:
        """The current listing; rescanned only when the directory changed."""
        mtime_ns = os.stat(self.root).st_mtime_ns
        with self._lock:
            current = self._snapshot
            if current is None or current.mtime_ns != mtime_ns:
                current = self._snapshot = self._scan(mtime_ns)
        return current

    def project_names(self) -> list[NormalizedName]:
        return list(self.snapshot().projects)

    def path_of(self, filename: str) -> Path | None:
        """The path of a listed file, or None: nothing else is ever served."""
        if "/" in filename or "\\" in filename or filename in {"", ".", ".."}:
            return None
        try:
            project = self._project_for(filename)
        except ValueError:
            return None
        if project is None:
            return None
        if filename in self.snapshot().projects.get(project, ()):
            return self.root / filename
        return None

    def _project_for(self, filename: str) -> NormalizedName | None:
        parsed = variants_file.parse_variants_filename(filename)
        if parsed is not None:
            return canonicalize_name(parsed[0])
        if is_distribution_filename(filename):
            return project_of(filename)
        return None

    def details(self, filename: str) -> FileDetails | None:
        """Facts about a listed file; None for unlisted files and unreadable wheels."""
        path = self.path_of(filename)
        details = None if path is None else self._details.get(path)
        return None if details is None or details.error is not None else details

    def yanked(self, filename: str) -> str | None:
        """PEP 592 reason from the ``<file>.yanked`` sidecar ("" = no reason), or None.

        The sidecar gets the distribution files' containment rule: a regular file whose real
        path is directly inside the root. It is opened without following a final link and
        without blocking (a FIFO would stall every page), and read up to
        :data:`MAX_YANKED_BYTES`; anything else is logged and the file is served as yanked
        without a reason rather than publishing what the sidecar points at.
        """
        sidecar = self.root / (filename + YANKED_SUFFIX)
        try:
            os.lstat(sidecar)
        except OSError:
            return None
        real = Path(os.path.realpath(sidecar))
        if real.parent != self._real_root:
            self._error(f"{sidecar}: points outside the index root; yanked without a reason")
            return ""
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            self._error(f"{sidecar}: unreadable ({exc.strerror}); yanked without a reason")
            return ""
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self._error(f"{sidecar}: not a regular file; yanked without a reason")
                return ""
            raw = os.read(fd, MAX_YANKED_BYTES + 1)
        except OSError as exc:
            self._error(f"{sidecar}: unreadable ({exc.strerror}); yanked without a reason")
            return ""
        finally:
            os.close(fd)
        if len(raw) > MAX_YANKED_BYTES:
            self._error(f"{sidecar}: longer than {MAX_YANKED_BYTES} bytes; reason cut")
            raw = raw[:MAX_YANKED_BYTES]
        return raw.decode("utf-8", "replace").strip()

    def project(self, name: NormalizedName) -> Project | None:
        """Everything the project page lists, or None for an unknown project."""
        filenames = self.snapshot().projects.get(name)
        if not filenames:
            return None
        project = Project(name)
        versions: set[str] = set()
        variant_docs: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        supplied: set[str] = set()
        variant_wheels: dict[str, list[ListedFile]] = defaultdict(list)
        for filename in filenames:
            details = self._details.get(self.root / filename)
            if details is None:
                continue
            if details.error is not None:
                self._error(f"{self.root / filename}: not listed: {details.error}")
                continue
            version = _version_of(filename)
            listed = ListedFile(
                filename=filename,
                size=details.size,
                sha256=details.sha256,
                upload_time=details.upload_time,
                requires_python=details.requires_python,
                core_metadata_sha256=details.core_metadata_sha256,
                rebuilt_metadata_sha256=_rebuilt_hash(details),
                yanked=self.yanked(filename),
                version=version,
            )
            if variants_file.parse_variants_filename(filename) is not None:
                if version is not None:
                    supplied.add(version)
                    versions.add(version)
                project.files.append(ListedFile(filename, details.size, details.sha256,
                                                upload_time=details.upload_time, version=version))
                continue
            if details.sdist_error is not None:
                self._error(f"{self.root / filename}: not listed: {details.sdist_error}")
                project.refused_sdists.append(listed)
                continue
            if version is not None:
                versions.add(version)
            if filename.endswith((".whl", ".whlx")) and parse_wheel_name(filename).is_variant:
                if version is None:
                    continue
                if details.variant_metadata is None:
                    self._error(f"{self.root / filename}: variant wheel not listed: "
                                f"{details.variant_error}")
                    project.rejected.append(listed)
                    continue
                variant_docs[version].append((filename, details.variant_metadata))
                variant_wheels[version].append(listed)
                continue
            project.files.append(listed)
        for version, docs in sorted(variant_docs.items()):
            if version in supplied:
                project.files.extend(variant_wheels[version])
                continue
            try:
                combined = variants_file.combine(docs)
            except (InvalidVariantMetadata, KeyError, TypeError) as exc:
                # PEP 825 "Index-level metadata": the file "MUST be provided in all
                # the responses where the variant wheels are included"; without a
                # consistent file we leave the release's variant wheels out.
                self._error(f"{self.root}: {name} {version}: variant wheels not listed,"
                            f" no consistent variants.json: {exc}")
                project.rejected.extend(variant_wheels[version])
                continue
            data = variants_file.render(combined)
            filename = variants_file.variants_filename(name, version)
            project.generated[filename] = data
            project.files.extend(variant_wheels[version])
            project.files.append(ListedFile(
                filename, len(data), hashlib.sha256(data).hexdigest(), version=version
            ))
        project.files.sort(key=lambda f: f.filename)
        project.versions = sorted(versions, key=_sort_key)
        return project


def _rebuilt_hash(details: FileDetails) -> Callable[[], str | None]:
    return lambda: details.rebuilt_core_metadata_sha256


def _sort_key(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)
