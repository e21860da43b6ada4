"""Reading variant metadata and other user inputs: bounded, strict JSON, one-line errors.

PEP 825 "Variant metadata" defines ``variant.json`` and ``*-variants.json`` as
JSON objects keyed by namespace, feature and label. RFC 8259 only says object
names "SHOULD be unique"; Python's :func:`json.loads` silently keeps the last
of two equal names, so ``{"x86_64": {...}, "x86_64": {...}}`` inside a label
would quietly lose properties. Here a repeated name is an error, as are
documents nested deeper than any variant document can be, documents larger
than :data:`MAX_BYTES`, and inputs that are not regular files (a directory,
``/dev/zero``). Every failure is an :class:`InvalidVariantMetadata` (a
:class:`~wheelnext.errors.WheelnextError`) whose message names the input.

:func:`loads_strict` is the loader the builder and the index adopt for the
same rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wheelnext import inputs
from wheelnext.variants.errors import InvalidVariantMetadata

#: The largest input read (variant metadata of thousands of labels is far smaller).
MAX_BYTES = 16 * 1024 * 1024
#: The deepest nesting accepted: variant documents nest four levels, a lock table five.
MAX_DEPTH = 32


class DuplicateKey(InvalidVariantMetadata):
    """A JSON object names the same key twice."""


def _no_duplicates(source: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise DuplicateKey(f"{source}: duplicate JSON key {key!r}")
            result[key] = value
        return result

    return hook


def check_depth(value: Any, source: str, limit: int = MAX_DEPTH) -> None:
    """Raise when *value* nests lists or mappings deeper than *limit*."""
    inputs.check_depth(value, source, limit=limit, error=InvalidVariantMetadata)


def loads_strict(text: str | bytes, source: str) -> Any:
    """Parse JSON, rejecting repeated object keys, deep nesting and bad encodings.

    *source* names the input in every error message.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidVariantMetadata(f"{source}: not UTF-8 text ({exc.reason})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates(source))
    except json.JSONDecodeError as exc:
        raise InvalidVariantMetadata(f"{source}: not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidVariantMetadata(f"{source}: nested deeper than {MAX_DEPTH} levels") from None
    check_depth(doc, source)
    return doc


def require_regular_file(path: Path, *, what: str = "file") -> None:
    """Raise unless *path* is a regular file (not a directory, FIFO or device)."""
    inputs.require_regular_file(path, what=what, error=InvalidVariantMetadata)


def read_bytes(path: Path, *, what: str = "file", limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file *path*, at most *limit* of them, or a one-line error."""
    return inputs.read_bytes(path, what=what, limit=limit, error=InvalidVariantMetadata)


def read_text(path: Path, *, what: str = "file", limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8."""
    return inputs.read_text(path, what=what, limit=limit, error=InvalidVariantMetadata)


def read_json(path: Path, *, what: str = "JSON file") -> Any:
    """A JSON file, parsed by :func:`loads_strict`."""
    return loads_strict(read_text(path, what=what), str(path))


def read_json_object(path: Path, *, what: str = "JSON file") -> dict[str, Any]:
    """A JSON file whose top level must be an object."""
    doc = read_json(path, what=what)
    if not isinstance(doc, dict):
        raise InvalidVariantMetadata(f"{path}: must be a JSON object, not {type(doc).__name__}")
    return doc


def loads_toml(text: str, source: str) -> dict[str, Any]:
    """TOML (which forbids duplicate keys itself), with deep nesting as a one-line error."""
    return inputs.loads_toml(text, source, limit=MAX_DEPTH, error=InvalidVariantMetadata)
