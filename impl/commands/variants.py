"""``wheelnext variants``: inspect, merge, validate, order and explain variant metadata."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from wheelnext.errors import WheelnextError
from wheelnext.variants.combine import combine_variant_metadata
from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.jsonio import (
    loads_toml,
    read_json_object,
    read_text,
)
from wheelnext.variants.models import VARIANT_JSON, dumps
from wheelnext.variants.ordering import OrderingOptions, VariantOrder, order_variants
from wheelnext.variants.properties import (
    SupportedProperties,
    parse_feature,
    parse_property,
    parse_supported,
)
from wheelnext.variants.schema import variant_json_problems
from wheelnext.variants.select import select_wheels
from wheelnext.variants.wheelfile import _wheel_name, read_wheel_variant_json

_DETECT = "wheelnext.commands.detect"


class _VariantsGroup(click.Group):
    """Adds ``detect`` (the providers' command) only when its module exists, imported lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        if importlib.util.find_spec(_DETECT) is not None:
            names.add("detect")
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "detect" and cmd_name not in self.commands:
            if importlib.util.find_spec(_DETECT) is None:
                return None
            command = importlib.import_module(_DETECT).detect
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_VariantsGroup)
def variants() -> None:
    """Wheel variants (PEP 825 format and ordering; PEP 817 providers)."""


def _read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path)


def _metadata_of(path: Path) -> dict[str, Any]:
    if path.suffix in (".whl", ".whlx"):
        return read_wheel_variant_json(path)
    doc = _read_json(path)
    _, problems = variant_json_problems(doc, source=str(path))
    if problems:
        raise InvalidVariantMetadata(f"{path}: {problems[0]}")
    return doc


def _write_atomically(path: Path, text: str) -> None:
    if path.is_dir():
        raise InvalidVariantMetadata(f"{path}: is a directory; -o names the file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def _props_lines(props: dict[str, dict[str, list[str]]]) -> list[str]:
    return [f"{ns} :: {f} :: {v}" for ns, fs in props.items() for f, vs in fs.items() for v in vs]


@variants.command()
@click.argument("wheel", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the variant.json document.")
def show(wheel: Path, as_json: bool) -> None:
    """Show the variant label and properties of WHEEL."""
    doc = read_wheel_variant_json(wheel)
    if as_json:
        _echo_json(doc)
        return
    label, props = next(iter(doc["variants"].items()))
    click.echo(f"label: {label}")
    click.echo(f"schema: {doc['$schema']}")
    click.echo(f"namespaces (priority order): {', '.join(doc['default-priorities']['namespace'])}")
    lines = _props_lines(props)
    click.echo("properties:" if lines else "properties: none (null variant)")
    for line in lines:
        click.echo(f"  {line}")


@variants.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write the combined {name}-{version}-variants.json.",
)
@click.option("--json", "as_json", is_flag=True, help="Also print the combined document.")
def merge(inputs: Sequence[Path], output: Path, as_json: bool) -> None:
    """Combine the variant metadata of wheels or JSON files into one index-level file.

    The output is the {name}-{version}-variants.json document of PEP 825.
    """
    combined = combine_variant_metadata((path.name, _metadata_of(path)) for path in inputs)
    text = dumps(combined)
    _write_atomically(output, text)
    if as_json:
        click.echo(text, nl=False)
    else:
        click.echo(
            f"wrote {output}: {len(combined['variants'])} variant(s) from {len(inputs)} file(s)"
        )


@variants.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Also print {file, valid, format, version, problems} as JSON on stdout.",
)
@click.option(
    "--schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check a JSON document or a wheel's variant.json against this JSON schema (a PEP"
    " draft's, say) instead of the bundled one; only the schema's rules apply.",
)
@click.option(
    "--providers",
    "check_providers",
    is_flag=True,
    help="Also check each property against the built-in provider of its namespace (PEP 817:"
    " a feature and value the provider's get_all_configs() defines, one value unless the"
    " feature is multi-value); namespaces without a built-in provider are skipped.",
)
def validate(file: Path, as_json: bool, schema: Path | None, check_providers: bool) -> None:
    """Validate variant metadata: a JSON file, a wheel, a pyproject.toml or a pylock.toml.

    JSON files are variant.json or {name}-{version}-variants.json documents.
    Exit 0 when valid; any problem, including a file that cannot be read, is
    one error line on stderr and exit 2, with or without --json (which adds
    the JSON report on stdout).
    """
    try:
        if check_providers and file.suffix == ".toml":
            raise InvalidVariantMetadata(f"{file}: --providers applies to JSON documents and "
                                         "wheels")
        if schema is not None:
            fmt, version, problems = _validate_against(file, schema)
        else:
            fmt, version, problems = _validate_any(file)
        if check_providers and not problems:
            problems = _provider_problems(file)
    except WheelnextError as exc:
        fmt, version, problems = None, None, [str(exc)]
        first = str(exc)
    else:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        first = f"{file}: {problems[0]}{more}" if problems else ""
    if as_json:
        _echo_json(
            {
                "file": str(file),
                "valid": not problems,
                "format": fmt,
                "version": version,
                "problems": problems,
            }
        )
    if problems:
        raise InvalidVariantMetadata(first)
    if not as_json:
        click.echo(f"{file}: valid ({fmt} variant metadata {version})")


