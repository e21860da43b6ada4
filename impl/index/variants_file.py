"""PEP 825 "Index-level metadata": the ``{name}-{version}-variants.json`` file.

"When a package version that includes at least one variant wheel is hosted
on an index, a corresponding ``{name}-{version}-variants.json`` file MUST be
hosted as well", listing "all variants available on the package index for
the package version in question". We auto-generate it by combining the
wheels' ``variant.json`` ("Variant indexes MAY elect to either auto-generate
the file ... or allow the user to manually generate it"), and serve a file of
that name found in the directory verbatim instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from wheelnext.filenames import (  # the naming rule lives with the other file names
    VARIANTS_JSON_SUFFIX,
    parse_variants_filename,
    variants_filename,
)
from wheelnext.variants.combine import combine_variant_metadata

SUFFIX = VARIANTS_JSON_SUFFIX


def combine(documents: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Combine ``(source, variant.json)`` pairs into the index-level document.

    Raises :class:`~wheelnext.variants.errors.InvalidVariantMetadata` (or its
    subclass ``InconsistentVariantMetadata``) naming the disagreeing sources.
    """
    return combine_variant_metadata(documents)


def render(document: Mapping[str, Any]) -> bytes:
    """Deterministic bytes of the index-level file (the hash must not vary per request)."""
    return (json.dumps(document, indent=2) + "\n").encode()


__all__ = ["SUFFIX", "combine", "parse_variants_filename", "render", "variants_filename"]
