"""The feature-config and detection classes our built-in plugins return.

Kept apart from :mod:`wheelnext.providers.protocol` (which re-exports
them) so that running a built-in provider imports neither ``typing`` nor
``dataclasses``: the selection path stays lean.
"""

from __future__ import annotations

from wheelnext.variants.records import Record


class VariantFeatureConfig(Record):
    """A plain implementation of PEP 817's "Variant feature config class" (its example)."""

    _fields = __match_args__ = ("name", "values", "multi_value")
    name: str
    values: list[str]
    multi_value: bool

    def __init__(self, name: str, values: list[str], multi_value: bool = False) -> None:
        self._init(name=name, values=values, multi_value=multi_value)


class Detection(Record):
    """What a built-in provider found: ordered configs, the evidence for each value, and,
    when it found nothing, the reason (no driver, no device, another architecture)."""

    _fields = __match_args__ = ("configs", "evidence", "reason")
    configs: list[VariantFeatureConfig]
    evidence: dict[str, list[str]]
    reason: str

    def __init__(
        self,
        configs: list[VariantFeatureConfig],
        evidence: dict[str, list[str]] | None = None,
        reason: str = "",
    ) -> None:
        self._init(configs=configs, evidence={} if evidence is None else evidence, reason=reason)


def evidence_key(feature: str, value: str) -> str:
    """The key used in evidence mappings: ``feature :: value``."""
    return f"{feature} :: {value}"
