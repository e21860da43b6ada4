"""PEP 766 (informational, draft) index priority and version priority, as a search over indexes.

The installer's finder asks :func:`search` for the candidates of one project; ``search``
walks the :class:`IndexPlan`'s groups in priority order and applies the strategy:

* "index priority": "the resolver finds candidates for each index, one at a time. The
  resolver proceeds to subsequent indexes only if the current package request has no viable
  candidates." Viable means surviving every filter (version specifier, ``Requires-Python``,
  tags, yanking, ``Wheel-Version``, variants): PEP 766, "Ways that a request falls through":
  "All distributions from higher priority index filtered out due to version specifier,
  compatible Python version, platform tag, yanking or otherwise".
* "version priority": "the index contents are collated prior to candidate selection"; ties
  (the same version on several indexes) go to the higher-priority index.

"Each package's finder should start at the beginning of the list of indexes": :func:`search`
is called once per project and always starts at the first group. Mirror groups ("user-definable
index groups, where each index in the group is assumed to be equivalent") are one step of the
search whose content is combined. Deny lists ("A denylist configuration for the installer
specifies that a particular package name should be ignored on a given index") and per-project
pinning (an *extension*, like uv's explicit indexes) narrow the groups of one project.
Unreachable indexes abort by default ("installers that implement index priority should default
to raising errors and aborting on network issues"); ``allow_fallthrough_on_error`` is the opt-in
("Installers may choose to provide a flag to allow fall-through").
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from packaging.utils import NormalizedName, canonicalize_name

from wheelnext.errors import WheelnextError

T = TypeVar("T")

#: A child of the installer's logger (``wheelnext.install``), so messages reach its handler.
LOG = logging.getLogger("wheelnext.install.index_priority")


class IndexConfigError(WheelnextError):
    """An index plan is inconsistent (unknown index names, an index in two mirror groups), or
    an ``--index``, ``--index-for``, mirror, deny or config-file entry is malformed."""


class IndexUnavailable(WheelnextError):
    """An index answered with an error or could not be reached."""

    def __init__(self, index: str, message: str) -> None:
        super().__init__(message)
        self.index = index


class Strategy(enum.StrEnum):
    """PEP 766's two terms (``--index-strategy``)."""

    INDEX_PRIORITY = "index-priority"
    VERSION_PRIORITY = "version-priority"


@dataclass(frozen=True)
class Index:
    """One configured index: a name (used in messages, pins, the lock) and its simple URL."""

    name: str
    url: str


@dataclass(frozen=True)
class IndexGroup:
    """One step of the search: a single index, or a mirror group treated as one."""

    members: tuple[Index, ...]

    @property
    def name(self) -> str:
        return "+".join(member.name for member in self.members)


@dataclass(frozen=True)
class IndexPlan:
    """The ordered indexes and every rule that changes which are searched for a project."""

    indexes: tuple[Index, ...]
    strategy: Strategy = Strategy.INDEX_PRIORITY
    pins: Mapping[NormalizedName, str] = field(default_factory=dict)
    mirrors: tuple[tuple[str, ...], ...] = ()
    deny: Mapping[str, frozenset[NormalizedName]] = field(default_factory=dict)
    allow_fallthrough_on_error: bool = False

    def __post_init__(self) -> None:
        names = [index.name for index in self.indexes]
        if len(set(names)) != len(names):
            raise IndexConfigError(f"--index: index names must be unique (got {names})")
        known = set(names)
        for project, name in self.pins.items():
            if name not in known:
                raise IndexConfigError(f"--index-for {project}={name}: no index named {name!r}")
        seen: set[str] = set()
        for group in self.mirrors:
            for name in group:
                if name not in known:
                    raise IndexConfigError(f"--mirrors {','.join(group)}: no index named {name!r}")
                if name in seen:
                    raise IndexConfigError(f"--mirrors: index {name!r} is in two mirror groups")
                seen.add(name)
        for name in self.deny:
            if name not in known:
                raise IndexConfigError(f"--index-deny {name}=...: no index named {name!r}")

    def index(self, name: str) -> Index:
        return next(index for index in self.indexes if index.name == name)

    def groups(self) -> list[IndexGroup]:
        """Indexes in priority order, each mirror group at the place of its first member."""
        group_of = {name: group for group in self.mirrors for name in group}
        done: set[str] = set()
        groups: list[IndexGroup] = []
        for index in self.indexes:
            if index.name in done:
                continue
            names = group_of.get(index.name, (index.name,))
            members = tuple(i for i in self.indexes if i.name in names)
            done.update(names)
            groups.append(IndexGroup(members))
        return groups

    def groups_for(self, project: str) -> list[IndexGroup]:
        """The groups searched for *project*: pinned to one index, else all but the denied."""
        name = canonicalize_name(project)
        pinned = self.pins.get(name)
        if pinned is not None:
            return [IndexGroup((self.index(pinned),))]
        kept: list[IndexGroup] = []
        for group in self.groups():
            members = tuple(m for m in group.members if name not in self.deny.get(m.name, ()))
            if members:
                kept.append(IndexGroup(members))
        return kept

    def describe(self) -> str:
        """The info line naming the active strategy (shown when several indexes are set)."""
        order = " > ".join(group.name for group in self.groups())
        return f"index strategy: {self.strategy} (PEP 766); indexes in priority order: {order}"


def search(
    project: str,
    groups: Sequence[IndexGroup],
    viable: Callable[[IndexGroup], list[T]],
    strategy: Strategy,
    *,
    best_first: Callable[[list[T]], list[T]],
    allow_fallthrough_on_error: bool = False,
    skipped: list[str] | None = None,
) -> list[T]:
    """The candidates of *project*, best first, under *strategy*.

    *viable* returns a group's candidates that pass every filter (raising
    :class:`IndexUnavailable` when the group cannot be read); *best_first* orders candidates
    (stable). *skipped* collects why each group gave nothing, for error messages.
    """
    collected: list[T] = []
    for group in groups:
        LOG.debug("%s: considering index %s", project, group.name)
        try:
            found = viable(group)
        except IndexUnavailable as exc:
            if not allow_fallthrough_on_error:
                raise
            LOG.warning("%s; falling through to the next index (--allow-fallthrough-on-error)",
                        exc)
            if skipped is not None:
                skipped.append(f"{group.name}: unreachable ({exc})")
            continue
        if not found:
            LOG.debug("%s: no viable candidates on %s", project, group.name)
            continue
        if strategy is Strategy.INDEX_PRIORITY:
            LOG.debug("%s: using index %s (%d candidates)", project, group.name, len(found))
            return best_first(found)
        collected.extend(found)
    return best_first(collected)


__all__ = [
    "Index",
    "IndexConfigError",
    "IndexGroup",
    "IndexPlan",
    "IndexUnavailable",
    "Strategy",
    "search",
]
