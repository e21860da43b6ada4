"""Errors raised for invalid variant properties and variant metadata.

Both subclass :class:`wheelnext.errors.WheelnextError` (a ``ValueError``), so
the CLI reports them as one line naming the offending file or field.
"""

from __future__ import annotations

from wheelnext.errors import WheelnextError


class InvalidVariantProperty(WheelnextError):
    """A ``namespace :: feature :: value`` string or one of its parts breaks PEP 825."""


class InvalidVariantMetadata(WheelnextError):
    """A ``variant.json``, ``*-variants.json``, ``[variant]`` table or lock entry is invalid."""


class InconsistentVariantMetadata(InvalidVariantMetadata):
    """Documents that PEP 825 "Metadata consistency" requires to agree do not agree."""


class UnsupportedVariantSchema(InvalidVariantMetadata):
    """The ``$schema`` names a format version this implementation must reject."""
