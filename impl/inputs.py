"""Reading files a user names: bounded, decoded and parsed once, with one-line errors.

The rule for bad input is one line naming the file, exit 2, no traceback, nothing written.
Every command reads its input files through here, so the same inputs fail the same way
everywhere: a directory or a device such as ``/dev/zero`` (which never ends) is refused
before a byte is read, a file larger than the caller's limit is refused after reading one
byte past it, bytes that are not UTF-8 and JSON or TOML nested deeper than any document of
ours can be are refused by name. Each function raises the caller's
:class:`~wheelnext.errors.WheelnextError` subclass (*error*), so a domain keeps its own
error type. Written by hand: no library bounds a read and names the file in one place.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from wheelnext.errors import WheelnextError

#: The largest input read by default (specs, requirement lists, records, certificates).
MAX_BYTES = 64 * 1024 * 1024
#: The deepest nesting accepted by default; no document of ours nests past a dozen levels.
MAX_DEPTH = 64


class InvalidInput(WheelnextError):
    """A file named by the user cannot be read as the kind of file it should be."""


def _open_regular(path: Path, what: str, error: type[WheelnextError]) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error(f"{path}: cannot read {what}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode):
        return fd
    os.close(fd)
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a directory, not a {what}")
    raise error(f"{path}: not a regular file (a device, FIFO or socket), not a {what}")


def require_regular_file(path: Path, *, what: str = "file",
                         error: type[WheelnextError] = InvalidInput) -> None:
    """Raise unless *path* is a regular file (not a directory, FIFO or device) we can open."""
    os.close(_open_regular(Path(path), what, error))


def read_bytes(path: Path, *, what: str = "file", limit: int = MAX_BYTES,
               error: type[WheelnextError] = InvalidInput) -> bytes:
    """The bytes of the regular file *path*, at most *limit* of them."""
    fd = _open_regular(Path(path), what, error)
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
    if len(data) > limit:
        raise error(f"{path}: larger than {limit} bytes, too large for a {what}")
    return data


def decode(data: bytes, source: str, *, error: type[WheelnextError] = InvalidInput) -> str:
    """*data* as UTF-8 text (a byte-order mark dropped); NUL bytes mean a binary file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{source}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    if "\x00" in text:
        raise error(f"{source}: contains NUL bytes, not a text file")
    return text


def read_text(path: Path, *, what: str = "file", limit: int = MAX_BYTES,
              error: type[WheelnextError] = InvalidInput) -> str:
    """:func:`read_bytes` decoded by :func:`decode`."""
    return decode(read_bytes(path, what=what, limit=limit, error=error), str(path), error=error)


def check_depth(value: Any, source: str, *, limit: int = MAX_DEPTH,
                error: type[WheelnextError] = InvalidInput) -> None:
    """Raise when *value* nests lists or mappings deeper than *limit* (walked iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            raise error(f"{source}: nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def loads_json(text: str, source: str, *, limit: int = MAX_DEPTH,
               error: type[WheelnextError] = InvalidInput) -> Any:
    """JSON text, parsed; invalid or too deeply nested JSON is one line naming *source*."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: invalid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise error(f"{source}: nested deeper than {limit} levels") from None
    check_depth(doc, source, limit=limit, error=error)
    return doc


def loads_toml(text: str, source: str, *, limit: int = MAX_DEPTH,
               error: type[WheelnextError] = InvalidInput) -> dict[str, Any]:
    """TOML text, parsed; invalid or too deeply nested TOML is one line naming *source*."""
    import tomllib  # only commands that read TOML pay for it (installer start-up)

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise error(f"{source}: nested deeper than {limit} levels") from None
    check_depth(doc, source, limit=limit, error=error)
    return doc


def read_json(path: Path, *, what: str = "JSON file", limit: int = MAX_BYTES,
              error: type[WheelnextError] = InvalidInput) -> Any:
    """A JSON file: :func:`read_text` then :func:`loads_json`."""
    return loads_json(read_text(path, what=what, limit=limit, error=error), str(path),
                      error=error)


def read_json_object(path: Path, *, what: str = "JSON file", limit: int = MAX_BYTES,
                     error: type[WheelnextError] = InvalidInput) -> dict[str, Any]:
    """A JSON file whose top level must be an object."""
    doc = read_json(path, what=what, limit=limit, error=error)
    if not isinstance(doc, dict):
        raise error(f"{path}: must be a JSON object, not {_kind(doc)}")
    return doc


def read_toml(path: Path, *, what: str = "TOML file", limit: int = MAX_BYTES,
              error: type[WheelnextError] = InvalidInput) -> dict[str, Any]:
    """A TOML file: :func:`read_text` then :func:`loads_toml`."""
    return loads_toml(read_text(path, what=what, limit=limit, error=error), str(path),
                      error=error)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
