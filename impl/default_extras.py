"""PEP 771 (draft) default extras: which extras a requirement asks for, once metadata is known.

PEP 771, "Overriding default extras": "If extras are explicitly given in a dependency
specification, the default extras are ignored. Otherwise, the default extras are installed."
``packaging.requirements.Requirement`` gives ``package`` and ``package[]`` the same empty
``extras`` set, so :func:`requested_extras` reads the brackets from the text itself and tells
"no extras given" (``None``) from "an empty set given" (``frozenset()``).

The union across a dependency tree ("the default extras must be installed if any of the
instances of the package are specified without extras") is the resolver's job: each instance
without extras adds one "default extras" node for the package, see
``wheelnext.install.provider``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from wheelnext.errors import WheelnextError

_NAME_AND_BRACKETS = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[)?")


class InvalidRequirementText(WheelnextError):
    """A requirement string that ``packaging`` cannot parse."""


class UnknownExtraWarning(UserWarning):
    """A requested extra the distribution does not provide (ignored, as pip does)."""


def parse_requirement(text: str) -> Requirement:
    """``packaging``'s :class:`Requirement`, with a one-line error naming the text."""
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise InvalidRequirementText(f"requirement {text!r}: {exc}") from None


def requested_extras(text: str,
                     parsed: Requirement | None = None) -> frozenset[NormalizedName] | None:
    """The extras *text* names, ``frozenset()`` for ``pkg[]``, ``None`` when none are given.

    PEP 771: "An empty set of extras, such as ``package[]`` should be interpreted as meaning
    that the package should be installed *without* any default extras". *parsed* is *text*
    already parsed (so a caller that has it does not parse it again).
    """
    requirement = parsed if parsed is not None else parse_requirement(text)
    match = _NAME_AND_BRACKETS.match(text)
    if match is None or match.group(1) is None:
        return None
    return frozenset(canonicalize_name(extra) for extra in requirement.extras)


@dataclass(frozen=True)
class ExtrasChoice:
    """The extras to install for one requirement instance, and the unknown ones it named."""

    extras: frozenset[NormalizedName]
    unknown: frozenset[NormalizedName]
    defaults_used: bool


def choose_extras(
    requested: frozenset[NormalizedName] | None,
    provides: Iterable[str],
    defaults: Iterable[str],
) -> ExtrasChoice:
    """Apply PEP 771 to one requirement instance of a distribution.

    * ``requested is None`` (``pkg``): the ``Default-Extra`` entries;
    * otherwise the requested extras the distribution provides. PEP 771: "if an extra is
      recognized as invalid in a dependency specification, it should be ignored, and if all
      specified extras are invalid, then this should be considered equivalent to
      ``package[]`` (rather than ``package``) and *not* install any default extras."
    """
    provided = {canonicalize_name(extra) for extra in provides}
    if requested is None:
        # "Only entries already specified in a Provides-Extra entry can be used".
        chosen = frozenset(canonicalize_name(e) for e in defaults) & provided
        return ExtrasChoice(chosen, frozenset(), True)
    known = frozenset(extra for extra in requested if extra in provided)
    return ExtrasChoice(known, requested - known, False)


def warn_unknown(project: str, version: str, unknown: Iterable[str]) -> None:
    """Warn once per unknown extra, in pip's words (PEP 771 quotes them)."""
    for extra in sorted(unknown):
        warnings.warn(
            f"{project} {version} does not provide the extra {extra!r}",
            UnknownExtraWarning,
            stacklevel=2,
        )


__all__ = [
    "ExtrasChoice",
    "InvalidRequirementText",
    "UnknownExtraWarning",
    "choose_extras",
    "parse_requirement",
    "requested_extras",
    "warn_unknown",
]
