"""Core metadata (``METADATA`` / ``PKG-INFO``) with the fields the new PEPs add.

``packaging.metadata`` validates only the fields of core metadata 2.6, so
under ``validate=True`` it refuses ``Default-Extra`` (PEP 771) and
``Wheel-Version`` (PEP 777). Reading is layered on its
:func:`packaging.metadata.parse_email`, which tolerates unknown fields and hands
them back as "unparsed"; writing uses its :class:`~packaging.metadata.RFC822Message`.
:func:`parse_metadata` reads back exactly what :func:`format_metadata` writes.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass
from typing import Any

from packaging.metadata import RFC822Message, parse_email
from packaging.utils import canonicalize_name

from wheelnext.errors import InvalidMetadata

#: The newest Metadata-Version the living core metadata specification defines
#: ("This page describes version 2.6", core-metadata.rst).
LATEST_SPECIFIED = "2.6"
#: What we write when no newer field is used: 2.4 (PEP 639) is what today's
#: backends write and every current tool reads.
BASELINE = "2.4"
#: PEP 771 asks for "the next minor version (2.5 at the time of writing)" for
#: ``Default-Extra``; 2.5 (PEP 794) and 2.6 (PEP 808) are taken, so the next
#: free one is 2.7. See docs/spec-notes/pep771-metadata-version.rst.
DEFAULT_EXTRA_VERSION = "2.7"

#: Fields this module models; every other header is kept, in order, in ``extra``.
_MODELED = (
    "metadata-version", "name", "version", "summary", "requires-python", "requires-dist",
    "provides-extra", "default-extra", "wheel-version", "dynamic", "description",
)
#: Multiple-use fields for the PEP 566 JSON form (core metadata "(multiple use)" fields).
_MULTIPLE_USE = {
    "classifier", "dynamic", "import-name", "import-namespace", "license-file", "obsoletes",
    "obsoletes-dist", "platform", "project-url", "provides", "provides-dist", "provides-extra",
    "requires", "requires-dist", "requires-external", "supported-platform", "default-extra",
}


@dataclass(frozen=True)
class CoreMetadata:
    """The core metadata of one distribution, new PEP fields included."""

    metadata_version: str
    name: str
    version: str
    summary: str | None = None
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()
    provides_extra: tuple[str, ...] = ()
    default_extra: tuple[str, ...] = ()
    wheel_version: str | None = None
    dynamic: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    description: str | None = None


def metadata_version_for(*, default_extra: bool) -> str:
    """The Metadata-Version a file needs: :data:`DEFAULT_EXTRA_VERSION` with Default-Extra."""
    return DEFAULT_EXTRA_VERSION if default_extra else BASELINE


def format_metadata(meta: CoreMetadata) -> bytes:
    """Serialize *meta* in the email-header format (UTF-8, fields in a fixed order)."""
    message = RFC822Message()
    message["Metadata-Version"] = meta.metadata_version
    message["Name"] = meta.name
    message["Version"] = meta.version
    if meta.wheel_version is not None:
        message["Wheel-Version"] = meta.wheel_version
    if meta.summary is not None:
        message["Summary"] = meta.summary
    if meta.requires_python is not None:
        message["Requires-Python"] = meta.requires_python
    for value in meta.dynamic:
        message["Dynamic"] = value
    for value in meta.requires_dist:
        message["Requires-Dist"] = value
    for value in meta.provides_extra:
        message["Provides-Extra"] = value
    for value in meta.default_extra:
        message["Default-Extra"] = value
    for name, value in meta.extra:
        if name.lower() in _MODELED:
            raise InvalidMetadata(f"metadata header {name!r}: set through its own field")
        message[name] = value
    if meta.description is not None:
        message.set_payload(meta.description)
    return message.as_bytes()


def _single(name: str, values: list[str] | None, source: str) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        raise InvalidMetadata(f"{source}: {name} given {len(values)} times (single use)")
    return values[0]


def parse_metadata(data: bytes | str, *, source: str = "METADATA") -> CoreMetadata:
    """Read core metadata written by :func:`format_metadata` (or any tool) back into fields."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMetadata(f"{source}: not UTF-8 ({exc.reason})") from None
    raw, unparsed = parse_email(data)
    for field in ("metadata_version", "name", "version"):
        if field not in raw:
            name = field.replace("_", "-").title()
            reason = "invalid or repeated" if name.lower() in unparsed else "missing"
            raise InvalidMetadata(f"{source}: {reason} required field {name}")
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(data)
    extra = tuple(
        (name, str(value)) for name, value in message.items() if name.lower() not in _MODELED
    )
    description = raw.get("description")
    return CoreMetadata(
        metadata_version=raw["metadata_version"],
        name=raw["name"],
        version=raw["version"],
        summary=raw.get("summary"),
        requires_python=raw.get("requires_python"),
        requires_dist=tuple(raw.get("requires_dist", ())),
        provides_extra=tuple(raw.get("provides_extra", ())),
        default_extra=tuple(unparsed.get("default-extra", ())),
        wheel_version=_single("Wheel-Version", unparsed.get("wheel-version"), source),
        dynamic=tuple(raw.get("dynamic", ())),
        extra=extra,
        description=description if description else None,
    )


def check_default_extras(meta: CoreMetadata, *, source: str = "METADATA") -> None:
    """PEP 771: "Only entries already specified in a Provides-Extra entry can be used"."""
    provided = {canonicalize_name(e) for e in meta.provides_extra}
    for extra in meta.default_extra:
        if canonicalize_name(extra) not in provided:
            raise InvalidMetadata(f"{source}: Default-Extra {extra!r} is not a Provides-Extra")


def metadata_json(meta: CoreMetadata) -> dict[str, Any]:
    """The PEP 566 "JSON-compatible metadata" form of *meta*.

    PEP 566: keys lower-cased with hyphens turned into underscores, multiple-use
    fields as lists, ``Keywords`` split on commas, the body as ``description``.
    """
    parsed = parse_metadata(format_metadata(meta))
    result: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        key = name.lower().replace("-", "_")
        if name.lower() in _MULTIPLE_USE:
            result.setdefault(key, []).append(value)
        elif name.lower() == "keywords":
            result[key] = [word.strip() for word in value.split(",") if word.strip()]
        elif key in result:
            previous = result[key]
            result[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[key] = value

    put("Metadata-Version", parsed.metadata_version)
    put("Name", parsed.name)
    put("Version", parsed.version)
    if parsed.wheel_version is not None:
        put("Wheel-Version", parsed.wheel_version)
    if parsed.summary is not None:
        put("Summary", parsed.summary)
    if parsed.requires_python is not None:
        put("Requires-Python", parsed.requires_python)
    for field, values in (
        ("Dynamic", parsed.dynamic),
        ("Requires-Dist", parsed.requires_dist),
        ("Provides-Extra", parsed.provides_extra),
        ("Default-Extra", parsed.default_extra),
    ):
        for value in values:
            put(field, value)
    for name, value in parsed.extra:
        put(name, value)
    if parsed.description is not None:
        result["description"] = parsed.description
    return result


def format_metadata_json(meta: CoreMetadata) -> bytes:
    """``METADATA.json``: :func:`metadata_json`, sorted keys, UTF-8, newline-terminated."""
    return (json.dumps(metadata_json(meta), indent=2, sort_keys=True, ensure_ascii=False)
            + "\n").encode("utf-8")
