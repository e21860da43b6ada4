"""Obtaining the ordered supported properties of every provider a package names.

PEP 825/817 "Suggested implementation logic", step 7: AoT providers answer from
``static-properties``; install-time providers from user-provided information if
given, else a vendored (built-in) provider, else a trusted plugin run in an
isolated environment; disabled providers (optional and not enabled, or
``enable-if`` false) are treated as having no compatible property. Each answer
carries its source and, for built-ins, the evidence behind every value.
"""

from __future__ import annotations

from collections.abc import Mapping

from wheelnext.providers.builtin import BuiltinProvider, registered
from wheelnext.providers.errors import (
    PluginConflict,
    ProviderError,
    ProviderTimeout,
    UntrustedProvider,
)
from wheelnext.providers.loading import (
    builtin_endpoint,
    check_namespace,
    configs_to_mapping,
    load_endpoint,
)
from wheelnext.providers.metadata import ProviderInfo
from wheelnext.variants.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

Features = dict[str, list[str]]

#: How a namespace got its answer (``source`` of :class:`ProviderResult`).
BUILTIN, USER, STATIC, PLUGIN = "built-in", "user-provided", "static", "plugin"
DISABLED, UNTRUSTED, FAILED, TIMED_OUT = "disabled", "untrusted", "failed", "timed out"
#: Sources whose provider was not used: the user is told why, once per provider.
NOT_USED = frozenset({UNTRUSTED, FAILED, TIMED_OUT})


class ProviderResult(Record):
    """One namespace's supported features (values most preferred first) and why.

    *reason* says, for the user, why the namespace has no properties (no driver,
    provider untrusted, failed or timed out) or what was ignored.
    """

    _fields = __match_args__ = (
        "namespace", "source", "detail", "features", "evidence", "cached", "reason",
    )
    namespace: str
    source: str
    detail: str
    features: Features
    evidence: dict[str, list[str]]
    cached: bool
    reason: str

    def __init__(
        self,
        namespace: str,
        source: str,
        detail: str,
        features: Features | None = None,
        evidence: dict[str, list[str]] | None = None,
        cached: bool = False,
        reason: str = "",
    ) -> None:
        self._init(
            namespace=namespace, source=source, detail=detail,
            features={} if features is None else features,
            evidence={} if evidence is None else evidence, cached=cached, reason=reason,
        )

    @property
    def notice(self) -> str | None:
        """The line a user must see without ``-v``: why a provider was not used, or what
        was ignored; ``None`` when there is nothing to say."""
        if self.source in NOT_USED:
            return f"variant provider {self.namespace}: not used ({self.source}): {self.reason}"
        if self.source == STATIC and self.reason:
            return f"variant provider {self.namespace}: {self.reason}"
        return None


class SupportedResult(Record):
    """Every queried namespace, in the order of the metadata."""

    _fields = __match_args__ = ("results",)
    results: tuple[ProviderResult, ...]

    def __init__(self, results: tuple[ProviderResult, ...]) -> None:
        self._init(results=results)

    @property
    def properties(self) -> dict[str, Features]:
        """The ``SupportedProperties`` mapping: namespaces with at least one feature."""
        return {r.namespace: r.features for r in self.results if r.features}


