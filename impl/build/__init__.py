"""The wheel builder: deterministic wheels, Wheel 2.0 prototypes and sdists from a spec.

A spec (:class:`DistSpec`) describes one distribution file; :func:`load_spec`
reads a TOML file of ``[[dist]]`` tables, :func:`spec_from_mapping` one table
(the same table conformance scenarios embed). :func:`build_dist` writes one
file, :func:`build_all` a whole set (all or nothing). Deliberately broken
artifacts live apart, in :mod:`wheelnext.build.unsafe`.
"""

from __future__ import annotations

from wheelnext.build.archive import WHEEL1, WHEEL2, Layout
from wheelnext.build.builder import build_all, build_dist, output_name
from wheelnext.build.spec import (
    DEFECTS,
    DataFileSpec,
    DistSpec,
    EntryPoint,
    FileSpec,
    LinkSpec,
    SpecError,
    VariantSpec,
    load_spec,
    spec_from_mapping,
)

__all__ = [
    "DEFECTS",
    "WHEEL1",
    "WHEEL2",
    "DataFileSpec",
    "DistSpec",
    "EntryPoint",
    "FileSpec",
    "Layout",
    "LinkSpec",
    "SpecError",
    "VariantSpec",
    "build_all",
    "build_dist",
    "load_spec",
    "output_name",
    "spec_from_mapping",
]
