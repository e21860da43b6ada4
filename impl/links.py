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
no escaping, no dangling, no cyclic link, and a bounded chain length. They run
on the layout as the file system will have it (PEP 778: "Installers MUST resolve
the paths of any link contained in the LINKS file before deciding if any
source_path or target_path are valid"): links are made in ``LINKS`` order, so a
link declared through an earlier folder link lands in that link's target, and is
judged (and its symlink text computed) there. Links never make folders.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wheelnext.errors import WheelnextError

#: PEP 778: "Installers MAY error if a long chain of symlinks ... exceeds a limit".
DEFAULT_MAX_DEPTH = 16
#: The longest file name (in bytes) of ext4, APFS, NTFS and most other file systems.
NAME_MAX = 255


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
    if any(len(part.encode("utf-8")) > NAME_MAX for part in parts):
        raise InvalidLinks(f"{source}: {what} {path[:60]!r}...: a name longer than {NAME_MAX} "
                           "bytes, which no common file system can hold")
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


def _first_link(path: str, links: dict[str, str]) -> tuple[str, str] | None:
    """The leftmost prefix of *path* that is a link, as the kernel meets it, and the rest."""
    parts = path.split("/")
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        if prefix in links:
            return prefix, "/".join(parts[end:])
    return None


def resolve(path: str, links: dict[str, str], *, max_depth: int = DEFAULT_MAX_DEPTH,
            source: str = "LINKS") -> str:
    """Follow links in *path* and its parents until no link is left; refuse loops.

    *links* maps each link's real place (its folder already resolved, see
    :func:`plan_links`) to its target. PEP 778: "Installers MUST resolve the paths of any
    link contained in the LINKS file before deciding if any source_path or target_path are
    valid".
    """
    seen = {path}
    start = path
    for _ in range(max_depth + 1):
        found = _first_link(path, links)
        if found is None:
            return path
        prefix, rest = found
        path = "/".join(part for part in (links[prefix], rest) if part)
        if path in seen:
            raise InvalidLinks(f"{source}: link {start!r} is cyclic")
        seen.add(path)
    raise InvalidLinks(f"{source}: link {start!r}: chain longer than {max_depth} links")


@dataclass(frozen=True)
class PlacedLink:
    """A ``LINKS`` row placed on the real layout: where the link lands and what it says.

    *place* is the link's folder resolved through the links declared before it (what the
    file system does when the link is created), plus its name; *text* is the relative
    symlink text from that folder; *final* is the file or folder it ends at.
    """

    declared: str
    place: str
    text: str
    final: str
    is_dir: bool


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def _relative(target: str, folder: str) -> str:
    """``posixpath.relpath`` for two clean wheel-relative paths (no ``..`` in either)."""
    to, start = target.split("/"), folder.split("/")
    common = 0
    while common < min(len(to), len(start)) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


def root_layout(paths: Iterable[str], data_dir: str) -> tuple[list[str], set[str]]:
    """The wheel's root files, and the root paths its ``.data/purelib`` and ``.data/platlib``
    files also occupy (binary distribution format: those go to the scheme of the same name,
    which is often the root folder itself)."""
    prefix = data_dir + "/"
    paths = list(paths)
    root = [path for path in paths if not path.startswith(prefix)]
    occupied: set[str] = set()
    for path in paths:
        for scheme in ("purelib/", "platlib/"):
            if path.startswith(prefix + scheme):
                rest = path[len(prefix + scheme):]
                parts = rest.split("/")
                occupied.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
    return root, occupied


def plan_links(
    links: Sequence[Link],
    files: Iterable[str],
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    source: str = "LINKS",
    occupied: Iterable[str] = (),
) -> tuple[PlacedLink, ...]:
    """Check *links* on the fully resolved layout of the wheel's *files*; say where each lands.

    Links are created in ``LINKS`` order, so a link declared through an earlier directory
    link really lands in that link's target folder: every check runs on that real place,
    never on the text as written. Each link's folder must be a real folder of the wheel
    (links never create folders), its real place must be free, its target must end at a
    file or folder of the wheel inside a package, and no directory link may lead back to a
    folder holding it (a copy would never end). PEP 778, "Security Implications": installers
    must refuse links that escape, dangle or loop.
    """
    files = set(files)
    directories = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
    packages = packages_of(files)
    taken = set(occupied)
    places: dict[str, str] = {}
    declared: list[tuple[Link, str]] = []
    for link in links:
        _check_inside(link.path, packages, "link", source)
        _check_inside(link.target, packages, "target", source)
        if "__pycache__" in link.path.split("/"):
            # As installers treat files there: bytecode would be written through the link.
            raise InvalidLinks(f"{source}: link {link.path!r} is in or is a __pycache__ folder")
        folder = resolve(_parent(link.path), places, max_depth=max_depth, source=source)
        _check_inside(f"{folder}/x", packages, f"folder of link {link.path!r} resolves to",
                      source)
        if folder not in directories:
            raise InvalidLinks(f"{source}: link {link.path!r}: its folder {folder!r} is not a "
                               "folder of the wheel")
        place = f"{folder}/{link.path.rpartition('/')[2]}"
        if place in places:
            raise InvalidLinks(f"{source}: link {link.path!r} listed twice (lands at {place!r})")
        if place in files or place in directories or place in taken:
            raise InvalidLinks(f"{source}: link {link.path!r} is also a file or directory"
                               + ("" if place == link.path else f" (lands at {place!r})"))
        places[place] = link.target
        declared.append((link, place))
    placed = []
    for link, place in declared:
        final = resolve(place, places, max_depth=max_depth, source=source)
        _check_inside(final, packages, f"link {link.path!r} resolves to", source)
        if final not in files and final not in directories:
            raise InvalidLinks(f"{source}: link {link.path!r} -> {link.target!r} is dangling")
        if final in directories and (place + "/").startswith(final + "/"):
            raise InvalidLinks(f"{source}: link {link.path!r} is cyclic: it points to a "
                               "folder that holds it")
        target_folder = resolve(_parent(link.target), places, max_depth=max_depth,
                                source=source)
        _check_inside(f"{target_folder}/x", packages, f"target of {link.path!r} resolves to",
                      source)
        target = f"{target_folder}/{link.target.rpartition('/')[2]}"
        placed.append(PlacedLink(link.path, place, _relative(target, _parent(place)), final,
                                 final in directories))
    _refuse_folder_cycles(placed, source)
    return tuple(placed)


def _refuse_folder_cycles(placed: Sequence[PlacedLink], source: str) -> None:
    """Refuse directory links that reach each other's folders in a ring (a -> b/.. -> a)."""
    folder_links = {link.place: link.final for link in placed if link.is_dir}
    ordered = sorted(folder_links)

    def inside(final: str) -> list[str]:
        start = bisect.bisect_left(ordered, final + "/")
        end = bisect.bisect_left(ordered, final + "0")  # "0" follows "/" in code points
        return ordered[start:end]

    state: dict[str, int] = {}
    for root in ordered:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(inside(folder_links[root])))]
        while stack:
            node, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                state[node] = 2
                stack.pop()
            elif state.get(following) == 1:
                raise InvalidLinks(f"{source}: link {node!r} is cyclic through {following!r}")
            elif following not in state:
                state[following] = 1
                stack.append((following, iter(inside(folder_links[following]))))


def validate_links(
    links: Sequence[Link],
    files: Iterable[str],
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    source: str = "LINKS",
    occupied: Iterable[str] = (),
) -> tuple[PlacedLink, ...]:
    """Refuse escaping, dangling, cyclic or over-long links against the wheel's *files*.

    The same checks as :func:`plan_links` (installing, ``wheel check``, building and
    converting all see one answer), whose plan it returns.
    """
    return plan_links(links, files, max_depth=max_depth, source=source, occupied=occupied)