def _validate_against(file: Path, schema_file: Path) -> tuple[str | None, str | None, list[str]]:
    """Problems of *file* under the JSON schema in *schema_file* alone.

    For a PEP author editing the schema of PEP 825's appendix: the bundled
    schema (and the ``$schema`` version choice) is left out, so a document
    written for the draft is checked by the draft's rules.
    """
    import jsonschema  # lazily, as in wheelnext.variants.schema

    if file.suffix == ".toml":
        raise InvalidVariantMetadata(f"{file}: --schema applies to JSON documents and wheels")
    schema = _read_json(schema_file)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise InvalidVariantMetadata(
            f"{schema_file}: not a JSON schema ({where}: {exc.message})"
        ) from None
    doc = read_wheel_variant_json(file) if file.suffix in (".whl", ".whlx") else _read_json(file)
    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
    return f"schema {schema_file}", str(schema.get("$id", "")), problems


def _provider_problems(file: Path) -> list[str]:
    """Properties the built-in providers do not define (PEP 817 "Variant properties")."""
    import wheelnext.detect  # noqa: F401  (registers the built-in providers)
    from wheelnext.providers.builtin import registered
    from wheelnext.providers.contract import requested_problems
    from wheelnext.providers.loading import builtin_plugins

    doc = read_wheel_variant_json(file) if file.suffix in (".whl", ".whlx") else _read_json(file)
    variants_map = doc.get("variants") or {}
    used = {ns for props in variants_map.values() for ns in props}
    return requested_problems(variants_map, builtin_plugins(sorted(used & set(registered()))))


def _pylock_problems(data: dict[str, Any], file: Path) -> list[str]:
    from wheelnext.variants.pylock import read_variants_json

    packages = data.get("packages", [])
    if not isinstance(packages, list):
        return [f"packages: must be an array of tables, not {type(packages).__name__}"]
    problems = []
    for position, package in enumerate(packages):
        if not isinstance(package, dict):
            problems.append(f"packages[{position}]: must be a table")
            continue
        try:
            read_variants_json(package, source=str(file))
        except InvalidVariantMetadata as exc:
            problems.append(str(exc).removeprefix(f"{file}: "))
    return problems


def _validate_any(file: Path) -> tuple[str | None, str | None, list[str]]:
    if file.suffix in (".whl", ".whlx"):
        doc = read_wheel_variant_json(file)
        choice, problems = variant_json_problems(doc, source=str(file), kind="wheel")
        return choice.format, choice.version_text, problems
    if file.suffix == ".toml":
        data = loads_toml(read_text(file, what="TOML file"), str(file))
        if "variant" in data:
            from wheelnext.variants.pyproject import variant_table_problems

            return "pep817", "pyproject.toml [variant]", variant_table_problems(data["variant"])
        if "packages" not in data:
            raise InvalidVariantMetadata(
                f"{file}: neither a pyproject.toml with [variant] nor a pylock.toml with"
                " [[packages]]"
            )
        return "pylock", "packages.variants-json", _pylock_problems(data, file)
    doc = _read_json(file)
    choice, problems = variant_json_problems(
        doc, source=str(file), kind="wheel" if file.name == VARIANT_JSON else "index"
    )
    return choice.format, choice.version_text, problems


def _supported(properties: Sequence[str], properties_file: Path | None) -> SupportedProperties:
    """-p options, else the providers' one override convention (file, then variable)."""
    if properties:
        return parse_supported(properties)
    from wheelnext.providers.overrides import user_properties

    return user_properties(properties_file) or {}


