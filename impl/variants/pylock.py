"""``[packages.variants-json]`` in ``pylock.toml`` (PEP 825 "Integration with pylock.toml").

PEP 825: the subtable "MUST inline combined variant metadata, following the
same format as the index-level metadata file [...] The ``$schema`` key MUST be
preserved". Tools "MAY remove the entries of the ``variants`` dictionary whose
labels do not occur among the wheels listed for the package, along with any
namespaces that are thereby left unused in ``default-priorities.namespace``.
The entry for every label that does occur MUST be retained in full".

PEP 817 instead made the subtable a reference (``url`` / ``path`` /
``hashes``) to the ``variants.json`` file; :func:`read_variants_json` tells
the two apart and returns :class:`VariantsJsonReference` for the latter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wheelnext.filenames import parse_wheel_name
from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.schema import validate_variant_json

KEY = "variants-json"


@dataclass(frozen=True)
class VariantsJsonReference:
    """PEP 817's form: where to fetch ``variants.json`` and its hashes."""

    url: str | None
    path: str | None
    hashes: dict[str, str] = field(default_factory=dict)


def read_variants_json(
    package: Mapping[str, Any], *, source: str = "pylock.toml"
) -> dict[str, Any] | VariantsJsonReference | None:
    """The ``variants-json`` subtable of one ``[[packages]]`` entry, validated.

    PEP 825: "Tools that support variant-aware resolution MUST validate this
    table against the referenced schema."
    """
    table = package.get(KEY)
    if table is None:
        return None
    where = f"{source}: packages[{package.get('name', '?')}].{KEY}"
    if not isinstance(table, Mapping):
        raise InvalidVariantMetadata(f"{where}: must be a table")
    if "$schema" not in table and ({"url", "path"} & set(table)):
        return _reference(table, where)
    validate_variant_json(table, source=where, kind="lock")
    return dict(table)


def _reference(table: Mapping[str, Any], where: str) -> VariantsJsonReference:
    """PEP 817's reference form, with every field of the type PEP 751 gives its
    ``url`` / ``path`` (strings) and ``hashes`` (a table of strings)."""
    for key in ("url", "path"):
        if key in table and not isinstance(table[key], str):
            raise InvalidVariantMetadata(
                f"{where}.{key}: must be a string, not {type(table[key]).__name__}"
            )
    hashes = table.get("hashes", {})
    if not isinstance(hashes, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in hashes.items()
    ):
        raise InvalidVariantMetadata(f"{where}.hashes: must be a table of strings")
    unknown = sorted(set(table) - {"url", "path", "hashes"})
    if unknown:
        raise InvalidVariantMetadata(f"{where}: unknown key {unknown[0]!r}")
    return VariantsJsonReference(table.get("url"), table.get("path"), dict(hashes))


def variants_json_for_lock(
    combined: Mapping[str, Any], wheel_filenames: Iterable[str] | None = None
) -> dict[str, Any]:
    """The subtable to write: *combined* metadata, pruned to the listed wheels' labels.

    With *wheel_filenames* None nothing is pruned. Namespaces still used by a
    kept label stay, in their order; a namespace list never becomes empty.
    """
    doc = json.loads(json.dumps(combined))  # a deep copy of plain data
    if wheel_filenames is None:
        return dict(doc)
    labels = {parse_wheel_name(name.rsplit("/", 1)[-1]).variant_label for name in wheel_filenames}
    doc["variants"] = {label: props for label, props in doc["variants"].items() if label in labels}
    used = {ns for props in doc["variants"].values() for ns, feats in props.items() if feats}
    kept = [ns for ns in doc["default-priorities"]["namespace"] if ns in used]
    if kept and "providers" not in doc:
        doc["default-priorities"]["namespace"] = kept
    return dict(doc)


def _toml_key(key: str) -> str:
    return (
        key
        if key.replace("-", "").replace("_", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise InvalidVariantMetadata(f"cannot write {value!r} to TOML")


def format_variants_json(table: Mapping[str, Any], prefix: str = "packages") -> str:
    """TOML text of the subtable, laid out like PEP 825's example.

    Written by hand: the standard library reads TOML but does not write it.
    JSON string escapes are valid TOML basic-string escapes.
    """
    base = f"[{prefix}.{KEY}]"
    lines = [base]
    nested: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            nested.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in nested:
        lines.append("")
        lines.append(f"[{prefix}.{KEY}.{_toml_key(key)}]")
        lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
    return "\n".join(lines) + "\n"
