"""Finding plugins: by API endpoint, by the ``variant_plugins`` entry-point group, or built in
(registered in :mod:`wheelnext.providers.builtin`).

PEP 817 "API endpoint": an endpoint ``{import_path}(:{object_path})?`` means
``import import_path`` then walk ``object_path``; entry points in the
``variant_plugins`` group carry such endpoints and their names are insignificant.
PEP 817 "High level design": "Attempting to load more than one plugin for the same
namespace in the same release version MUST result in a fatal error."
"""

from __future__ import annotations

import sys
from functools import reduce

from wheelnext.providers.builtin import registered
from wheelnext.providers.errors import PluginConflict, ProviderError
from wheelnext.providers.metadata import parse_endpoint
from wheelnext.variants.properties import FEATURE_NAME_RE, FEATURE_VALUE_RE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from wheelnext.providers.metadata import ProviderInfo

ENTRY_POINT_GROUP = "variant_plugins"
REQUIRED = ("namespace", "get_all_configs", "get_supported_configs")


def load_endpoint(reference: str) -> Any:
    """Import the plugin object at *reference* and check it has the PEP 817 attributes."""
    module_name, object_path = parse_endpoint(reference)
    try:
        if module_name.startswith("."):
            import importlib

            module = importlib.import_module(module_name)
        else:
            # What importlib.import_module does for an absolute name, minus its import.
            __import__(module_name)
            module = sys.modules[module_name]
        plugin: Any = reduce(getattr, object_path.split(".") if object_path else [], module)
    except (ImportError, AttributeError) as exc:
        raise ProviderError(f"plugin-api {reference!r}: cannot load: {exc}") from None
    missing = [name for name in REQUIRED if not hasattr(plugin, name)]
    if missing:
        raise ProviderError(f"plugin-api {reference!r}: missing {', '.join(missing)}")
    return plugin


def builtin_endpoint(info: ProviderInfo) -> str | None:
    """The built-in plugin that stands in for *info*'s provider package, if any.

    PEP 817 "Providers": "Installers MAY vendor or reimplement specific providers."
    A built-in is used only when the metadata names a package it reimplements
    (or names the built-in endpoint itself), never for an unknown package that
    happens to use the same namespace.
    """
    builtin = registered().get(info.namespace)
    if builtin is None:
        return None
    if info.plugin_api is not None and info.plugin_api.strip() == builtin.endpoint:
        return builtin.endpoint
    names = info.requirement_names()
    if names and all(name in builtin.replaces for name in names):
        return builtin.endpoint
    return None


def check_unique(plugins: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Map namespace -> plugin, failing on two plugins for one namespace."""
    found: dict[str, tuple[str, Any]] = {}
    for source, plugin in plugins:
        namespace = plugin.namespace
        if namespace in found:
            raise PluginConflict(
                f"namespace {namespace!r}: two plugins, {found[namespace][0]} and {source}"
            )
        found[namespace] = (source, plugin)
    return {namespace: plugin for namespace, (_, plugin) in found.items()}


def entry_point_plugins() -> dict[str, Any]:
    """Plugins installed in this environment under the ``variant_plugins`` group."""
    from importlib.metadata import entry_points

    return check_unique(
        (f"entry point {ep.name} = {ep.value}", load_endpoint(ep.value))
        for ep in entry_points(group=ENTRY_POINT_GROUP)
    )


def builtin_plugins(namespaces: Iterable[str] | None = None) -> dict[str, Any]:
    """The registered built-in plugins (all, or those for *namespaces*), loaded."""
    builtins = registered()
    wanted = builtins if namespaces is None else {n: builtins[n] for n in namespaces}
    return check_unique(
        (builtin.endpoint, load_endpoint(builtin.endpoint)) for builtin in wanted.values()
    )


def configs_to_mapping(configs: Iterable[Any], namespace: str) -> dict[str, list[str]]:
    """Turn a plugin's feature configs into ``{feature: [values]}``, checking their shape."""
    result: dict[str, list[str]] = {}
    for config in configs:
        name, values = getattr(config, "name", None), getattr(config, "values", None)
        if not isinstance(name, str) or not isinstance(values, list) or not all(
            isinstance(value, str) for value in values
        ):
            raise ProviderError(f"provider {namespace!r}: returned an invalid feature config")
        if name in result:
            raise ProviderError(f"provider {namespace!r}: feature {name!r} returned twice")
        bad = [v for v in values if not FEATURE_VALUE_RE.match(v)]
        if not FEATURE_NAME_RE.match(name) or bad:
            shown = name if not FEATURE_NAME_RE.match(name) else f"{name} :: {bad[0]}"
            raise ProviderError(
                f"provider {namespace!r}: {shown!r} breaks the PEP 817 property syntax"
            )
        if values:
            result[name] = list(values)
    return result


def check_namespace(plugin: Any, expected: str, reference: str) -> None:
    """The plugin must serve the namespace the metadata declared it for."""
    if getattr(plugin, "namespace", None) != expected:
        raise PluginConflict(
            f"plugin-api {reference!r}: serves namespace {plugin.namespace!r}, "
            f"but metadata declares it for {expected!r}"
        )


def mapping_of(plugins: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Supported configs of several loaded plugins, keyed by namespace."""
    return {ns: configs_to_mapping(p.get_supported_configs(), ns) for ns, p in plugins.items()}
