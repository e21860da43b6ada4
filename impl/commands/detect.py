"""``wheelnext variants detect``: what this machine supports, per namespace, and why.

Runs the built-in providers (PEP 817 "Installers MAY vendor or reimplement
specific providers") and prints, for each namespace, the supported properties
in preference order with the evidence behind each one. User-provided
properties (``--properties-file`` or ``WHEELNEXT_VARIANT_PROPERTIES``) replace
detection, exactly as they do when selecting wheels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from wheelnext.providers.query import (
    QueryOptions,
    SupportedResult,
    detect_builtins,
    installed_plugins,
)

#: Version of the ``detect --json`` document; its JSON schema ships as
#: ``wheelnext/variants/schemas/detect-output-<version>.json``. A new key is a
#: new minor version; a removed or changed key a new major version.
DETECT_JSON_VERSION = "1.0"


def result_as_json(result: SupportedResult) -> dict[str, Any]:
    """The JSON document ``detect --json`` prints (see :data:`DETECT_JSON_VERSION`)."""
    namespaces = []
    for item in result.results:
        properties = [
            {
                "property": f"{item.namespace} :: {feature} :: {value}",
                "feature": feature,
                "value": value,
                "evidence": item.evidence.get(f"{feature} :: {value}", []),
            }
            for feature, values in item.features.items()
            for value in values
        ]
        namespaces.append(
            {
                "namespace": item.namespace,
                "source": item.source,
                "detail": item.detail,
                "cached": item.cached,
                "reason": item.reason or None,
                "properties": properties,
            }
        )
    return {
        "version": DETECT_JSON_VERSION,
        "supported": result.properties,
        "namespaces": namespaces,
    }


def _echo_table(document: dict[str, Any]) -> None:
    for entry in document["namespaces"]:
        cached = ", cached" if entry["cached"] else ""
        click.echo(f"{entry['namespace']}  [{entry['source']}{cached}] {entry['detail']}")
        if not entry["properties"]:
            why = f": {entry['reason']}" if entry["reason"] else ""
            click.echo(f"    (nothing supported{why})")
        elif entry["reason"]:
            click.echo(f"    note: {entry['reason']}")
        for prop in entry["properties"]:
            because = " ".join(prop["evidence"])
            click.echo(f"    {prop['property']}" + (f"    <- {because}" if because else ""))


@click.command("detect")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the table.")
@click.option(
    "--refresh", is_flag=True, help="Run plugins again instead of reading their cached answers."
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write cached plugin answers (built-in detection is never cached).",
)
@click.option(
    "--properties-file",
    type=click.Path(path_type=Path),
    help="User-provided properties that replace detection (text or JSON).",
)
@click.option(
    "--namespace", "namespaces", multiple=True, help="Only these namespaces (repeatable)."
)
@click.option(
    "--entry-points",
    is_flag=True,
    help="Also run the plugins installed in this environment (group variant_plugins).",
)
def detect(
    as_json: bool,
    refresh: bool,
    no_cache: bool,
    properties_file: Path | None,
    namespaces: tuple[str, ...],
    entry_points: bool,
) -> None:
    """Show the supported variant properties of this machine and the evidence for each.

    Values are listed most preferred first, as PEP 817 providers return them.
    WHEELNEXT_VARIANT_PROPERTIES, or --properties-file, replaces detection.
    """
    from wheelnext.detect import BUILTINS
    from wheelnext.providers.errors import ProviderError

    unknown = sorted(set(namespaces) - set(BUILTINS))
    if unknown:
        raise ProviderError(
            f"--namespace {unknown[0]!r}: no built-in provider (known: {', '.join(BUILTINS)})"
        )
    options = QueryOptions.from_user(properties_file, refresh=refresh, use_cache=not no_cache)
    result = detect_builtins(options, list(namespaces) or None)
    if entry_points and options.overrides is None:
        taken = [item.namespace for item in result.results]
        result = SupportedResult(result.results + tuple(installed_plugins(options, taken)))
    document = result_as_json(result)
    for item in result.results:
        if item.notice:
            click.echo(f"warning: {item.notice}", err=True)
    if as_json:
        click.echo(json.dumps(document, indent=2))
    else:
        _echo_table(document)
