"""User-provided variant properties: one override convention instead of a variable per vendor.

PEP 817 "Providers": installers "MUST either query the provider ... or use
user-provided compatibility information ... The format of user-provided
information is left implementation-defined." Ours (extension), in preference order:

* ``WHEELNEXT_VARIANT_PROPERTIES``: properties separated by ``;`` or newlines,
  e.g. ``x86_64 :: level :: v3; x86_64 :: level :: v2``;
* a file (``--properties-file``): either that text, one property per line
  (``#`` starts a comment), or a JSON object ``{namespace: {feature: [values]}}``.

When given, they replace detection for every install-time provider: a namespace
not named is unsupported, so one machine can install or build images for another.
"""

from __future__ import annotations

import os

from wheelnext.providers.errors import InvalidOverrides
from wheelnext.variants.errors import InvalidVariantProperty
from wheelnext.variants.properties import parse_supported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

ENV_VAR = "WHEELNEXT_VARIANT_PROPERTIES"

Supported = dict[str, dict[str, list[str]]]


def parse_text(text: str, source: str) -> Supported:
    """Properties, one per line or ``;``-separated, most preferred first."""
    lines = []
    for raw in text.replace(";", "\n").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    try:
        return parse_supported(lines)
    except InvalidVariantProperty as exc:
        raise InvalidOverrides(f"{source}: {exc}") from None


def parse_json(text: str, source: str) -> Supported:
    """A ``{namespace: {feature: [values]}}`` object; values most preferred first."""
    from wheelnext.variants.errors import InvalidVariantMetadata
    from wheelnext.variants.jsonio import loads_strict

    try:
        data = loads_strict(text, source)
    except InvalidVariantMetadata as exc:
        raise InvalidOverrides(str(exc)) from None
    if not isinstance(data, dict):
        raise InvalidOverrides(f"{source}: expected an object of namespaces")
    lines = []
    for namespace, features in data.items():
        if not isinstance(features, dict):
            raise InvalidOverrides(f"{source}: {namespace}: expected an object of features")
        for feature, values in features.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InvalidOverrides(f"{source}: {namespace}.{feature}: expected a string list")
            lines += [f"{namespace} :: {feature} :: {value}" for value in values]
    return parse_text("\n".join(lines), source)


def read_file(path: Path) -> Supported:
    """Read a properties file in either format (a regular UTF-8 file of bounded size)."""
    from wheelnext.variants.errors import InvalidVariantMetadata
    from wheelnext.variants.jsonio import read_text

    try:
        text = read_text(path, what="properties file")
    except InvalidVariantMetadata as exc:
        raise InvalidOverrides(str(exc)) from None
    if text.lstrip().startswith(("{", "[", '"')):
        return parse_json(text, str(path))
    found = parse_text(text, str(path))
    if not found:
        raise InvalidOverrides(
            f"{path}: no properties in this properties file (an empty or truncated file is"
            " refused; write {{}} as JSON to say that nothing is supported)"
        )
    return found


def user_properties(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Supported | None:
    """The user's properties: the file if given, else the variable if set, else ``None``."""
    if path is not None:
        return read_file(path)
    value = (os.environ if environ is None else environ).get(ENV_VAR)
    if value is None or not value.strip():
        return None
    return parse_text(value, ENV_VAR)
