"""PEP 817 "ABI Dependency Variant Namespace (Optional)": the reserved ``abi_dependency``.

"The variant namespace ``abi_dependency`` is reserved for expressing that different builds
of the same version of a package are compatible with different versions or version ranges
of a dependency." No provider answers for it: "For each property, the feature name MUST be
the normalized name of the dependency, whereas the value MUST be a valid release segment of
a public version identifier [...] It MUST contain up to three version components, that are
matched against the installed version same as the ``=={value}.*`` specifier." "Versions with
nonzero epoch are not supported."

:func:`supported` turns the versions installed in the target environment into the
namespace's supported properties, so that ordinary variant selection decides compatibility
("all of the features defined within it MUST be determined to be compatible"). A tool that
does not implement the namespace has no supported value for it, so it treats the variants
"as incompatible", as the PEP requires.

Not said by the PEP (the reference installer's choices): the values of one dependency are
preferred most specific first (``2.8.0`` before ``2.8`` before ``2``), then newest first;
a feature name is the normalized name with ``_`` for ``-`` (feature names allow no ``-``);
and, when the metadata's ``default-priorities.namespace`` does not list the namespace (PEP
817 forbids listing it in ``providers``, whose keys that list must equal), it is ordered
after every listed namespace (:mod:`wheelnext.variants.ordering`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheelnext.variants.properties import ABI_DEPENDENCY_NAMESPACE

NAMESPACE = ABI_DEPENDENCY_NAMESPACE
#: A release segment of one to three components (PEP 440 ``N(.N)*``, no epoch, no suffix).
_RELEASE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}$")

PropertyMap = Mapping[str, Mapping[str, "list[str] | tuple[str, ...]"]]


def value_problem(feature: str, value: str) -> str | None:
    """Why ``abi_dependency :: feature :: value`` breaks the PEP's rules (None when valid).

    A normalized name may hold ``-``, which a feature name cannot (``^[a-z0-9_]+$``), so
    the name is taken normalized with ``_`` for ``-`` (see the spec note on this namespace).
    """
    if not re.fullmatch(r"[a-z0-9_]+", feature) or (
        canonicalize_name(feature).replace("-", "_") != feature
    ):
        return f"{NAMESPACE} :: {feature}: the feature name must be a normalized name"
    if not _RELEASE.match(value):
        return (f"{NAMESPACE} :: {feature} :: {value}: the value must be a release segment "
                "of up to three version components")
    return None


def matches(value: str, installed: Version) -> bool:
    """True when *installed* matches ``=={value}.*`` (a valid *value*, epoch 0)."""
    if installed.epoch != 0 or not _RELEASE.match(value):
        return False
    try:
        specifier = SpecifierSet(f"=={value}.*")
    except InvalidSpecifier:
        return False
    return specifier.contains(installed, prereleases=True)


def supported(
    variants: Mapping[str, PropertyMap], installed: Mapping[str, Version]
) -> dict[str, list[str]]:
    """The namespace's supported ``feature -> values`` for the variants' properties, given
    the target environment's *installed* versions (keyed by normalized name)."""
    wanted: dict[str, set[str]] = {}
    for namespaces in variants.values():
        for feature, values in (namespaces.get(NAMESPACE) or {}).items():
            wanted.setdefault(feature, set()).update(values)
    result: dict[str, list[str]] = {}
    for feature, given in sorted(wanted.items()):
        version = installed.get(str(canonicalize_name(feature)))
        if version is None:
            continue
        ok = [v for v in given if value_problem(feature, v) is None and matches(v, version)]
        if ok:
            result[feature] = sorted(ok, key=lambda v: (v.count("."), Version(v)), reverse=True)
    return result


__all__ = ["NAMESPACE", "matches", "supported", "value_problem"]
