"""Variant ordering (PEP 825 "Variant ordering", with PEP 817's priority overrides).

Steps 1-3 build ``namespace_order``, ``feature_order`` and ``value_order``;
PEP 817 "Variant ordering" puts ``default-priorities.feature`` and
``.property`` in front of the provider's order, and the user's preferences
(PEP 825: "The tools MAY provide options to override the default ordering")
go in front of both. Steps 4-7 rank each compatible label by its sorted list
of best-value sort keys: lower key first, more keys first when one list is a
prefix of the other, then the label. Compatibility is decided only by the
supported properties, never by a priority list, so no option can select a
label the system does not support.

This module is on the selection path: it imports nothing heavy.
"""

from __future__ import annotations

from wheelnext.variants.properties import ABI_DEPENDENCY_NAMESPACE as ABI_NAMESPACE
from wheelnext.variants.properties import VariantProperty
from wheelnext.variants.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from typing import Any

    from wheelnext.variants.properties import PropertyMap, SupportedProperties, VariantFeature

SortKey = tuple[int, int, int]
#: Ends every key list; greater than any real key, so when one label's keys are
#: a prefix of another's, the label with more keys sorts first (PEP 825 step 7:
#: "the group with more keys is sorted earlier").
_END: tuple[int, ...] = (1 << 62,)


class OrderingOptions(Record):
    """User options that reorder or narrow the compatible labels (PEP 825 "MAY")."""

    _fields = __match_args__ = (
        "prefer_namespaces", "prefer_features", "prefer_properties",
        "only_labels", "exclude_labels", "use_variants",
    )
    prefer_namespaces: Sequence[str]
    prefer_features: Sequence[VariantFeature]
    prefer_properties: Sequence[VariantProperty]
    #: Only these labels may be used (empty: no restriction).
    only_labels: Collection[str]
    exclude_labels: Collection[str]
    #: False: use no variant wheel at all (PEP 817: "Tools MAY provide an option
    #: to only use non-variant wheels").
    use_variants: bool

    def __init__(
        self,
        prefer_namespaces: Sequence[str] = (),
        prefer_features: Sequence[VariantFeature] = (),
        prefer_properties: Sequence[VariantProperty] = (),
        only_labels: Collection[str] = (),
        exclude_labels: Collection[str] = (),
        use_variants: bool = True,
    ) -> None:
        self._init(
            prefer_namespaces=prefer_namespaces, prefer_features=prefer_features,
            prefer_properties=prefer_properties, only_labels=only_labels,
            exclude_labels=exclude_labels, use_variants=use_variants,
        )


Triple = tuple[str, str, str]


class RankedLabel(Record):
    """A compatible label, its best-value properties in sort order, and their keys.

    Properties are kept as plain ``(namespace, feature, value)`` triples and
    turned into :class:`VariantProperty` objects only when asked for, which
    keeps ordering 1,000 labels cheap.
    """

    _fields = __match_args__ = ("label", "best", "keys", "supported")
    label: str
    best: tuple[Triple, ...]
    keys: tuple[SortKey, ...]
    #: The label's properties that the system supports (PEP 825 "Evaluating
    #: variant markers", step 3).
    supported: frozenset[Triple]

    def __init__(
        self,
        label: str,
        best: tuple[Triple, ...],
        keys: tuple[SortKey, ...],
        supported: frozenset[Triple],
    ) -> None:
        self._init(label=label, best=best, keys=keys, supported=supported)

    @property
    def best_properties(self) -> tuple[VariantProperty, ...]:
        return tuple(VariantProperty(*triple) for triple in self.best)

    @property
    def supported_properties(self) -> frozenset[VariantProperty]:
        return frozenset(VariantProperty(*triple) for triple in self.supported)

    @property
    def sort_key(self) -> tuple[tuple[tuple[int, ...], ...], str]:
        return ((*self.keys, _END), self.label)


class VariantOrder(Record):
    """Compatible labels from most to least preferred, and why the others were rejected."""

    _frozen = False
    __hash__ = None  # type: ignore[assignment]
    _fields = __match_args__ = (
        "ranked", "rejected", "namespace_order", "feature_order", "value_order"
    )
    ranked: list[RankedLabel]
    rejected: dict[str, str]
    namespace_order: list[str]
    feature_order: dict[str, list[str]]
    value_order: dict[str, dict[str, list[str]]]

    def __init__(
        self,
        ranked: list[RankedLabel],
        rejected: dict[str, str] | None = None,
        namespace_order: list[str] | None = None,
        feature_order: dict[str, list[str]] | None = None,
        value_order: dict[str, dict[str, list[str]]] | None = None,
    ) -> None:
        self.ranked = ranked
        self.rejected = {} if rejected is None else rejected
        self.namespace_order = [] if namespace_order is None else namespace_order
        self.feature_order = {} if feature_order is None else feature_order
        self.value_order = {} if value_order is None else value_order

    @property
    def labels(self) -> list[str]:
        return [item.label for item in self.ranked]


def _merged(*lists: Iterable[str]) -> list[str]:
    """Concatenate keeping the first occurrence (PEP 817 steps 2.ii and 3.ii)."""
    return list(dict.fromkeys(item for items in lists for item in items))