class QueryOptions(Record):
    """What the user controls: optional providers, overrides, trust, cache, isolation."""

    _fields = __match_args__ = (
        "enable_optional", "overrides", "overrides_source", "environment", "allow_list_path",
        "strict_trust", "use_cache", "refresh", "cache_directory", "environments_directory",
        "find_links", "index_urls", "timeout",
    )
    enable_optional: bool | frozenset[str]
    overrides: Mapping[str, Mapping[str, Sequence[str]]] | None
    overrides_source: str
    environment: Mapping[str, str] | None
    allow_list_path: Path | None
    strict_trust: bool
    use_cache: bool
    refresh: bool
    cache_directory: Path | None
    environments_directory: Path | None
    find_links: tuple[str, ...]
    index_urls: tuple[str, ...]
    timeout: float

    def __init__(
        self,
        enable_optional: bool | frozenset[str] = False,
        overrides: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
        overrides_source: str = "WHEELNEXT_VARIANT_PROPERTIES",
        environment: Mapping[str, str] | None = None,
        allow_list_path: Path | None = None,
        strict_trust: bool = False,
        use_cache: bool = True,
        refresh: bool = False,
        cache_directory: Path | None = None,
        environments_directory: Path | None = None,
        find_links: tuple[str, ...] = (),
        index_urls: tuple[str, ...] = (),
        timeout: float = 30.0,
    ) -> None:
        self._init(
            enable_optional=enable_optional, overrides=overrides,
            overrides_source=overrides_source, environment=environment,
            allow_list_path=allow_list_path, strict_trust=strict_trust, use_cache=use_cache,
            refresh=refresh, cache_directory=cache_directory,
            environments_directory=environments_directory, find_links=find_links,
            index_urls=index_urls, timeout=timeout,
        )

    @classmethod
    def from_user(cls, properties_file: Path | None = None, **settings: Any) -> QueryOptions:
        """Options carrying the user's properties (*properties_file*, else the variable)."""
        from wheelnext.providers.overrides import ENV_VAR, user_properties

        given = user_properties(properties_file)
        source = str(properties_file) if properties_file is not None else ENV_VAR
        return cls(overrides=given, overrides_source=source, **settings)


def _optional_enabled(options: QueryOptions, namespace: str) -> bool:
    enabled = options.enable_optional
    return enabled if isinstance(enabled, bool) else namespace in enabled


def _marker_true(expression: str, options: QueryOptions, namespace: str) -> bool:
    from packaging.markers import InvalidMarker, Marker

    try:
        marker = Marker(expression)
    except InvalidMarker as exc:
        raise ProviderError(f"providers.{namespace}.enable-if: {exc}") from None
    environment = dict(options.environment) if options.environment is not None else None
    return bool(marker.evaluate(environment))


def run_builtin(namespace: str, endpoint: str, options: QueryOptions) -> ProviderResult:
    """Query a built-in plugin in this process, afresh every time.

    Built-in detection reads ``/proc``, ``/sys`` and a driver library in
    milliseconds, so it is never cached: a GPU that appears without a reboot,
    or a cache volume shared by containers on different hosts, cannot answer
    for this machine (PEP 817 only allows caching "throughout multiple packages
    in a single install session"; see ``docs/spec-notes/pep817-caching.rst``).
    """
    plugin = load_endpoint(endpoint)
    check_namespace(plugin, namespace, endpoint)
    detection = getattr(plugin, "detection", None)
    if detection is not None:
        found = detection()
        features = checked(plugin, namespace, configs_to_mapping(found.configs, namespace),
                           endpoint)
        evidence = {k: list(v) for k, v in found.evidence.items()}
        reason = str(getattr(found, "reason", "") or "")
    else:
        features = checked(plugin, namespace,
                           configs_to_mapping(plugin.get_supported_configs(), namespace), endpoint)
        evidence, reason = {}, ""
    if not features and not reason:
        reason = "the provider found nothing supported on this machine"
    return ProviderResult(namespace, BUILTIN, endpoint, features, evidence, reason=reason)


def _active_requirements(info: ProviderInfo) -> list[str]:
    from packaging.requirements import Requirement

    active = []
    for requirement in info.requires:
        marker = Requirement(requirement).marker
        if marker is None or marker.evaluate():
            active.append(requirement)
    return active


