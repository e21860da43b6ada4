"""What a provider's own list of valid configs says about its answers and about properties.

PEP 817 "Plugin interface": "The value returned by ``get_supported_configs()`` MUST be a
subset of the feature names and values returned by ``get_all_configs()`` (modulo
ordering)", and for an AoT plugin "``get_supported_configs()`` MUST always return the same
value as ``get_all_configs()`` (modulo ordering)". The host checks both on every answer it
gets, so a plugin that breaks them fails with a message naming it instead of its answer
being used.

PEP 817 "Variant properties": a feature name "MUST correspond to a valid feature name
defined by the respective variant provider in the namespace", a value "MUST correspond to
a valid value defined by the respective variant provider for the feature", and "If a
feature is marked as "multi-value" by the provider plugin, [...] Otherwise, there MUST NOT
be more than a single value corresponding to a single pair of namespace and feature name
within a variant wheel." :func:`property_problems` checks properties against
``get_all_configs()``; build backends "SHOULD also query providers to determine whether
variant properties requested by the user are valid" (PEP 817 "Build backends").
"""

from __future__ import annotations

from wheelnext.providers.errors import ProviderError
from wheelnext.providers.loading import configs_to_mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

#: feature name -> (its valid values, whether it is multi-value), from ``get_all_configs()``.
AllConfigs = dict[str, tuple[list[str], bool]]


def all_configs(configs: Iterable[Any], namespace: str) -> AllConfigs:
    """A plugin's ``get_all_configs()`` answer, its shape checked like any feature configs."""
    configs = list(configs)
    values = configs_to_mapping(configs, namespace)
    result: AllConfigs = {}
    for config in configs:
        name, multi = config.name, getattr(config, "multi_value", None)
        if not isinstance(multi, bool):
            raise ProviderError(
                f"provider {namespace!r}: feature {name!r} has no boolean multi_value")
        result[str(name)] = (values.get(str(name), []), multi)
    return result


def check_answer(
    namespace: str,
    supported: Mapping[str, Sequence[str]],
    valid: AllConfigs,
    *,
    aot: bool,
    who: str,
) -> None:
    """Raise :class:`ProviderError` when *supported* is not within *valid* (for an AoT
    plugin: not equal to it, modulo ordering)."""
    for feature, values in supported.items():
        known = valid.get(feature)
        if known is None:
            raise ProviderError(
                f"provider {namespace!r} ({who}): get_supported_configs() names feature "
                f"{feature!r}, which get_all_configs() does not (PEP 817: it MUST be a subset)")
        extra = [value for value in values if value not in known[0]]
        if extra:
            raise ProviderError(
                f"provider {namespace!r} ({who}): get_supported_configs() gives "
                f"'{feature} :: {extra[0]}', which get_all_configs() does not (PEP 817: it "
                "MUST be a subset)")
    if aot:
        full = {feature: sorted(values) for feature, (values, _) in valid.items() if values}
        given = {feature: sorted(values) for feature, values in supported.items() if values}
        if full != given:
            raise ProviderError(
                f"provider {namespace!r} ({who}): is_aot_plugin is true, but "
                "get_supported_configs() differs from get_all_configs() (PEP 817: it MUST "
                "always return the same value)")


def property_problems(
    namespace: str, features: Mapping[str, Sequence[str]], valid: AllConfigs
) -> list[str]:
    """One line per property of *namespace* (``feature -> values`` of one variant) that the
    provider does not define, and per non-multi-value feature given more than one value."""
    problems = []
    for feature, values in features.items():
        known = valid.get(feature)
        if known is None:
            problems.append(f"{namespace} :: {feature}: not a feature of provider {namespace!r}")
            continue
        problems += [
            f"{namespace} :: {feature} :: {value}: not a value provider {namespace!r} "
            f"defines for {feature!r}"
            for value in values if value not in known[0]
        ]
        if len(values) > 1 and not known[1]:
            problems.append(
                f"{namespace} :: {feature}: {len(values)} values, but provider {namespace!r} "
                "does not mark the feature multi-value")
    return problems


def requested_problems(
    variants: Mapping[str, Mapping[str, Mapping[str, Sequence[str]]]],
    plugins: Mapping[str, Any],
) -> list[str]:
    """For a build backend: the problems of the ``variants`` mapping (label -> namespace ->
    feature -> values) against the loaded *plugins* (namespace -> plugin); a namespace
    without a plugin here is skipped, as PEP 817 lets a backend "permit skipping this
    verification"."""
    problems = []
    for label, namespaces in variants.items():
        for namespace, features in namespaces.items():
            plugin = plugins.get(namespace)
            if plugin is None:
                continue
            valid = all_configs(plugin.get_all_configs(), namespace)
            problems += [f"variants.{label}: {p}"
                         for p in property_problems(namespace, features, valid)]
    return problems


__all__ = ["AllConfigs", "all_configs", "check_answer", "property_problems", "requested_problems"]