def effective_supported(
    metadata: Mapping[str, Any], supported: SupportedProperties
) -> SupportedProperties:
    """Supported properties with PEP 817 ahead-of-time namespaces taken from the metadata.

    PEP 817 "Providers": "For ahead-of-time providers, they MUST use the
    static metadata embedded in the wheel instead."
    """
    static: Mapping[str, Mapping[str, Sequence[str]]] = metadata.get("static-properties") or {}
    if not static:
        return supported
    merged: dict[str, Mapping[str, Sequence[str]]] = dict(supported)
    providers: Mapping[str, Mapping[str, Any]] = metadata.get("providers") or {}
    priorities: Mapping[str, Any] = metadata.get("default-priorities") or {}
    feature_order: Mapping[str, Sequence[str]] = priorities.get("feature") or {}
    for namespace, features in static.items():
        if providers.get(namespace, {}).get("install-time", True) is False:
            order = _merged(feature_order.get(namespace, ()), features)
            merged[namespace] = {f: list(features[f]) for f in order if f in features}
    return merged


def order_variants(
    metadata: Mapping[str, Any],
    supported: SupportedProperties,
    options: OrderingOptions | None = None,
    labels: Iterable[str] | None = None,
) -> VariantOrder:
    """Filter and order the labels of combined *metadata* against *supported*.

    *labels* limits the work to the labels of the candidate wheels (default:
    every label in ``variants``); a label missing from the metadata is
    rejected (PEP 825 suggested logic, step 6: "assume that the respective
    wheels are incompatible").
    """
    options = options or OrderingOptions()
    supported = effective_supported(metadata, supported)
    variants: Mapping[str, PropertyMap] = metadata.get("variants") or {}
    priorities: Mapping[str, Any] = metadata.get("default-priorities") or {}
    feature_prio: Mapping[str, Sequence[str]] = priorities.get("feature") or {}
    property_prio: Mapping[str, Mapping[str, Sequence[str]]] = priorities.get("property") or {}

    # Step 1 (user preference first, then default-priorities.namespace).
    namespace_order = _merged(options.prefer_namespaces, priorities.get("namespace") or ())
    if ABI_NAMESPACE in supported and ABI_NAMESPACE not in namespace_order:
        # PEP 817's reserved namespace is never in the providers, so never in a PEP 817
        # namespace list: ordered after the listed ones (see wheelnext.variants.abi_dependency).
        namespace_order.append(ABI_NAMESPACE)
    user_features: dict[str, list[str]] = {}
    for feat in options.prefer_features:
        user_features.setdefault(feat.namespace, []).append(feat.feature)
    user_values: dict[tuple[str, str], list[str]] = {}
    for prop in options.prefer_properties:
        user_values.setdefault((prop.namespace, prop.feature), []).append(prop.value)
    ns_index = {ns: i for i, ns in enumerate(namespace_order)}
    feature_order: dict[str, list[str]] = {}
    value_order: dict[str, dict[str, list[str]]] = {}
    feature_index: dict[str, dict[str, int]] = {}
    value_index: dict[tuple[str, str], dict[str, int]] = {}
    for namespace in namespace_order:
        provided = supported.get(namespace, {})
        # Step 2.
        features = _merged(
            user_features.get(namespace, ()), feature_prio.get(namespace, ()), provided
        )
        feature_order[namespace] = features
        feature_index[namespace] = {f: i for i, f in enumerate(features)}
        value_order[namespace] = {}
        for feature in features:
            # Step 3.
            values = _merged(
                user_values.get((namespace, feature), ()),
                property_prio.get(namespace, {}).get(feature, ()),
                provided.get(feature, ()),
            )
            value_order[namespace][feature] = values
            value_index[(namespace, feature)] = {v: i for i, v in enumerate(values)}

    ranked: list[RankedLabel] = []
    rejected: dict[str, str] = {}
    for label in variants if labels is None else dict.fromkeys(labels):
        reason = _narrowed(label, options)
        if reason is None and label not in variants:
            reason = "label not in the variant metadata"
        if reason is not None:
            rejected[label] = reason
            continue
        best: list[tuple[SortKey, Triple]] = []
        compatible: list[Triple] = []
        for namespace, label_features in variants[label].items():
            for feature, wanted in label_features.items():
                if not wanted:
                    continue
                provided_values = supported.get(namespace, {}).get(feature, ())
                ok = [v for v in wanted if v in provided_values]
                if not ok:
                    reason = _unsupported(namespace, feature, wanted, provided_values)
                    break
                if namespace not in ns_index:
                    reason = f"namespace {namespace} is not in default-priorities.namespace"
                    break
                # Step 4: the best value is the one earliest in value_order.
                order = value_index[(namespace, feature)]
                value = min(ok, key=order.__getitem__)
                # Step 5: the sort key is the three positions.
                key = (ns_index[namespace], feature_index[namespace][feature], order[value])
                best.append((key, (namespace, feature, value)))
                compatible.extend((namespace, feature, v) for v in ok)
            if reason is not None:
                break
        if reason is not None:
            rejected[label] = reason
            continue
        best.sort()  # Step 6.
        ranked.append(
            RankedLabel(
                label,
                tuple(prop for _, prop in best),
                tuple(key for key, _ in best),
                frozenset(compatible),
            )
        )
    ranked.sort(key=lambda item: item.sort_key)  # Step 7.
    return VariantOrder(ranked, rejected, namespace_order, feature_order, value_order)


def _narrowed(label: str, options: OrderingOptions) -> str | None:
    if not options.use_variants:
        return "variant wheels are disabled by the user"
    if label in options.exclude_labels:
        return "excluded by the user"
    if options.only_labels and label not in options.only_labels:
        return "not among the labels the user selected"
    return None


def _unsupported(
    namespace: str, feature: str, values: Sequence[str], provided: Sequence[str]
) -> str:
    wanted = " or ".join(f"{namespace} :: {feature} :: {v}" for v in values)
    if not provided:
        return f"{wanted} not supported (the system supports no value of {namespace} :: {feature})"
    return f"{wanted} not supported (the system supports {', '.join(provided)})"