def run_third_party(
    info: ProviderInfo, options: QueryOptions, *, require_aot: bool = False
) -> ProviderResult:
    """Install (if trusted) and query a third-party plugin in an isolated environment."""
    from wheelnext.providers import cache
    from wheelnext.providers.isolated import ensure_environment, run_plugins
    from wheelnext.providers.trust import load_allow_list

    endpoint = info.endpoint()
    allow = load_allow_list(options.allow_list_path)
    dists = [allow.trusted(requirement) for requirement in _active_requirements(info)]
    if not dists:
        raise ProviderError(f"providers.{info.namespace}.requires: no requirement applies here")
    version = " ".join(d.requirement_line() for d in dists)
    directory = options.cache_directory or cache.cache_dir()
    key = cache.cache_key(info.namespace, endpoint, f"{version}\0{cache.machine_stamp()}")
    if options.use_cache and not options.refresh and not require_aot:
        entry = cache.read(directory, key)
        if entry is not None and isinstance(entry.get("features"), dict):
            features = entry["features"]
            evidence = reported_by(features, f"{endpoint} ({version})")
            return ProviderResult(info.namespace, PLUGIN, endpoint, features, evidence, True)
    base = options.environments_directory or directory.parent / "provider-envs"
    python = ensure_environment(
        dists, base, find_links=options.find_links, index_urls=options.index_urls
    )
    answer = run_plugins(python, [endpoint], timeout=options.timeout)[endpoint]
    if answer.get("namespace") != info.namespace:
        raise PluginConflict(
            f"plugin-api {endpoint!r}: serves namespace {answer.get('namespace')!r}, "
            f"but metadata declares it for {info.namespace!r}"
        )
    if require_aot and not answer.get("is_aot_plugin"):
        raise ProviderError(
            f"providers.{info.namespace}: install-time is false but {endpoint} "
            "is not an AoT plugin (is_aot_plugin is not true)"
        )
    features = answer_features(answer, info.namespace, endpoint)
    if options.use_cache:
        cache.write(directory, key, {"features": features})
    detail = f"{endpoint} ({version})"
    return ProviderResult(info.namespace, PLUGIN, detail, features, reported_by(features, detail))


def reported_by(features: Features, detail: str) -> dict[str, list[str]]:
    """Evidence for a plugin's answer: the plugin said so."""
    return {f"{f} :: {v}": [f"reported by {detail}"] for f, vs in features.items() for v in vs}


def json_configs(data: Any, namespace: str) -> list[Any]:
    """Feature configs as the runner wrote them, as objects with the config attributes."""
    if not isinstance(data, list):
        raise ProviderError(f"provider {namespace!r}: malformed answer")

    class _Config:
        def __init__(self, item: Any) -> None:
            if not isinstance(item, dict):
                raise ProviderError(f"provider {namespace!r}: malformed answer")
            self.name, self.values = item.get("name"), item.get("values")
            self.multi_value = item.get("multi_value")

    return [_Config(item) for item in data]


def configs_from_json(data: Any, namespace: str) -> Features:
    """Feature configs as the runner wrote them, checked like in-process ones."""
    return configs_to_mapping(json_configs(data, namespace), namespace)


def answer_features(answer: Mapping[str, Any], namespace: str, who: str) -> Features:
    """The supported features of a runner's answer, checked against its ``all`` configs."""
    from wheelnext.providers.contract import all_configs, check_answer

    features = configs_from_json(answer.get("supported"), namespace)
    valid = all_configs(json_configs(answer.get("all"), namespace), namespace)
    check_answer(namespace, features, valid, aot=bool(answer.get("is_aot_plugin")), who=who)
    return features


def checked(plugin: Any, namespace: str, features: Features, who: str) -> Features:
    """*features* (the in-process *plugin*'s supported configs) once checked against its
    ``get_all_configs()`` (:func:`wheelnext.providers.contract.check_answer`)."""
    from wheelnext.providers.contract import all_configs, check_answer

    valid = all_configs(plugin.get_all_configs(), namespace)
    aot = bool(getattr(plugin, "is_aot_plugin", False))
    check_answer(namespace, features, valid, aot=aot, who=who)
    return features