_ordering_options = [
    click.option(
        "-p",
        "--properties",
        "properties",
        multiple=True,
        help="A property the system supports, 'ns :: feature :: value'; repeat, most preferred"
        " first. Default: --properties-file, else $WHEELNEXT_VARIANT_PROPERTIES (';' or newline"
        " separated).",
    ),
    click.option(
        "--properties-file",
        type=click.Path(path_type=Path),
        help="Supported properties: one per line, or JSON {namespace: {feature: [values]}}.",
    ),
    click.option("--prefer-namespace", multiple=True, help="Rank this namespace first."),
    click.option("--prefer-feature", multiple=True, help="Rank 'ns :: feature' first."),
    click.option("--prefer-property", multiple=True, help="Rank 'ns :: feature :: value' first."),
    click.option("--only", "only_labels", multiple=True, help="Consider only these labels."),
    click.option("--exclude", "exclude_labels", multiple=True, help="Never use these labels."),
    click.option(
        "--detect",
        is_flag=True,
        help="Ask the providers (built-in detection, or user-provided properties) which"
        " properties this machine supports, instead of -p.",
    ),
    click.option(
        "--enable-optional",
        "enable_optional",
        multiple=True,
        metavar="NAMESPACE",
        help="With --detect: also run this optional provider (PEP 817 providers are off by"
        " default when 'optional = true'); 'all' enables every optional provider.",
    ),
    click.option(
        "--provider-index",
        "provider_indexes",
        multiple=True,
        metavar="URL",
        help="With --detect: a simple-API index to install trusted provider packages from"
        " (repeat, highest priority first; still hash-pinned by the allow-list).",
    ),
    click.option(
        "--refresh", is_flag=True, help="With --detect: run plugins again instead of the cache."
    ),
    click.option(
        "--no-cache", is_flag=True, help="With --detect: neither read nor write the cache."
    ),
    click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table."),
]


def _detected(
    doc: Any,
    properties_file: Path | None,
    enable_optional: Sequence[str] = (),
    *,
    refresh: bool = False,
    no_cache: bool = False,
    provider_indexes: Sequence[str] = (),
) -> SupportedProperties:
    """Supported properties from the providers' query (imported only when asked).

    Why a provider was not used, or what was ignored, goes to stderr once per
    provider, without needing ``-v``.
    """
    import wheelnext.detect  # noqa: F401  (registers the built-in providers)
    from wheelnext.providers.query import QueryOptions, query_metadata

    enabled: bool | frozenset[str] = (
        True if "all" in enable_optional else frozenset(enable_optional)
    )
    options = QueryOptions.from_user(
        properties_file,
        enable_optional=enabled,
        refresh=refresh,
        use_cache=not no_cache,
        index_urls=tuple(provider_indexes),
    )
    result = query_metadata(doc, options)
    for item in result.results:
        if item.notice:
            click.echo(f"warning: {item.notice}", err=True)
    return result.properties


def _with_ordering_options(func: Any) -> Any:
    for option in reversed(_ordering_options):
        func = option(func)
    return func


def _options(
    prefer_namespace: Sequence[str],
    prefer_feature: Sequence[str],
    prefer_property: Sequence[str],
    only_labels: Sequence[str],
    exclude_labels: Sequence[str],
) -> OrderingOptions:
    return OrderingOptions(
        tuple(prefer_namespace),
        tuple(parse_feature(f) for f in prefer_feature),
        tuple(parse_property(p) for p in prefer_property),
        frozenset(only_labels),
        frozenset(exclude_labels),
    )


def _order_json(order: VariantOrder) -> dict[str, Any]:
    return {
        "order": [
            {
                "label": item.label,
                "sort_keys": [list(key) for key in item.keys],
                "best_properties": [str(p) for p in item.best_properties],
            }
            for item in order.ranked
        ],
        "rejected": order.rejected,
        "namespace_order": order.namespace_order,
        "feature_order": order.feature_order,
        "value_order": order.value_order,
    }


@variants.command()
@click.argument("file", type=click.Path(path_type=Path))
@_with_ordering_options
def order(
    file: Path,
    properties: Sequence[str],
    properties_file: Path | None,
    prefer_namespace: Sequence[str],
    prefer_feature: Sequence[str],
    prefer_property: Sequence[str],
    only_labels: Sequence[str],
    exclude_labels: Sequence[str],
    detect: bool,
    enable_optional: Sequence[str],
    provider_indexes: Sequence[str],
    refresh: bool,
    no_cache: bool,
    as_json: bool,
) -> None:
    """Order the labels of variant metadata FILE for the given supported properties.

    FILE is a {name}-{version}-variants.json (or variant.json, or a wheel).
    """
    doc = _metadata_of(file)
    result = order_variants(
        doc,
        _detected(
            doc,
            properties_file,
            enable_optional,
            refresh=refresh,
            no_cache=no_cache,
            provider_indexes=provider_indexes,
        )
        if detect
        else _supported(properties, properties_file),
        _options(prefer_namespace, prefer_feature, prefer_property, only_labels, exclude_labels),
    )
    if as_json:
        _echo_json(_order_json(result))
        return
    for rank, item in enumerate(result.ranked, 1):
        click.echo(f"{rank:>3}. {item.label}")
    for label, reason in sorted(result.rejected.items()):
        click.echo(f"  -  {label}: rejected, {reason}")


