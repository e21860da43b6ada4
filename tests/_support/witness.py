"""Witnesses for the hostile corpus: prove that a refused attack wrote nothing anywhere.

A case names every file it tries to plant with its own canary token. The witness takes a
snapshot, before and after, of the places a write could land (the target's parent folder, the
installer's cache, the base interpreter's scheme folders, HOME and the working directory) and
then searches for the canary by name in the per-test temporary folder and in each of those
places. The system temporary folder as a whole is never walked: CI machines are shared.
"""

from __future__ import annotations

import hashlib
import os
import sysconfig
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Base interpreter folders an escaped header, script or library would reach.
_BASE_KEYS = ("include", "purelib", "platlib", "scripts", "data")


def canary(case: str) -> str:
    """A token unique to one test run of *case*, safe in file names."""
    return f"wnxcanary-{case}-{uuid.uuid4().hex[:10]}"


def base_interpreter_places() -> list[Path]:
    """The base (non-virtual) interpreter's scheme folders that exist."""
    variables = {"base": os.path.realpath(sysconfig.get_config_var("installed_base")
                                          or sysconfig.get_config_var("base") or "/"),
                 "platbase": os.path.realpath(sysconfig.get_config_var("installed_platbase")
                                              or sysconfig.get_config_var("platbase") or "/")}
    paths = sysconfig.get_paths(vars={**variables, "installed_base": variables["base"],
                                      "installed_platbase": variables["platbase"]})
    return sorted({Path(paths[key]) for key in _BASE_KEYS if Path(paths[key]).is_dir()})


def snapshot(root: Path, *, depth: int | None = None, contents: bool = True) -> dict[str, str]:
    """Every path under *root* with its kind and content hash (links by their text).

    *depth* limits how far down the walk goes (``None``: all the way); with
    ``contents=False`` files are described by size and modification time only, for large
    folders such as the base interpreter's ``site-packages``.
    """
    state: dict[str, str] = {}
    if not root.exists():
        return state
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if depth is not None and len(here.parts) - base_depth >= depth:
            dirs[:] = []
        for name in sorted(dirs + files):
            path = here / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                state[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                state[key] = "dir"
            elif contents:
                state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                info = path.stat()
                state[key] = f"{info.st_size}:{info.st_mtime_ns}"
    return state


def find_named(token: str, roots: Iterable[Path]) -> list[Path]:
    """Every path under *roots* whose name contains *token* (links not followed)."""
    found: list[Path] = []
    for root in roots:
        if token in root.name:
            found.append(root)
        if not root.is_dir() or root.is_symlink():
            continue
        for folder, dirs, files in os.walk(root):
            found.extend(Path(folder) / name for name in dirs + files if token in name)
    return found


def _outermost(roots: Iterable[Path]) -> list[Path]:
    """*roots* less those inside another one, so no folder is walked twice."""
    unique = sorted({Path(os.path.abspath(r)) for r in roots}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for root in unique:
        if not any(root.is_relative_to(outer) for outer in kept):
            kept.append(root)
    return kept


@dataclass
class Witness:
    """Before/after snapshots of *watched* places plus a canary search under *search*.

    ``watched`` folders are compared entry by entry (with contents); ``base`` folders (the
    base interpreter's) by names, sizes and times one level down, where a new package,
    ``.pth`` file, script or header appears, and searched for the canary all the way down.
    """

    token: str
    watched: list[Path]
    search: list[Path]
    base: list[Path] = field(default_factory=base_interpreter_places)
    _before: dict[str, dict[str, str]] = field(default_factory=dict)

    def _state(self) -> dict[str, dict[str, str]]:
        state = {str(p): snapshot(p) for p in self.watched}
        state.update({f"base:{p}": snapshot(p, depth=1, contents=False) for p in self.base})
        return state

    def __enter__(self) -> Witness:
        self._before = self._state()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def changes(self) -> Iterator[str]:
        """What differs from the snapshot taken on entry, one line per path."""
        after = self._state()
        for place, before in self._before.items():
            now = after.get(place, {})
            for key in sorted(set(before) | set(now)):
                if before.get(key) != now.get(key):
                    yield f"{place}/{key}: {before.get(key)} -> {now.get(key)}"

    def planted(self) -> list[Path]:
        """Paths named with the canary token anywhere the witness looks."""
        return find_named(self.token, _outermost([*self.search, *self.watched, *self.base]))

    def assert_untouched(self) -> None:
        """Nothing changed in the watched places and no canary landed anywhere."""
        changes = list(self.changes())
        assert not changes, "writes outside the expected places:\n" + "\n".join(changes[:20])
        planted = self.planted()
        assert not planted, f"canary {self.token} found: {planted}"