def query_provider(
    info: ProviderInfo,
    static_properties: Mapping[str, Mapping[str, Sequence[str]]],
    options: QueryOptions,
) -> ProviderResult:
    """The answer for one namespace, following step 7 of the suggested logic."""
    ns = info.namespace
    if info.optional and not _optional_enabled(options, ns):
        why = "optional provider not enabled"
        return ProviderResult(ns, DISABLED, why, reason=why)
    if info.enable_if is not None and not _marker_true(info.enable_if, options, ns):
        why = f"enable-if {info.enable_if!r} is false here"
        return ProviderResult(ns, DISABLED, why, reason=why)
    if not info.install_time:
        return _ahead_of_time(ns, static_properties, options)
    if options.overrides is not None:
        given = options.overrides.get(ns, {})
        reason = [f"given in {options.overrides_source}"]
        return ProviderResult(
            ns, USER, options.overrides_source, {f: list(v) for f, v in given.items()},
            {f"{f} :: {v}": reason for f, vs in given.items() for v in vs},
            reason="" if given else f"not named in {options.overrides_source}",
        )
    endpoint = builtin_endpoint(info)
    if endpoint is not None:
        return run_builtin(ns, endpoint, options)
    try:
        return run_third_party(info, options)
    except UntrustedProvider as exc:
        if options.strict_trust:
            raise
        return ProviderResult(ns, UNTRUSTED, info.endpoint(), reason=str(exc))
    except ProviderTimeout as exc:
        if options.strict_trust:
            raise
        return ProviderResult(ns, TIMED_OUT, info.endpoint(), reason=str(exc))
    except PluginConflict:
        raise
    except ProviderError as exc:
        if options.strict_trust:
            raise
        return ProviderResult(ns, FAILED, info.endpoint(), reason=str(exc))


def _ahead_of_time(
    ns: str, static_properties: Mapping[str, Mapping[str, Sequence[str]]], options: QueryOptions
) -> ProviderResult:
    """PEP 817 "Providers": "For ahead-of-time providers, they MUST use the static
    metadata embedded in the wheel instead", so user-provided properties for an AoT
    namespace are ignored, and the result says so."""
    static = static_properties.get(ns)
    if not static:
        why = "AoT provider without static-properties"
        return ProviderResult(ns, FAILED, why, reason=why)
    features = {f: list(v) for f, v in static.items()}
    ignored = (options.overrides or {}).get(ns)
    reason = ""
    if ignored:
        given = "; ".join(f"{ns} :: {f} :: {v}" for f, vs in ignored.items() for v in vs)
        reason = (
            f"user-provided {given} (from {options.overrides_source}) ignored: {ns} is an"
            " ahead-of-time provider, whose properties come from static-properties (PEP 817)"
        )
    return ProviderResult(ns, STATIC, "static-properties", features, reason=reason)


def query_providers(
    providers: Mapping[str, Mapping[str, Any]],
    static_properties: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    options: QueryOptions | None = None,
) -> SupportedResult:
    """Supported properties for the ``providers`` and ``static-properties`` of variant metadata."""
    options = options or QueryOptions()
    results = [
        query_provider(ProviderInfo.from_mapping(ns, data), static_properties or {}, options)
        for ns, data in providers.items()
    ]
    return SupportedResult(tuple(results))


def query_builtin(builtin: BuiltinProvider, options: QueryOptions) -> ProviderResult:
    """The answer of one registered built-in, as if variant metadata named its endpoint.

    An ahead-of-time built-in has no ``static-properties`` to read outside a wheel,
    so its plugin is asked for them, as a build backend would (:func:`aot_features`).
    """
    ns = builtin.namespace
    info = ProviderInfo(
        ns, install_time=builtin.install_time, plugin_api=builtin.endpoint, requires=("wheelnext",)
    )
    static = {} if builtin.install_time else {ns: aot_features(ns, builtin.endpoint)}
    return query_provider(info, static, options)


def detect_builtins(
    options: QueryOptions | None = None, namespaces: Sequence[str] | None = None
) -> SupportedResult:
    """What the registered built-in providers find on this machine (``variants detect``)."""
    options = options or QueryOptions()
    results = [
        query_builtin(builtin, options)
        for ns, builtin in registered().items()
        if namespaces is None or ns in namespaces
    ]
    return SupportedResult(tuple(results))


