"""Combining variant metadata (PEP 825, "Metadata consistency").

The ``variant.json`` files of a release's wheels (or any mix of those and
``*-variants.json`` files) combine into the index-level
``{name}-{version}-variants.json`` document, which has the same keys as
``variant.json`` ("This file uses the same structure as variant metadata,
except that the variants object is index-scoped").

- ``default-priorities.namespace``: "the lists MUST either be identical, or
  the longer MUST start with the elements of the shorter one, in the same
  order. Combining them MUST yield the longer list."
- ``variants``: "the same variant label MUST always map to the same set of
  properties. Combining them MUST yield the union of the dictionaries."

Both rules are symmetric, so the result does not depend on input order; the
output is written canonically (labels, namespaces and features sorted, values
sorted lexically) so that it is byte-for-byte order-independent too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wheelnext.variants.errors import InconsistentVariantMetadata, InvalidVariantMetadata

#: PEP 817 keys that the PEP recommends be identical across a release ("It is
#: RECOMMENDED that tools enforce the same contents of the default-priorities,
#: providers and static-properties sections").
_PEP817_IDENTICAL = ("providers", "static-properties")
_PEP817_IDENTICAL_PRIORITIES = ("feature", "property")


def canonical_properties(props: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """A ``{namespace: {feature: [values]}}`` entry with every level sorted.

    Namespaces or features without values carry no property and are dropped.
    """
    out: dict[str, dict[str, list[str]]] = {}
    for namespace in sorted(props):
        features = {
            feature: sorted(set(values))
            for feature, values in sorted(props[namespace].items())
            if values
        }
        if features:
            out[namespace] = features
    return out


def _describe(props: Mapping[str, Mapping[str, list[str]]]) -> str:
    items = [f"{ns} :: {f} :: {v}" for ns, fs in props.items() for f, vs in fs.items() for v in vs]
    return "{" + ", ".join(items) + "}" if items else "{} (no properties)"


def _combine_namespaces(seen: list[tuple[str, list[str]]]) -> list[str]:
    longest_source, longest = max(seen, key=lambda item: len(item[1]))
    for source, order in seen:
        if longest[: len(order)] != order:
            at = next(i for i, (a, b) in enumerate(zip(order, longest, strict=False)) if a != b)
            raise InconsistentVariantMetadata(
                f"default-priorities.namespace: {source} has {order} and {longest_source} has"
                f" {longest}; neither starts with the other (namespace {order[at]!r} vs"
                f" {longest[at]!r} at position {at + 1})"
            )
    return list(longest)


def combine_variant_metadata(docs: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Combine ``(source, document)`` pairs into one ``*-variants.json`` document.

    Raises :class:`InconsistentVariantMetadata` naming the label or namespace
    and the two sources that disagree. Inputs are assumed schema-valid (see
    :func:`wheelnext.variants.schema.validate_variant_json`).
    """
    items = list(docs)
    if not items:
        raise InvalidVariantMetadata("nothing to combine: no variant metadata given")
    schemas = {doc.get("$schema") for _, doc in items}
    if len(schemas) != 1:
        by_schema = sorted(items, key=lambda item: str(item[1].get("$schema")))
        first, other = by_schema[0], by_schema[-1]
        raise InconsistentVariantMetadata(
            f"$schema: {first[0]} uses {first[1].get('$schema')!r} but {other[0]} uses"
            f" {other[1].get('$schema')!r}; metadata of different format versions cannot be"
            " combined"
        )
    namespaces = _combine_namespaces(
        [(source, list(doc["default-priorities"]["namespace"])) for source, doc in items]
    )
    variants: dict[str, dict[str, dict[str, list[str]]]] = {}
    origin: dict[str, str] = {}
    for source, doc in sorted(items, key=lambda item: item[0]):
        for label, props in doc["variants"].items():
            canon = canonical_properties(props)
            if label in variants and variants[label] != canon:
                raise InconsistentVariantMetadata(
                    f"variant label {label!r}: {origin[label]} maps it to"
                    f" {_describe(variants[label])} but {source} to {_describe(canon)}"
                )
            variants.setdefault(label, canon)
            origin.setdefault(label, source)
    combined: dict[str, Any] = {"$schema": schemas.pop()}
    priorities: dict[str, Any] = {"namespace": namespaces}
    extra = _combine_pep817(items, priorities)
    combined["default-priorities"] = priorities
    combined.update(extra)
    combined["variants"] = {label: variants[label] for label in sorted(variants)}
    return combined


def _combine_pep817(
    items: list[tuple[str, Mapping[str, Any]]], priorities: dict[str, Any]
) -> dict[str, Any]:
    """PEP 817 keys: required identical across inputs where present in any."""
    extra: dict[str, Any] = {}

    def agree(where: str, values: list[tuple[str, Any]]) -> Any:
        present = [(s, v) for s, v in values if v is not None]
        if not present:
            return None
        first_source, first = present[0]
        for source, value in present[1:]:
            if value != first:
                raise InconsistentVariantMetadata(
                    f"{where}: {first_source} and {source} differ; PEP 817 metadata of one"
                    " release must agree"
                )
        return first

    ordered = sorted(items, key=lambda item: item[0])
    for key in _PEP817_IDENTICAL:
        value = agree(key, [(s, d.get(key)) for s, d in ordered])
        if value is not None:
            extra[key] = value
    for key in _PEP817_IDENTICAL_PRIORITIES:
        value = agree(
            f"default-priorities.{key}",
            [(s, d["default-priorities"].get(key)) for s, d in ordered],
        )
        if value is not None:
            priorities[key] = value
    return extra
