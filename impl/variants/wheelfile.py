"""A wheel's ``*.dist-info/variant.json``, read and checked against the wheel's filename.

PEP 825: "The variant wheel MUST contain a ``variant.json`` file in its ``.dist-info``
directory", describing exactly the filename's label. Shared by the ``variants`` commands
and the harness's lock writer, so neither reads wheels its own way.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from wheelnext.errors import WheelnextError
from wheelnext.filenames import WheelFilename, parse_wheel_name
from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.jsonio import MAX_BYTES, loads_strict, require_regular_file
from wheelnext.variants.models import VARIANT_JSON
from wheelnext.variants.schema import variant_json_problems


def _member_bytes(archive: zipfile.ZipFile, name: str, source: str) -> bytes:
    """One archive member, refused before reading when it claims or turns out too large."""
    info = archive.getinfo(name)
    if info.file_size > MAX_BYTES:
        raise InvalidVariantMetadata(f"{source}: larger than {MAX_BYTES} bytes")
    with archive.open(info) as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidVariantMetadata(f"{source}: larger than {MAX_BYTES} bytes")
    return data


def _wheel_name(path: Path) -> WheelFilename:
    """The parsed name of the wheel at *path*; an error names the path."""
    try:
        return parse_wheel_name(path.name)
    except WheelnextError as exc:
        message = str(exc).removeprefix(f"{path.name}: ")
        raise InvalidVariantMetadata(f"{path}: {message}") from None


def read_wheel_variant_json(path: Path) -> dict[str, Any]:
    """The ``*.dist-info/variant.json`` document of a wheel, validated against its filename."""
    wheel = _wheel_name(path)
    if wheel.variant_label is None:
        raise InvalidVariantMetadata(f"{path}: not a variant wheel (no variant label)")
    require_regular_file(path, what="wheel")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(f".dist-info/{VARIANT_JSON}")
            ]
            if len(names) != 1:
                raise InvalidVariantMetadata(f"{path}: expected one *.dist-info/{VARIANT_JSON}")
            source = f"{path}: {names[0]}"
            data = _member_bytes(archive, names[0], source)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        if isinstance(exc, InvalidVariantMetadata):
            raise
        raise InvalidVariantMetadata(f"{path}: cannot read {VARIANT_JSON}: {exc}") from None
    doc = loads_strict(data, source)
    if not isinstance(doc, dict):
        raise InvalidVariantMetadata(f"{source}: must be a JSON object")
    _, problems = variant_json_problems(doc, source=str(path), kind="wheel")
    if problems:
        raise InvalidVariantMetadata(f"{path}: {VARIANT_JSON}: {problems[0]}")
    if wheel.variant_label not in doc["variants"]:
        raise InvalidVariantMetadata(
            f"{path}: {VARIANT_JSON} describes {', '.join(doc['variants'])}, not the filename's"
            f" label {wheel.variant_label}"
        )
    return dict(doc)
