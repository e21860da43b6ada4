"""Variant properties, features and namespaces (PEP 825, "Variant properties").

A property is serialized as ``{namespace} :: {feature_name} :: {feature_value}``.
PEP 825 "Environment markers": "Implementations MUST ignore differences in
whitespace around the ``::`` separators when matching features and
properties", so :func:`parse_property` and :func:`parse_feature` accept any
whitespace there and :meth:`VariantProperty.__str__` writes the canonical form.
"""

from __future__ import annotations

import re

from wheelnext.variants.errors import InvalidVariantProperty
from wheelnext.variants.records import OrderedRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from typing import TypeAlias

#: PEP 825: namespace and feature name "MUST be non-empty and consist only of
#: 0-9, a-z and _ ASCII characters (^[a-z0-9_]+$)".
#: PEP 817 "ABI dependency": the reserved namespace whose features are installed distributions.
ABI_DEPENDENCY_NAMESPACE = "abi_dependency"
NAMESPACE_RE = re.compile(r"^[a-z0-9_]+$")
FEATURE_NAME_RE = NAMESPACE_RE
#: PEP 825: the feature value "MUST be non-empty and consist only of 0-9, a-z,
#: _ and . ASCII Characters (^[a-z0-9_.]+$)".
FEATURE_VALUE_RE = re.compile(r"^[a-z0-9_.]+$")

_SEPARATOR_RE = re.compile(r"\s*::\s*")

if TYPE_CHECKING:
    #: What detection yields and ordering consumes: ``{namespace: {feature: [values]}}``,
    #: every level in decreasing preference (PEP 825 "Variant ordering": "The items in
    #: these lists will be provided in specific order that will impact variant wheel
    #: ordering"). Dict insertion order carries the feature order.
    SupportedProperties: TypeAlias = Mapping[str, Mapping[str, Sequence[str]]]

    #: The ``{namespace: {feature: [values]}}`` mapping of one label in ``variants``.
    PropertyMap: TypeAlias = Mapping[str, Mapping[str, Sequence[str]]]
else:

    def __getattr__(name: str) -> object:
        # The aliases cost a typing import; built only for code that uses them at run time.
        if name in ("SupportedProperties", "PropertyMap"):
            from collections.abc import Mapping, Sequence

            return Mapping[str, Mapping[str, Sequence[str]]]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check(kind: str, part: str, pattern: re.Pattern[str], text: str) -> str:
    # fullmatch: with match(), "$" would accept a trailing newline.
    if not pattern.fullmatch(part):
        raise InvalidVariantProperty(
            f"variant {kind} {text!r}: {part!r} must match {pattern.pattern}"
        )
    return part


def validate_namespace(namespace: str) -> str:
    """Return *namespace* if it matches ``^[a-z0-9_]+$``."""
    return _check("namespace", namespace, NAMESPACE_RE, namespace)


def validate_feature_name(name: str) -> str:
    """Return *name* if it matches ``^[a-z0-9_]+$``."""
    return _check("feature name", name, FEATURE_NAME_RE, name)


def validate_feature_value(value: str) -> str:
    """Return *value* if it matches ``^[a-z0-9_.]+$``."""
    return _check("feature value", value, FEATURE_VALUE_RE, value)


class VariantFeature(OrderedRecord):
    """A ``namespace :: feature`` pair, the key that a property gives a value to."""

    _fields = __match_args__ = ("namespace", "feature")
    namespace: str
    feature: str

    def __init__(self, namespace: str, feature: str) -> None:
        self._init(namespace=namespace, feature=feature)
        text = f"{self.namespace} :: {self.feature}"
        _check("feature", self.namespace, NAMESPACE_RE, text)
        _check("feature", self.feature, FEATURE_NAME_RE, text)

    def __str__(self) -> str:
        return f"{self.namespace} :: {self.feature}"


class VariantProperty(OrderedRecord):
    """A ``namespace :: feature :: value`` triple."""

    _fields = __match_args__ = ("namespace", "feature", "value")
    namespace: str
    feature: str
    value: str

    def __init__(self, namespace: str, feature: str, value: str) -> None:
        self._init(namespace=namespace, feature=feature, value=value)
        text = f"{self.namespace} :: {self.feature} :: {self.value}"
        _check("property", self.namespace, NAMESPACE_RE, text)
        _check("property", self.feature, FEATURE_NAME_RE, text)
        _check("property", self.value, FEATURE_VALUE_RE, text)

    @property
    def feature_key(self) -> VariantFeature:
        return VariantFeature(self.namespace, self.feature)

    def __str__(self) -> str:
        return f"{self.namespace} :: {self.feature} :: {self.value}"


def _split(text: str, parts: int, kind: str) -> list[str]:
    pieces = _SEPARATOR_RE.split(text.strip())
    if len(pieces) != parts:
        raise InvalidVariantProperty(
            f"variant {kind} {text!r}: expected {parts} parts separated by '::'"
        )
    return pieces


def parse_property(text: str) -> VariantProperty:
    """Parse ``"ns :: feature :: value"``, ignoring whitespace around ``::``."""
    namespace, feature, value = _split(text, 3, "property")
    return VariantProperty(namespace, feature, value)


def parse_feature(text: str) -> VariantFeature:
    """Parse ``"ns :: feature"``, ignoring whitespace around ``::``."""
    namespace, feature = _split(text, 2, "feature")
    return VariantFeature(namespace, feature)


def iter_properties(mapping: PropertyMap) -> Iterator[VariantProperty]:
    """Expand a ``{namespace: {feature: [values]}}`` mapping into properties."""
    for namespace, features in mapping.items():
        for feature, values in features.items():
            for value in values:
                yield VariantProperty(namespace, feature, value)


def properties_to_map(props: Iterable[VariantProperty]) -> dict[str, dict[str, list[str]]]:
    """Group properties into the ``variants`` entry shape, values sorted lexically.

    PEP 825 "Variants": "The third level values are sets of feature values,
    converted to lists and sorted lexically."
    """
    grouped: dict[str, dict[str, set[str]]] = {}
    for prop in props:
        grouped.setdefault(prop.namespace, {}).setdefault(prop.feature, set()).add(prop.value)
    return {
        ns: {feat: sorted(values) for feat, values in sorted(features.items())}
        for ns, features in sorted(grouped.items())
    }


def parse_supported(lines: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """Build :data:`SupportedProperties` from property strings given in preference order.

    The first property of a namespace puts the namespace first, and so on for
    features and values, so ``["a :: x :: 2", "a :: x :: 1"]`` prefers ``2``.
    """
    supported: dict[str, dict[str, list[str]]] = {}
    for line in lines:
        prop = parse_property(line)
        values = supported.setdefault(prop.namespace, {}).setdefault(prop.feature, [])
        if prop.value not in values:
            values.append(prop.value)
    return supported
