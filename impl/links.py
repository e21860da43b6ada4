"""PEP 778 (deferred) symlinks: the ``*.dist-info/LINKS`` file and its static checks.

PEP 778, "New LINKS Metadata File": "The format of LINKS ... is
``source_path,target_path`` where source_path is a path relative to the root
of any namespace or package root in the wheel. target_path is a
*non-dangling* path (i.e. a path that exists on the filesystem after the
wheel's contents are extracted)". We read the first column as the link that
gets created and the second as what it points to, which must exist; the PEP's
own example lists the real file first, which contradicts that text (see the
builder's page, ``docs/components/build.rst``). Both columns are
wheel-root relative ``/``-separated paths. The format "is derived from
RECORD", so lines are CSV rows.

The checks are the ones PEP 778 asks of installers ("Security Implications")
and of build backends ("MUST verify that there are no dangling symlinks"):
no escaping, no dangling, no cyclic link, and a bounded chain length.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wheelnext.errors import WheelnextError

#: PEP 778: "Installers MAY error if a long chain of symlinks ... exceeds a limit".
DEFAULT_MAX_DEPTH = 16


class InvalidLinks(WheelnextError):
    """A ``LINKS`` file is malformed, or a link dangles, escapes or loops."""


@dataclass(frozen=True)
class Link:
    """One ``LINKS`` row: *path* (``source_path``) is a link pointing at *target*."""

    path: str
    target: str


def parse_links(data: bytes | str, *, source: str = "LINKS") -> tuple[Link, ...]:
    """Parse ``LINKS`` content; every row must have exactly two non-empty columns."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    links = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) != 2 or not all(row):
            raise InvalidLinks(f"{source}: line {number}: expected 'source_path,target_path'")
        links.append(Link(row[0], row[1]))
    return tuple(links)


def format_links(links: Iterable[Link]) -> bytes:
    """Write ``LINKS`` rows in the given order (CSV, ``\\n`` line ends), without checking."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for link in links:
        writer.writerow((link.path, link.target))
    return out.getvalue().encode("utf-8")


def _check_inside(path: str, packages: set[str], what: str, source: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or ":" in parts[0]:
        raise InvalidLinks(f"{source}: {what} {path!r} is absolute; it must be wheel-relative")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidLinks(f"{source}: {what} {path!r} escapes: '.', '..' or empty part")
    if len(parts) < 2 or parts[0] not in packages:
        raise InvalidLinks(
            f"{source}: {what} {path!r} is outside every package or namespace of the wheel"
        )


def packages_of(files: Iterable[str]) -> set[str]:
    """Top-level directories of the wheel root, less ``.dist-info`` and ``.data``."""
    return {
        path.split("/", 1)[0]
        for path in files
        if "/" in path and not path.split("/", 1)[0].endswith((".dist-info", ".data"))
    }


def resolve(path: str, links: dict[str, str], *, max_depth: int = DEFAULT_MAX_DEPTH,
            source: str = "LINKS") -> str:
    """Follow links in *path* and its parents until no link is left; refuse loops.

    PEP 778: "Installers MUST resolve the paths of any link contained in the
    LINKS file before deciding if any source_path or target_path are valid".
    """
    seen = {path}
    start = path
    for _ in range(max_depth + 1):
        parts = path.split("/")
        for end in range(len(parts), 0, -1):
            prefix = "/".join(parts[:end])
            if prefix in links:
                path = "/".join([links[prefix], *parts[end:]])
                break
        else:
            return path
        if path in seen:
            raise InvalidLinks(f"{source}: link {start!r} is cyclic")
        seen.add(path)
    raise InvalidLinks(f"{source}: link {start!r}: chain longer than {max_depth} links")


def validate_links(
    links: Sequence[Link],
    files: Iterable[str],
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    source: str = "LINKS",
) -> None:
    """Refuse escaping, dangling, cyclic or over-long links against the wheel's *files*."""
    files = set(files)
    directories = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
    packages = packages_of(files)
    table: dict[str, str] = {}
    for link in links:
        _check_inside(link.path, packages, "link", source)
        _check_inside(link.target, packages, "target", source)
        if link.path in table:
            raise InvalidLinks(f"{source}: link {link.path!r} listed twice")
        if link.path in files or link.path in directories:
            raise InvalidLinks(f"{source}: link {link.path!r} is also a file or directory")
        table[link.path] = link.target
    for link in links:
        final = resolve(link.path, table, max_depth=max_depth, source=source)
        _check_inside(final, packages, f"link {link.path!r} resolves to", source)
        if final not in files and final not in directories:
            raise InvalidLinks(
                f"{source}: link {link.path!r} -> {link.target!r} is dangling"
            )
