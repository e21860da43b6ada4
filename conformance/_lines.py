"""Line numbers for keys of a TOML file.

``tomllib`` returns values without positions, and no well-kept library maps a
key path back to its line, so this small scanner is written by hand: it walks
the file's table headers and ``key =`` lines and remembers where each key path
(strings for keys, integers for positions in arrays of tables) first appears.
It is only used to point error messages at a line; it never decides validity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")


def _parts(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(dotted)]


class LineMap:
    """Where each key path of one TOML document is written."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        arrays: dict[KeyPath, int] = {}
        current: KeyPath = ()
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                names = _parts(header.group(2))
                resolved: list[str | int] = []
                for i, name in enumerate(names):
                    resolved.append(name)
                    last = i == len(names) - 1
                    if last and header.group(1) == "[[":
                        key = tuple(resolved)
                        arrays[key] = arrays.get(key, -1) + 1
                        resolved.append(arrays[key])
                    elif tuple(resolved) in arrays:
                        resolved.append(arrays[tuple(resolved)])
                current = tuple(resolved)
                self._lines.setdefault(current, number)
                if header.group(1) == "[[":
                    self._lines.setdefault(current[:-1], number)
                continue
            assignment = _KEY.match(line)
            if assignment:
                path = current + tuple(_parts(assignment.group(1)))
                self._lines.setdefault(path, number)
                rest = line[assignment.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote

    def line(self, path: Sequence[str | int]) -> int:
        """The line of *path*, or of its longest written prefix; 1 when none is known."""
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return 1