def _explain_lines(order: VariantOrder) -> list[str]:
    lines = [f"namespace order: {', '.join(order.namespace_order)}"]
    for rank, item in enumerate(order.ranked, 1):
        if not item.keys:
            why = "no properties: ranks after every label that has one"
        else:
            why = "; ".join(
                f"{prop} {list(key)}"
                for prop, key in zip(item.best_properties, item.keys, strict=True)
            )
        lines.append(f"{rank:>3}. {item.label}: {why}")
    if order.ranked:
        lines.append(
            "     (keys are [namespace, feature, value] positions; the first differing key"
            " decides, then more keys, then the label)"
        )
    for label, reason in sorted(order.rejected.items()):
        lines.append(f"  -  {label}: rejected, {reason}")
    return lines


def _release_metadata(directory: Path) -> tuple[list[Path], dict[str, Any]]:
    """One release's wheels in *directory* and its combined metadata ({} without variants)."""
    wheels = sorted(p for p in directory.iterdir() if p.suffix in (".whl", ".whlx") and p.is_file())
    if not wheels:
        raise InvalidVariantMetadata(f"{directory}: no wheels in this directory")
    parsed = {path: _wheel_name(path) for path in wheels}
    releases = {(name.name, str(name.version)) for name in parsed.values()}
    if len(releases) > 1:
        raise InvalidVariantMetadata(f"{directory}: wheels of several releases; give one release")
    index_files = sorted(directory.glob("*-variants.json"))
    variant_wheels = [p for p in wheels if parsed[p].variant_label is not None]
    if index_files:
        doc = _metadata_of(index_files[0])
    elif variant_wheels:
        doc = combine_variant_metadata((p.name, read_wheel_variant_json(p)) for p in variant_wheels)
    else:
        doc = {}
    return wheels, doc


@variants.command()
@click.argument("target", type=click.Path(path_type=Path))
@_with_ordering_options
def explain(
    target: Path,
    properties: Sequence[str],
    properties_file: Path | None,
    prefer_namespace: Sequence[str],
    prefer_feature: Sequence[str],
    prefer_property: Sequence[str],
    only_labels: Sequence[str],
    exclude_labels: Sequence[str],
    detect: bool,
    enable_optional: Sequence[str],
    provider_indexes: Sequence[str],
    refresh: bool,
    no_cache: bool,
    as_json: bool,
) -> None:
    """Explain the order of TARGET's labels: a wheel, or a directory holding one release.

    Says why each label ranks where it does (its best properties and their
    sort keys) and why each rejected label was rejected.
    """
    options = _options(
        prefer_namespace, prefer_feature, prefer_property, only_labels, exclude_labels
    )
    wheels, doc = _release_metadata(target) if target.is_dir() else ([], _metadata_of(target))
    if detect:
        supported = (
            _detected(
                doc,
                properties_file,
                enable_optional,
                refresh=refresh,
                no_cache=no_cache,
                provider_indexes=provider_indexes,
            )
            if doc
            else {}
        )
    else:
        supported = _supported(properties, properties_file)
    if target.is_dir():
        selection = select_wheels([p.name for p in wheels], doc or None, supported, options=options)
        result = selection.order or VariantOrder([])
        if as_json:
            _echo_json(
                {
                    **_order_json(result),
                    "wheels": selection.filenames,
                    "rejected_wheels": dict(selection.rejected),
                }
            )
            return
        for line in _explain_lines(result):
            click.echo(line)
        click.echo("wheels, best first:")
        for filename in selection.filenames:
            click.echo(f"     {filename}")
        for filename, reason in selection.rejected:
            click.echo(f"  -  {filename}: {reason}")
        return
    result = order_variants(doc, supported, options)
    if as_json:
        _echo_json(_order_json(result))
        return
    for line in _explain_lines(result):
        click.echo(line)
