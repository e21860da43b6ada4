"""Carry out a resolution: download, replace, install, record the origin index, compile.

Each wheel goes through the Wheel 2.0 / LINKS driver (``install_wheel``); the whole run is one
:class:`~wheelnext.install.transaction.Transaction`, so a failure leaves the environment as it
was. The origin index of every installed distribution is written to ``wheelnext-origin.json``
in its ``.dist-info`` (listed in ``RECORD``): PEP 766, "Cache keys": "caching and lockfiles
should now include the index from which distributions were downloaded". ``direct_url.json``
is not used: PEP 610 reserves it for installs from a direct URL, not from an index.
Bytecode is compiled for all new distributions at once by the target interpreter.
PEP 777's "installers **MUST** warn on installation of a wheel with a minor version greater
than supported" is the driver's (``wheel_version.check_compatible``, older majors included),
so it is given exactly once per wheel and not repeated here.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName

from wheelnext.install.bytecode import BytecodeCompiler
from wheelnext.install.finder import Finder, IndexFile
from wheelnext.install.staging import Stage
from wheelnext.install.symlinks import LinkMode
from wheelnext.install.target import TargetPython
from wheelnext.install.transaction import Transaction, record_paths
from wheelnext.install.wheelfile import ALL_CHECKS, InstallChecks, install_wheel

ORIGIN_FILE = "wheelnext-origin.json"


@dataclass(frozen=True)
class Planned:
    """One distribution to install: where its wheel comes from and what it replaces."""

    name: NormalizedName
    version: str
    filename: str
    file: IndexFile | None
    path: Path | None
    requested: bool
    variant_label: str | None = None
    replaces: Path | None = None
    replaces_version: str | None = None


@dataclass(frozen=True)
class Done:
    """What one distribution's install did."""

    name: str
    version: str
    filename: str
    index: str | None
    replaced: str | None
    variant_label: str | None


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip(
        "=")


