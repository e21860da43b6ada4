"""The PEP 817 "Provider plugin API" protocols, and the config class our plugins return.

PEP 817, "Plugin interface": a plugin "MUST define" ``namespace`` and ``is_aot_plugin``
(default ``False``) and provide ``get_all_configs()`` and ``get_supported_configs()``,
each returning "variant feature configs" with ``name``, ``multi_value`` and ``values``.
This module imports nothing beyond the standard library; the classes our
built-in plugins return live in :mod:`wheelnext.providers.configs`
(re-exported here), so that running them needs no ``typing`` import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from wheelnext.providers.configs import Detection, VariantFeatureConfig, evidence_key

__all__ = [
    "Detection",
    "EvidencePlugin",
    "PluginType",
    "VariantFeatureConfig",
    "VariantFeatureConfigType",
    "evidence_key",
]


@runtime_checkable
class VariantFeatureConfigType(Protocol):
    """PEP 817 "Variant feature config class": one feature and its values."""

    @property
    def name(self) -> str: ...

    @property
    def multi_value(self) -> bool: ...

    @property
    def values(self) -> list[str]: ...


class PluginType(Protocol):
    """PEP 817 "Plugin interface"; ``is_aot_plugin`` is optional and read with ``getattr``."""

    @property
    def namespace(self) -> str: ...

    def get_all_configs(self) -> Sequence[VariantFeatureConfigType]: ...

    def get_supported_configs(self) -> Sequence[VariantFeatureConfigType]: ...


class EvidencePlugin(PluginType, Protocol):
    """Extension (beyond PEP 817): a plugin that can say why each property is supported.

    ``get_evidence()`` maps ``feature :: value`` to the facts that made it supported,
    for ``wheelnext variants detect``. Third-party plugins need not implement it.
    """

    def get_evidence(self) -> Mapping[str, Sequence[str]]: ...