def query_metadata(
    metadata: Mapping[str, Any], options: QueryOptions | None = None
) -> SupportedResult:
    """Supported properties for a ``variant.json`` / ``*-variants.json`` document of either PEP.

    PEP 817 documents name their ``providers``; PEP 825 documents carry none
    (provider discovery is left to a later PEP), so each namespace of
    ``default-priorities.namespace`` is answered by user-provided properties or
    the registered built-in provider of that name, and is unsupported when there
    is neither.
    """
    providers = metadata.get("providers")
    if isinstance(providers, Mapping):
        return query_providers(providers, metadata.get("static-properties") or {}, options)
    options = options or QueryOptions()
    builtins = registered()
    priorities = metadata.get("default-priorities")
    namespaces = priorities.get("namespace", []) if isinstance(priorities, Mapping) else []
    results = []
    for ns in namespaces:
        if ns in builtins:
            results.append(query_builtin(builtins[ns], options))
        elif options.overrides is not None:
            info = ProviderInfo(ns, plugin_api="", requires=("wheelnext",))
            results.append(query_provider(info, {}, options))
        else:
            why = "no provider known for this namespace"
            results.append(ProviderResult(ns, FAILED, why, reason=why))
    return SupportedResult(tuple(results))


def installed_plugins(
    options: QueryOptions | None = None, taken: Sequence[str] = ()
) -> list[ProviderResult]:
    """Plugins installed in this environment's ``variant_plugins`` entry-point group.

    PEP 817 "API endpoint": entry points are "OPTIONAL but RECOMMENDED, as it
    permits variant-related utilities to discover variant plugins installed to
    the user's environment". They run in a child of this interpreter (timeout,
    result file), only when the user asks for them. A namespace served twice,
    or already in *taken*, is a :class:`PluginConflict`.
    """
    import sys
    from importlib.metadata import entry_points
    from pathlib import Path

    from wheelnext.providers.errors import PluginConflict
    from wheelnext.providers.isolated import run_plugins

    options = options or QueryOptions()
    found = list(entry_points(group="variant_plugins"))
    endpoints = {ep.value: ep.name for ep in found}
    if not endpoints:
        return []
    paths = sorted({Path(str(ep.dist.locate_file(""))) for ep in found if ep.dist is not None})
    answers = run_plugins(sys.executable, list(endpoints), paths=paths, timeout=options.timeout)
    seen: dict[str, str] = {ns: "a built-in provider" for ns in taken}
    results = []
    for endpoint, answer in answers.items():
        namespace = str(answer.get("namespace"))
        if namespace in seen:
            raise PluginConflict(
                f"namespace {namespace!r}: two plugins, {seen[namespace]} and {endpoint}"
            )
        seen[namespace] = f"entry point {endpoints[endpoint]} = {endpoint}"
        features = answer_features(answer, namespace, endpoint)
        evidence = reported_by(features, seen[namespace])
        results.append(ProviderResult(namespace, PLUGIN, seen[namespace], features, evidence))
    return results


def build_static_properties(
    providers: Mapping[str, Mapping[str, Any]], options: QueryOptions | None = None
) -> dict[str, Features]:
    """``static-properties`` for the AoT providers that have a plugin, for build backends.

    PEP 817 "Static properties": "the build backend MUST query the AoT provider
    plugins (i.e. these with ``install-time`` being ``false`` and non-empty
    ``requires``) to obtain supported properties and embed them". The plugin must
    declare ``is_aot_plugin``; built-ins answer in process, others go through
    trust and isolation like install-time plugins.
    """
    options = options or QueryOptions()
    found: dict[str, Features] = {}
    for ns, data in providers.items():
        info = ProviderInfo.from_mapping(ns, data)
        if info.install_time or not info.requires:
            continue
        endpoint = builtin_endpoint(info)
        if endpoint is None:
            found[ns] = run_third_party(info, options, require_aot=True).features
            continue
        found[ns] = aot_features(ns, endpoint)
    return found


def aot_features(namespace: str, endpoint: str) -> Features:
    """What the in-process AoT plugin at *endpoint* supports: its ``static-properties`` entry.

    PEP 817 "Install-time and Ahead-of-Time providers": an AoT plugin "must always
    return the same ordered list of supported properties irrespective of the user
    system", so its ``get_supported_configs()`` is what a wheel embeds; the plugin
    must say it is one (``is_aot_plugin``).
    """
    plugin = load_endpoint(endpoint)
    check_namespace(plugin, namespace, endpoint)
    if not getattr(plugin, "is_aot_plugin", False):
        raise ProviderError(f"providers.{namespace}: {endpoint} is not an AoT plugin")
    return checked(plugin, namespace, configs_to_mapping(plugin.get_supported_configs(), namespace),
                   endpoint)