def append_record(dist_info: Path, rows: Sequence[tuple[str, str, str]]) -> None:
    """Add rows to an installed ``RECORD`` (files a tool adds after the wheel's own)."""
    with open(dist_info / "RECORD", "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            writer.writerow(row)


def write_origin(dist_info: Path, planned: Planned) -> None:
    """``wheelnext-origin.json``: the index (name and URL) and file the distribution came from."""
    origin: dict[str, Any] = {"filename": planned.filename}
    if planned.file is not None:
        origin.update(index=planned.file.index, index_url=planned.file.index_url,
                      url=planned.file.url)
        if planned.file.sha256:
            origin["sha256"] = planned.file.sha256
    elif planned.path is not None:
        origin.update(index=None, path=str(planned.path))
    data = (json.dumps(origin, indent=2, sort_keys=True) + "\n").encode()
    (dist_info / ORIGIN_FILE).write_bytes(data)
    append_record(dist_info, [(f"{dist_info.name}/{ORIGIN_FILE}", _digest(data), str(len(data)))])


def read_origin(dist_info: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((dist_info / ORIGIN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def download_all(
    finder: Finder,
    plans: Sequence[Planned],
    on_progress: Callable[[str, int, int | None], None] | None = None,
    workers: int = 8,
) -> dict[str, Path]:
    """Download every planned index file in parallel; filename -> local path."""
    def one(plan: Planned) -> tuple[str, Path]:
        if plan.path is not None:
            return plan.filename, plan.path
        assert plan.file is not None
        hook: Callable[[int, int | None], None] | None = None
        if on_progress is not None:
            progress = on_progress

            def report(done: int, total: int | None) -> None:
                progress(plan.filename, done, total)

            hook = report

        return plan.filename, finder.download(plan.file, hook)

    with ThreadPoolExecutor(max(1, min(workers, len(plans)))) as pool:
        return dict(pool.map(one, plans))


class _StagedCompiler:
    """Bytecode for the new files, compiled in the stage while the other wheels are written.

    Each wheel's ``.py`` files are compiled as soon as it is staged, as if at their final
    paths, and the ``.pyc`` files move into place with the stage. When the target interpreter
    writes the same bytecode as ours (same ``cache_tag``, so the same magic number) they are
    compiled in this process, as pip does; otherwise one compiler child of the target, started
    before the first wheel so its start-up overlaps the installs, compiles them.
    """

    def __init__(self, target: TargetPython, stage: Stage) -> None:
        self.stage = stage
        self.allowed = [Path(os.path.abspath(p)) for p in target.scheme.paths.values()]
        same = target.scheme.cache_tag == sys.implementation.cache_tag
        self.compiler = None if same else BytecodeCompiler(target.executable)
        self.owners: dict[Path, Path] = {}
        self.written: list[Path] = []
        self.lock = threading.Lock()

    def add(self, dist_info: Path) -> None:
        """Compile (or queue) the sources of the distribution whose final ``.dist-info`` is
        *dist_info*."""
        import py_compile  # only runs that compile bytecode need it

        staged_info = self.stage.staged(dist_info)
        written: list[Path] = []
        for final in record_paths(staged_info, self.allowed, root=dist_info.parent):
            staged = self.stage.staged(final)
            if final.suffix != ".py" or staged.is_symlink() or not staged.is_file():
                continue
            with self.lock:
                self.owners[final] = dist_info
            if self.compiler is not None:
                self.compiler.add(staged, final)
                continue
            try:
                # Files that do not compile are skipped, as pip and compileall skip them.
                pyc = py_compile.compile(str(staged), dfile=str(final), doraise=True,
                                         optimize=0, quiet=2)
            except (py_compile.PyCompileError, SyntaxError, ValueError, OSError):
                continue
            if pyc:
                written.append(Path(pyc))
        with self.lock:
            self.written.extend(written)

    def finish(self) -> int:
        """Wait for the child, if any; list each ``.pyc`` in its distribution's staged
        ``RECORD``."""
        written = self.written + (self.compiler.finish() if self.compiler is not None else [])
        rows: dict[Path, list[tuple[str, str, str]]] = {}
        for staged_pyc in written:
            pyc = Path("/") / staged_pyc.relative_to(self.stage.root)
            source = pyc.parent.parent / (pyc.name.split(".", 1)[0] + ".py")
            owner = self.owners.get(source)
            if owner is None:
                continue
            relative = os.path.relpath(pyc, owner.parent)
            rows.setdefault(owner, []).append((Path(relative).as_posix(), "", ""))
        for dist_info, entries in rows.items():
            append_record(self.stage.staged(dist_info), entries)
        return len(written)

    def close(self) -> None:
        if self.compiler is not None:
            self.compiler.__exit__(None, None, None)


def install_planned(
    plans: Sequence[Planned],
    files: dict[str, Path],
    target: TargetPython,
    *,
    compile_bytecode: bool = True,
    links: LinkMode = LinkMode.SYMLINK,
    on_installed: Callable[[Planned], None] | None = None,
    checks: InstallChecks = ALL_CHECKS,
) -> list[Done]:
    """Install *plans* (their wheels already in *files*) as one transaction.

    Every wheel is written into ONE stage beside the environment, which moves into place once
    at the end: staging per wheel made and removed a mirror of the environment's absolute path
    for each of them. Wheels are written in parallel: each file is created exclusively in the
    stage, so two wheels that ship the same file fail the whole run instead of racing, and the
    final move refuses to overwrite anything already in the environment.
    """
    transaction = Transaction(target.scheme)
    done: dict[str, Done] = {}
    lock = threading.Lock()
    stage = Stage.near(target.scheme.paths["purelib"])
    staged: list[Path] = []
    compiler = _StagedCompiler(target, stage) if compile_bytecode else None

    def one(plan: Planned) -> None:
        result = install_wheel(files[plan.filename], target.scheme, links=links,
                               compile_bytecode=False, requested=plan.requested, workers=1,
                               stage=stage, checks=checks)
        write_origin(stage.staged(result.dist_info), plan)
        if compiler is not None:
            compiler.add(result.dist_info)
        with lock:
            staged.append(result.dist_info)
            done[plan.name] = Done(plan.name, plan.version, plan.filename,
                                   plan.file.index if plan.file else None,
                                   plan.replaces_version, plan.variant_label)
            if on_installed is not None:
                on_installed(plan)

    try:
        try:
            for plan in plans:
                if plan.replaces is not None:
                    transaction.stash(plan.replaces)
            with ThreadPoolExecutor(max(1, min(4, len(plans)))) as pool:
                for future in [pool.submit(one, plan) for plan in plans]:
                    future.result()
            if compiler is not None:
                compiler.finish()
            stage.commit()
        finally:
            if compiler is not None:
                compiler.close()
            stage.discard()
        transaction.installed.extend(staged)
    except BaseException:
        transaction.rollback()
        raise
    transaction.commit()
    return [done[plan.name] for plan in plans]


def uninstall_dists(target: TargetPython, dist_infos: Sequence[Path]) -> None:
    """Remove distributions (all of them, or none on failure)."""
    transaction = Transaction(target.scheme)
    try:
        for dist_info in dist_infos:
            transaction.stash(dist_info)
    except BaseException:
        transaction.rollback()
        raise
    transaction.commit()


__all__ = [
    "ORIGIN_FILE",
    "Done",
    "Planned",
    "append_record",
    "download_all",
    "install_planned",
    "read_origin",
    "uninstall_dists",
    "write_origin",
]

