"""``native-libraries.json``: what a library wheel declares it installs (extension: no PEP
defines it; see ``docs/spec-notes/nativelib-sharing.rst``).

A *library wheel* installs a shared library at a fixed place under its install root and says
so in one small file of its ``.dist-info`` folder::

    {
      "version": 1,
      "libraries": [
        {"name": "demo", "soname": "libdemo.so.1", "abi-version": "1.2",
         "path": "demo_lib/lib/libdemo.so.1"}
      ]
    }

``name`` is what consumers ask the loader for; ``soname`` is the library's ``DT_SONAME``, the
name the consumers' ``DT_NEEDED`` entries carry; ``abi-version`` is a PEP 440 version that
changes its major part whenever the binary interface breaks; ``path`` is ``/``-separated and
relative to the folder that holds the ``.dist-info`` folder (``site-packages``, a
``--target`` folder), the same base as ``RECORD`` paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

from wheelnext.errors import InvalidMetadata

#: The declaration's file name inside ``.dist-info``.
FILENAME = "native-libraries.json"
#: The only format version this reader knows.
FORMAT_VERSION = 1
#: A declaration larger than this is refused unread.
MAX_SIZE = 64 * 1024
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_SONAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}$")
_KEYS = {"name", "soname", "abi-version", "path"}


@dataclass(frozen=True)
class NativeLibrary:
    """One declared library."""

    name: str
    soname: str
    abi_version: Version
    path: str


def _field(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise InvalidMetadata(f"{where}: {key!r} must be a string")
    return value


def _library(entry: object, where: str) -> NativeLibrary:
    if not isinstance(entry, dict):
        raise InvalidMetadata(f"{where}: must be an object")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InvalidMetadata(f"{where}: unknown key {unknown[0]!r}")
    name = _field(entry, "name", where)
    if not _NAME.match(name):
        raise InvalidMetadata(f"{where}: name {name!r} must be lowercase letters, digits, "
                              "'.', '_' or '-'")
    soname = _field(entry, "soname", where)
    if not _SONAME.match(soname):
        raise InvalidMetadata(f"{where}: soname {soname!r} is not a file name")
    raw_version = _field(entry, "abi-version", where)
    try:
        abi_version = Version(raw_version)
    except InvalidVersion:
        raise InvalidMetadata(f"{where}: abi-version {raw_version!r} is not a PEP 440 "
                              "version") from None
    path = _field(entry, "path", where)
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts) \
            or ":" in parts[0]:
        raise InvalidMetadata(f"{where}: path {path!r} must be relative, '/'-separated, "
                              "without '.' or '..'")
    return NativeLibrary(name, soname, abi_version, path)


def parse_declaration(data: bytes, *, source: str) -> tuple[NativeLibrary, ...]:
    """The libraries a ``native-libraries.json`` declares; :class:`InvalidMetadata` naming
    *source* and the field otherwise."""
    if len(data) > MAX_SIZE:
        raise InvalidMetadata(f"{source}: larger than {MAX_SIZE} bytes")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidMetadata(f"{source}: not UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise InvalidMetadata(f"{source}: not JSON ({reason})") from None
    if not isinstance(document, dict):
        raise InvalidMetadata(f"{source}: must be a JSON object")
    if document.get("version") != FORMAT_VERSION:
        raise InvalidMetadata(f"{source}: 'version' must be {FORMAT_VERSION}")
    unknown = sorted(set(document) - {"version", "libraries"})
    if unknown:
        raise InvalidMetadata(f"{source}: unknown key {unknown[0]!r}")
    entries = document.get("libraries")
    if not isinstance(entries, list) or not entries:
        raise InvalidMetadata(f"{source}: 'libraries' must be a non-empty list")
    libraries = tuple(_library(entry, f"{source}: libraries[{index}]")
                      for index, entry in enumerate(entries))
    seen: set[str] = set()
    for library in libraries:
        if library.name in seen:
            raise InvalidMetadata(f"{source}: library {library.name!r} declared twice")
        seen.add(library.name)
    return libraries


def format_declaration(libraries: tuple[NativeLibrary, ...] | list[NativeLibrary]) -> bytes:
    """The ``native-libraries.json`` bytes for *libraries* (sorted keys, one trailing newline)."""
    document = {"version": FORMAT_VERSION, "libraries": [
        {"name": lib.name, "soname": lib.soname, "abi-version": str(lib.abi_version),
         "path": lib.path} for lib in libraries]}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
