"""Shared builders and strategies for the variant tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

S825 = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"
S817 = "https://variants-schema.wheelnext.dev/v0.0.3.json"

#: PEP 825 "Variant metadata", Example (JSON5 comments removed).
PEP825_VARIANT_JSON: dict[str, Any] = {
    "$schema": S825,
    "default-priorities": {"namespace": ["x86_64", "aarch64", "blas_lapack"]},
    "variants": {
        "x86_64_v3_openblas": {
            "blas_lapack": {"library": ["openblas"]},
            "x86_64": {"level": ["v3"]},
        }
    },
}
#: PEP 825 "Index-level metadata", the foo-1.2.3-variants.json example.
PEP825_VARIANTS_JSON: dict[str, Any] = {
    "$schema": S825,
    "default-priorities": {"namespace": ["x86_64", "aarch64", "blas_lapack"]},
    "variants": {
        "null": {},
        "x86_64_v3_openblas": {
            "blas_lapack": {"library": ["openblas"]},
            "x86_64": {"level": ["v3"]},
        },
        "x86_64_v4_mkl": {"blas_lapack": {"library": ["mkl"]}, "x86_64": {"level": ["v4"]}},
    },
}
_PEP817_COMMON: dict[str, Any] = {
    "$schema": S817,
    "default-priorities": {
        "feature": {"aarch64": ["version"], "x86_64": ["level"]},
        "namespace": ["x86_64", "aarch64", "blas_lapack"],
        "property": {"x86_64": {"level": ["v3", "v2", "v1"]}},
    },
    "providers": {
        "aarch64": {
            "enable-if": "platform_machine == 'aarch64' or 'arm' in platform_machine",
            "plugin-api": "provider_variant_aarch64.plugin:AArch64Plugin",
            "requires": [
                "provider-variant-aarch64 >=0.0.1; python_version >= '3.12'",
                "legacy-provider-variant-aarch64 >=0.0.1; python_version < '3.12'",
            ],
        },
        "blas_lapack": {"install-time": False, "requires": ["blas-lapack-variant-provider"]},
        "x86_64": {
            "enable-if": "platform_machine == 'x86_64' or platform_machine == 'AMD64'",
            "plugin-api": "provider_variant_x86_64.plugin:X8664Plugin",
            "requires": ["provider-variant-x86-64 >=0.0.1"],
        },
    },
    "static-properties": {"blas_lapack": {"provider": ["accelerate", "openblas", "mkl"]}},
}
#: PEP 817 "*.dist-info/variant.json" example.
PEP817_VARIANT_JSON: dict[str, Any] = {
    **_PEP817_COMMON,
    "variants": {
        "x8664v3_openblas": {"blas_lapack": {"provider": ["openblas"]}, "x86_64": {"level": ["v3"]}}
    },
}
#: PEP 817 "{name}-{version}-variants.json" example.
PEP817_VARIANTS_JSON: dict[str, Any] = {
    **_PEP817_COMMON,
    "variants": {
        "x8664v3_openblas": {
            "blas_lapack": {"provider": ["openblas"]},
            "x86_64": {"level": ["v3"]},
        },
        "x8664v4_mkl": {"blas_lapack": {"provider": ["mkl"]}, "x86_64": {"level": ["v4"]}},
    },
}


def make_wheel(directory: Path, filename: str, variant_json: Any | None) -> Path:
    """A minimal wheel whose dist-info holds *variant_json* (raw text if a str)."""
    path = directory / filename
    name, version = filename.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        if variant_json is not None:
            text = variant_json if isinstance(variant_json, str) else json.dumps(variant_json)
            archive.writestr(f"{info}/variant.json", text)
        archive.writestr(f"{info}/RECORD", "")
    return path


names = st.from_regex(r"\A[a-z0-9_]{1,6}\Z")
values = st.from_regex(r"\A[a-z0-9_.]{1,5}\Z")
labels = st.from_regex(r"\A[a-z0-9_.]{1,8}\Z").filter(lambda s: s != "null")


@st.composite
def variant_sets(draw: st.DrawFn, max_labels: int = 6) -> dict[str, Any]:
    """A valid combined PEP 825 document over a small vocabulary (so labels collide often)."""
    namespaces = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)
    )
    features = ["f", "g", "h"]
    vals = ["1", "2", "3", "4"]
    variants: dict[str, Any] = {}
    for label in draw(st.lists(labels, max_size=max_labels, unique=True)):
        props: dict[str, Any] = {}
        for ns in draw(
            st.lists(st.sampled_from(namespaces), max_size=len(namespaces), unique=True)
        ):
            feats = draw(st.lists(st.sampled_from(features), min_size=1, max_size=3, unique=True))
            props[ns] = {
                f: sorted(
                    draw(st.lists(st.sampled_from(vals), min_size=1, max_size=3, unique=True))
                )
                for f in feats
            }
        variants[label] = props
    if draw(st.booleans()):
        variants["null"] = {}
    return {"$schema": S825, "default-priorities": {"namespace": namespaces}, "variants": variants}


@st.composite
def supported_sets(draw: st.DrawFn) -> dict[str, dict[str, list[str]]]:
    """Supported properties over the same vocabulary, each level in a drawn order."""
    out: dict[str, dict[str, list[str]]] = {}
    for ns in draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True)):
        out[ns] = {
            f: draw(st.lists(st.sampled_from(["1", "2", "3", "4"]), min_size=1, unique=True))
            for f in draw(st.lists(st.sampled_from(["f", "g", "h"]), min_size=1, unique=True))
        }
    return out
