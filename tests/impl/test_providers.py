"""The PEP 817 provider machinery: metadata, loading, trust, isolation, cache, overrides."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wheelnext.detect  # noqa: F401  (registers the built-in providers)
from wheelnext.providers import cache, overrides
from wheelnext.providers.errors import (
    InvalidOverrides,
    PluginConflict,
    ProviderError,
    ProviderTimeout,
    UntrustedProvider,
)
from wheelnext.providers.isolated import run_plugins
from wheelnext.providers.loading import (
    builtin_endpoint,
    check_unique,
    entry_point_plugins,
    load_endpoint,
)
from wheelnext.providers.metadata import ProviderInfo
from wheelnext.providers.query import (
    BUILTIN,
    DISABLED,
    FAILED,
    PLUGIN,
    STATIC,
    UNTRUSTED,
    USER,
    QueryOptions,
    detect_builtins,
    query_providers,
)
from wheelnext.providers.trust import AllowList, TrustedDistribution, load_allow_list

PLUGIN_SOURCE = '''
import sys, time
from dataclasses import dataclass

@dataclass
class Config:
    name: str
    values: list
    multi_value: bool = False

class Plugin:
    namespace = "{namespace}"

    @staticmethod
    def get_all_configs():
        return [Config("flavour", ["sweet", "sour", "bitter"])]

    @staticmethod
    def get_supported_configs():
        print("noise on stdout that must not corrupt the answer")
        sys.stdout.write("{{not json")
        {body}
        return [Config("flavour", ["sour", "sweet"])]
'''


def write_plugin(
    directory: Path, module: str, namespace: str = "example", body: str = "pass"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{module}.py").write_text(PLUGIN_SOURCE.format(namespace=namespace, body=body))
    return directory


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(overrides.ENV_VAR, raising=False)
    return tmp_path / "cache" / "wheelnext" / "providers"


# --- metadata -----------------------------------------------------------------


def test_provider_info_defaults_follow_pep_817() -> None:
    info = ProviderInfo.from_mapping("x86_64", {"requires": ["provider-variant-x86-64 >=0.0.1"]})
    assert (info.install_time, info.optional, info.enable_if, info.plugin_api) == (
        True, False, None, None)
    assert info.endpoint() == "provider_variant_x86_64"


def test_endpoint_skips_requirements_whose_markers_are_false() -> None:
    info = ProviderInfo.from_mapping("a", {"requires": [
        "never-here; python_version < '3.0'", "Used.Here>=1"]})
    assert info.endpoint() == "used_here"
    explicit = ProviderInfo.from_mapping("a", {"plugin-api": "pkg.mod:Obj", "requires": ["x"]})
    assert explicit.endpoint() == "pkg.mod:Obj"


def test_provider_info_rejects_wrong_types_naming_the_field() -> None:
    with pytest.raises(ProviderError, match=r"providers\.a\.optional"):
        ProviderInfo.from_mapping("a", {"optional": "yes"})
    with pytest.raises(ProviderError, match="plugin-api"):
        ProviderInfo.from_mapping("a", {"plugin-api": "not a reference!"}).endpoint()


# --- loading ------------------------------------------------------------------


def test_load_endpoint_and_missing_attributes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_plugin(tmp_path, "good_plugin")
    (tmp_path / "bad_plugin.py").write_text("namespace = 'x'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = load_endpoint("good_plugin:Plugin")
    assert plugin.namespace == "example"
    with pytest.raises(ProviderError, match="missing get_all_configs"):
        load_endpoint("bad_plugin")
    with pytest.raises(ProviderError, match="cannot load"):
        load_endpoint("no_such_module_here:Plugin")


def test_two_plugins_for_one_namespace_is_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_plugin(tmp_path, "first_plugin")
    write_plugin(tmp_path, "second_plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginConflict, match="'example'"):
        check_unique([(ref, load_endpoint(ref))
                      for ref in ("first_plugin:Plugin", "second_plugin:Plugin")])

    class EntryPoint:
        def __init__(self, name: str, value: str) -> None:
            self.name, self.value = name, value

    import importlib.metadata

    def fake_entry_points(group: str) -> list[EntryPoint]:
        assert group == "variant_plugins"
        return [EntryPoint("a", "first_plugin:Plugin"), EntryPoint("b", "second_plugin:Plugin")]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    with pytest.raises(PluginConflict):
        entry_point_plugins()


def test_builtins_stand_in_only_for_the_packages_they_reimplement() -> None:
    known = ProviderInfo.from_mapping("x86_64", {
        "requires": ["provider-variant-x86-64 >=0.0.1"],
        "plugin-api": "provider_variant_x86_64.plugin:X8664Plugin"})
    assert builtin_endpoint(known) == "wheelnext.detect.x86_64:X86_64Plugin"
    stranger = ProviderInfo.from_mapping("x86_64", {"requires": ["someone-elses-x86"]})
    assert builtin_endpoint(stranger) is None
    assert builtin_endpoint(ProviderInfo.from_mapping("other", {"requires": ["wheelnext"]})) is None


# --- trust --------------------------------------------------------------------


def test_allow_list_picks_the_newest_matching_entry(tmp_path: Path) -> None:
    path = tmp_path / "trusted.toml"
    path.write_text(textwrap.dedent(f"""
        [[provider]]
        name = "My_Provider"
        version = "1.0"
        sha256 = "{'a' * 64}"
        [[provider]]
        name = "my-provider"
        version = "2.0"
        sha256 = "{'b' * 64}"
    """))
    allow = load_allow_list(path)
    assert allow.trusted("my.provider").version == "2.0"
    assert allow.trusted("my-provider<2").sha256 == "a" * 64
    with pytest.raises(UntrustedProvider, match="not on the allow-list"):
        allow.trusted("my-provider>=3")
    with pytest.raises(UntrustedProvider):
        allow.trusted("other")
    assert load_allow_list(tmp_path / "missing.toml") == AllowList()


def test_allow_list_rejects_bad_hashes(tmp_path: Path) -> None:
    path = tmp_path / "trusted.toml"
    path.write_text('[[provider]]\nname = "p"\nversion = "1"\nsha256 = "xyz"\n')
    with pytest.raises(ProviderError, match=r"provider\[0\]: sha256"):
        load_allow_list(path)


def test_untrusted_provider_is_never_installed_or_run(isolated_cache: Path) -> None:
    providers = {"example": {"requires": ["example-provider"], "plugin-api": "example:Plugin"}}
    result = query_providers(providers)
    (only,) = result.results
    assert only.source == UNTRUSTED and only.features == {}
    assert not (isolated_cache.parent / "provider-envs").exists()
    with pytest.raises(UntrustedProvider):
        query_providers(providers, options=QueryOptions(strict_trust=True))


# --- isolated runner ----------------------------------------------------------


def test_runner_answer_survives_plugin_printing(tmp_path: Path) -> None:
    write_plugin(tmp_path, "noisy_plugin")
    answer = run_plugins(sys.executable, ["noisy_plugin:Plugin"], paths=[tmp_path])
    entry = answer["noisy_plugin:Plugin"]
    assert entry["namespace"] == "example"
    assert entry["supported"] == [
        {"name": "flavour", "values": ["sour", "sweet"], "multi_value": False}]


def test_runner_reports_plugin_errors_and_timeouts(tmp_path: Path) -> None:
    write_plugin(tmp_path, "raising_plugin", body="raise RuntimeError('sensor on fire')")
    with pytest.raises(ProviderError, match="sensor on fire"):
        run_plugins(sys.executable, ["raising_plugin:Plugin"], paths=[tmp_path])
    write_plugin(tmp_path, "slow_plugin", body="time.sleep(30)")
    with pytest.raises(ProviderTimeout, match="no answer within"):
        run_plugins(sys.executable, ["slow_plugin:Plugin"], paths=[tmp_path], timeout=1)


# --- cache --------------------------------------------------------------------


def test_builtin_answers_are_never_cached(isolated_cache: Path) -> None:
    first = detect_builtins(namespaces=["x86_64"]).results[0]
    assert not first.cached and first.source == BUILTIN
    second = detect_builtins(namespaces=["x86_64"]).results[0]
    assert not second.cached and second.features == first.features
    assert not list(isolated_cache.glob("*.json"))


def test_a_gpu_gone_without_reboot_is_seen(
    isolated_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale answer (cu128 from before the GPU left) must not outlive the GPU."""
    from wheelnext.detect.nvidia import NvidiaPlugin

    stale = {"features": {"cuda_version_lower_bound": ["12.8"]}, "evidence": {}}
    monkeypatch.setattr(cache, "read", lambda directory, key: stale)
    monkeypatch.setattr(NvidiaPlugin, "_loader", staticmethod(lambda name: None))
    result = detect_builtins(QueryOptions(), ["nvidia"]).results[0]
    assert result.features == {} and not result.cached
    assert "no NVIDIA driver" in result.reason


def test_plugin_cache_key_follows_the_hardware(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = tmp_path / "nvidia0"
    version = tmp_path / "version"
    globs, versions = [str(tmp_path / "nvidia*")], [str(version)]
    absent = cache.machine_stamp(globs, versions)
    device.write_text("")
    present = cache.machine_stamp(globs, versions)
    assert present != absent
    version.write_text("NVRM version: 570.1\n")
    upgraded = cache.machine_stamp(globs, versions)
    version.write_text("NVRM version: 580.2\n")
    assert upgraded not in (present, cache.machine_stamp(globs, versions))


def test_cache_key_depends_on_interpreter_provider_and_version() -> None:
    base = cache.cache_key("ns", "mod:Obj", "1.0", "/usr/bin/python3")
    assert base != cache.cache_key("ns", "mod:Obj", "1.1", "/usr/bin/python3")
    assert base != cache.cache_key("ns", "mod:Obj", "1.0", "/opt/python3")
    assert base != cache.cache_key("ns", "other:Obj", "1.0", "/usr/bin/python3")
    assert base.startswith("ns-")


def test_corrupt_cache_entry_is_ignored(isolated_cache: Path) -> None:
    detect_builtins(namespaces=["x86_64"])
    for path in isolated_cache.glob("*.json"):
        path.write_text("{broken")
    assert not detect_builtins(namespaces=["x86_64"]).results[0].cached


# --- overrides ----------------------------------------------------------------


def test_overrides_from_the_environment_variable_keep_their_order() -> None:
    value = "x86_64 :: level :: v3; x86_64::level::v2\nnvidia :: sm_arch :: 90_real"
    env = {overrides.ENV_VAR: value}
    assert overrides.user_properties(environ=env) == {
        "x86_64": {"level": ["v3", "v2"]}, "nvidia": {"sm_arch": ["90_real"]}}
    assert overrides.user_properties(environ={}) is None


def test_overrides_file_text_and_json(tmp_path: Path) -> None:
    text = tmp_path / "props.txt"
    text.write_text("# target profile\nx86_64 :: level :: v2\n")
    assert overrides.read_file(text) == {"x86_64": {"level": ["v2"]}}
    data = tmp_path / "props.json"
    data.write_text(json.dumps({"amd": {"gfx_arch": ["gfx90a", "gfx942"]}}))
    assert overrides.read_file(data) == {"amd": {"gfx_arch": ["gfx90a", "gfx942"]}}
    bad = tmp_path / "bad.txt"
    bad.write_text("x86_64 :: Level :: v2\n")
    with pytest.raises(InvalidOverrides, match=r"bad\.txt"):
        overrides.read_file(bad)


names = st.text(alphabet="abcxyz019_", min_size=1, max_size=5)
values = st.lists(st.text(alphabet="abcv019_.", min_size=1, max_size=5), min_size=1,
                  max_size=3, unique=True)


@settings(max_examples=40)
@given(st.dictionaries(names, st.dictionaries(names, values, min_size=1, max_size=3),
                       min_size=1, max_size=3))
def test_overrides_text_round_trips(supported: dict[str, dict[str, list[str]]]) -> None:
    text = "; ".join(f"{ns} :: {f} :: {v}" for ns, fs in supported.items()
                     for f, vs in fs.items() for v in vs)
    assert overrides.parse_text(text, "test") == supported


def test_overrides_replace_detection_entirely(isolated_cache: Path) -> None:
    given_props = {"x86_64": {"level": ["v2", "v1"]}}
    result = detect_builtins(QueryOptions(overrides=given_props))
    by_ns = {r.namespace: r for r in result.results}
    assert by_ns["x86_64"].source == USER
    assert by_ns["x86_64"].features == {"level": ["v2", "v1"]}
    assert by_ns["nvidia"].features == {} and by_ns["nvidia"].source == USER
    assert by_ns["blas_lapack"].source == STATIC  # AoT providers are not detection
    assert not list(isolated_cache.glob("*.json"))


# --- query --------------------------------------------------------------------


def test_optional_and_enable_if_and_static(isolated_cache: Path) -> None:
    providers: dict[str, Any] = {
        "x86_64": {"requires": ["provider-variant-x86-64"], "optional": True},
        "aarch64": {"requires": ["provider-variant-aarch64"],
                    "enable-if": "platform_machine == 'aarch64'"},
        "blas_lapack": {"install-time": False},
    }
    static = {"blas_lapack": {"provider": ["openblas", "mkl"]}}
    x86_env = {"platform_machine": "x86_64"}
    off = query_providers(providers, static, QueryOptions(environment=x86_env))
    by_ns = {r.namespace: r for r in off.results}
    assert by_ns["x86_64"].source == DISABLED and "optional" in by_ns["x86_64"].detail
    assert by_ns["aarch64"].source == DISABLED and "enable-if" in by_ns["aarch64"].detail
    assert by_ns["blas_lapack"].features == {"provider": ["openblas", "mkl"]}
    assert list(off.properties) == ["blas_lapack"]
    on = query_providers(providers, static, QueryOptions(
        environment=x86_env, enable_optional=frozenset({"x86_64"}),
        overrides={"x86_64": {"level": ["v1"]}}))
    assert {r.namespace: r.source for r in on.results}["x86_64"] == USER


def _build_wheel(directory: Path, name: str, version: str, module: str, source: str) -> Path:
    """A minimal wheel, written by hand (a test helper, not product code)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{module}.py": source.encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        ),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.mark.slow
@pytest.mark.network_installer
def test_trusted_plugin_is_installed_in_isolation_and_queried(
    tmp_path: Path, isolated_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    source = PLUGIN_SOURCE.format(namespace="flavour_ns", body="pass")
    wheel = _build_wheel(wheels, "flavour_provider", "1.0", "flavour_provider", source)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    providers = {"flavour_ns": {"requires": ["flavour-provider>=1"],
                                "plugin-api": "flavour_provider:Plugin"}}
    allow = tmp_path / "trusted.toml"
    entry = '[[provider]]\nname = "flavour-provider"\nversion = "1.0"\nsha256 = "{}"\n'
    allow.write_text(entry.format("0" * 64))
    options = QueryOptions(allow_list_path=allow, find_links=(str(wheels),))
    failed = query_providers(providers, options=options).results[0]  # pip refuses the hash
    assert failed.source == FAILED and "install failed" in failed.reason
    assert failed.notice is not None and "not used (failed)" in failed.notice
    with pytest.raises(ProviderError, match="install failed"):
        query_providers(providers, options=QueryOptions(
            allow_list_path=allow, find_links=(str(wheels),), strict_trust=True))
    allow.write_text(entry.format(sha))
    result = query_providers(providers, options=options).results[0]
    assert result.source == PLUGIN and result.features == {"flavour": ["sour", "sweet"]}
    again = query_providers(providers, options=options).results[0]
    assert again.cached and again.features == result.features
    assert TrustedDistribution("flavour-provider", "1.0", sha).requirement_line().endswith(sha)


@pytest.mark.slow
@pytest.mark.network_installer
def test_trusted_plugin_is_installed_from_the_users_index(
    tmp_path: Path, isolated_cache: Path
) -> None:
    """A configured index (here a file:// simple index) is where the provider comes from."""
    simple = tmp_path / "simple" / "flavour-provider"
    simple.mkdir(parents=True)
    source = PLUGIN_SOURCE.format(namespace="flavour_ns", body="pass")
    wheel = _build_wheel(simple, "flavour_provider", "1.0", "flavour_provider", source)
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (simple / "index.html").write_text(
        f'<html><body><a href="{wheel.name}#sha256={sha}">{wheel.name}</a></body></html>')
    providers = {"flavour_ns": {"requires": ["flavour-provider>=1"],
                                "plugin-api": "flavour_provider:Plugin"}}
    allow = tmp_path / "trusted.toml"
    allow.write_text(f'[[provider]]\nname = "flavour-provider"\nversion = "1.0"\n'
                     f'sha256 = "{sha}"\n')
    nowhere = query_providers(providers, options=QueryOptions(allow_list_path=allow))
    assert nowhere.results[0].source == FAILED
    assert "no index to install it from" in nowhere.results[0].reason
    index = (tmp_path / "simple").as_uri()
    options = QueryOptions(allow_list_path=allow, index_urls=(index,))
    result = query_providers(providers, options=options).results[0]
    assert result.source == PLUGIN and result.features == {"flavour": ["sour", "sweet"]}


def test_selection_path_imports_no_jsonschema_click_or_rich(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import sys
        import wheelnext.detect
        from wheelnext.providers.query import query_providers
        from wheelnext.variants import select
        query_providers({"x86_64": {"requires": ["provider-variant-x86-64"]}})
        print(sorted(m for m in ("jsonschema", "click", "rich") if m in sys.modules))
    """)
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]"


#: Modules a cold selection with a built-in provider must not import (the lean path).
HEAVY = (
    "jsonschema", "click", "rich", "packaging", "packaging.tags", "subprocess",
    "importlib.metadata", "dataclasses", "typing", "inspect", "pathlib", "logging",
    "platform", "tempfile", "hashlib",
)


#: A selection answered from the warm cache is as lean (the write path may import tempfile).
HEAVY_WARM = HEAVY


@pytest.mark.parametrize("cold", [True, False])
def test_selection_imports_nothing_heavy(tmp_path: Path, cold: bool) -> None:
    # -S: no site, so no editable-install finder that preloads pathlib or typing;
    # the package comes from a link, as from a regular install's site-packages.
    import wheelnext

    (tmp_path / "path").mkdir()
    (tmp_path / "path" / "wheelnext").symlink_to(Path(wheelnext.__path__[0]))
    code = textwrap.dedent("""
        import json, sys
        import wheelnext.detect
        from wheelnext.providers.query import QueryOptions, query_metadata
        from wheelnext.variants.select import select_wheels
        doc = {"default-priorities": {"namespace": ["x86_64"]},
               "variants": {"x8664v1": {"x86_64": {"level": ["v1"]}}}}
        cold = sys.argv[1] == "cold"
        options = QueryOptions.from_user(refresh=cold, use_cache=not cold)
        result = query_metadata(doc, options)
        wheels = ["p-1.0-py3-none-any-x8664v1.whl", "p-1.0-py3-none-any.whl"]
        best = select_wheels(wheels, doc, result.properties).best
        heavy = sorted(m for m in sys.argv[2:] if m in sys.modules)
        print(json.dumps([best.filename, result.results[0].cached, heavy]))
    """)
    env = {"PYTHONPATH": str(tmp_path / "path"), "PATH": "/usr/bin:/bin",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-S", "-c", code, "cold" if cold else "warm",
               *(HEAVY if cold else HEAVY_WARM)]
    runs = 1 if cold else 2  # the second warm run answers from the cache the first wrote
    for _ in range(runs):
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    best, cached, heavy = json.loads(out.stdout)
    assert best.startswith("p-1.0-py3-none-any") and heavy == [] and cached is False


def test_records_behave_like_frozen_dataclasses() -> None:
    from wheelnext.variants.ordering import VariantOrder
    from wheelnext.variants.properties import VariantFeature, VariantProperty

    info = ProviderInfo("x86_64", requires=("a",))
    assert info == ProviderInfo("x86_64", None, True, False, None, ("a",))
    assert info != ProviderInfo("x86_64")
    assert hash(info) == hash(ProviderInfo("x86_64", requires=("a",)))
    assert repr(ProviderInfo("n")) == (
        "ProviderInfo(namespace='n', enable_if=None, install_time=True, optional=False, "
        "plugin_api=None, requires=())"
    )
    with pytest.raises(AttributeError):
        info.namespace = "other"  # type: ignore[misc]
    assert VariantProperty("a", "b", "c") < VariantProperty("a", "b", "d")
    assert sorted([VariantFeature("b", "a"), VariantFeature("a", "z")])[0].namespace == "a"
    assert VariantFeature("a", "b") != ("a", "b")
    order = VariantOrder([])
    order.rejected["x"] = "why"
    assert order == VariantOrder([], {"x": "why"}) and order.namespace_order == []
    with pytest.raises(TypeError):
        hash(order)
    match info:
        case ProviderInfo(namespace, enable_if):
            assert (namespace, enable_if) == ("x86_64", None)


def test_pep825_document_uses_builtins_or_overrides_then_selects(isolated_cache: Path) -> None:
    from wheelnext.providers.query import query_metadata
    from wheelnext.variants.select import select_wheels

    doc = {
        "default-priorities": {"namespace": ["x86_64", "mystery"]},
        "variants": {f"x8664{lv}": {"x86_64": {"level": [lv]}} for lv in ("v1", "v2", "v3")},
    }
    detected = {r.namespace: r for r in query_metadata(doc).results}
    assert detected["mystery"].features == {} and detected["x86_64"].source == BUILTIN
    given_props = overrides.parse_text("x86_64 :: level :: v2; x86_64 :: level :: v1", "test")
    supported = query_metadata(doc, QueryOptions(overrides=given_props)).properties
    assert supported == {"x86_64": {"level": ["v2", "v1"]}}
    wheels = [f"pkg-1.0-py3-none-any-x8664{lv}.whl" for lv in ("v1", "v2", "v3")]
    best = select_wheels(wheels, doc, supported).best
    assert best is not None and best.filename.endswith("x8664v2.whl")


def test_options_from_user_read_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(overrides.ENV_VAR, "nvidia :: sm_arch :: 90_real")
    options = QueryOptions.from_user(refresh=True)
    assert options.overrides == {"nvidia": {"sm_arch": ["90_real"]}} and options.refresh
    monkeypatch.delenv(overrides.ENV_VAR)
    assert QueryOptions.from_user().overrides is None


@given(st.text(alphabet="aZ09", min_size=1, max_size=3).flatmap(
    lambda edge: st.text(alphabet="aZ09._-", max_size=8).map(lambda mid: edge + mid + edge)))
def test_endpoint_inferred_from_the_normalized_name(name: str) -> None:
    import re

    info = ProviderInfo.from_mapping("ns", {"requires": [f"{name} >=1.0"]})
    assert info.endpoint() == re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=6))
def test_conflict_exactly_when_a_namespace_repeats(namespaces: list[str]) -> None:
    class Fake:
        def __init__(self, namespace: str) -> None:
            self.namespace = namespace

    plugins = [(f"p{i}", Fake(ns)) for i, ns in enumerate(namespaces)]
    if len(set(namespaces)) == len(namespaces):
        assert list(check_unique(plugins)) == namespaces
    else:
        with pytest.raises(PluginConflict):
            check_unique(plugins)


def test_runner_reports_a_plugin_that_kills_its_process(tmp_path: Path) -> None:
    write_plugin(tmp_path, "dying_plugin", body="import os; os._exit(3)")
    with pytest.raises(ProviderError, match="exited 3 without an answer"):
        run_plugins(sys.executable, ["dying_plugin:Plugin"], paths=[tmp_path])


def test_build_static_properties_queries_aot_plugins_only() -> None:
    from wheelnext.providers.query import build_static_properties

    providers: dict[str, Any] = {
        "blas_lapack": {"install-time": False, "requires": ["blas-lapack-variant-provider"]},
        "debug": {"install-time": False},
        "x86_64": {"requires": ["provider-variant-x86-64"]},
    }
    static = build_static_properties(providers)
    assert list(static) == ["blas_lapack"]
    assert static["blas_lapack"]["provider"][:3] == ["accelerate", "openblas", "mkl"]
    not_aot = {"x86_64": {"install-time": False, "requires": ["provider-variant-x86-64"]}}
    with pytest.raises(ProviderError, match="not an AoT plugin"):
        build_static_properties(not_aot)


def test_plugin_answers_must_follow_the_property_syntax() -> None:
    from wheelnext.providers.loading import configs_to_mapping
    from wheelnext.providers.protocol import VariantFeatureConfig

    assert configs_to_mapping([VariantFeatureConfig("level", ["v3"])], "x") == {"level": ["v3"]}
    with pytest.raises(ProviderError, match="'level :: V3'"):
        configs_to_mapping([VariantFeatureConfig("level", ["V3"])], "x")
    with pytest.raises(ProviderError, match="'Level'"):
        configs_to_mapping([VariantFeatureConfig("Level", ["v3"])], "x")
    with pytest.raises(ProviderError, match="returned twice"):
        twice = [VariantFeatureConfig("a", ["1"]), VariantFeatureConfig("a", ["2"])]
        configs_to_mapping(twice, "x")


def test_requires_markers_leaving_nothing_are_an_error(isolated_cache: Path) -> None:
    """PEP 817 "Provider information": after filtering ``requires`` by its markers "at least
    one dependency MUST remain present in every possible environment"; when none does here,
    the provider fails naming the key, and nothing is installed."""
    from wheelnext.providers.query import run_third_party

    info = ProviderInfo.from_mapping("a", {"requires": ["never-here; python_version < '3.0'"],
                                           "plugin-api": "never_here:Plugin"})
    with pytest.raises(ProviderError, match=r"providers\.a\.requires: no requirement applies"):
        run_third_party(info, QueryOptions(environments_directory=isolated_cache / "envs"))
    assert not (isolated_cache / "envs").exists()


def test_plugin_extra_attributes_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_cache: Path
) -> None:
    """PEP 817 "Future extensions": extensions "MAY introduce additional properties and
    methods on the plugin instances. The implementations SHOULD ignore additional
    attributes." Extra attributes, and extra keys on the configs, change nothing."""
    from wheelnext.providers.query import run_builtin

    (tmp_path / "extra_plugin.py").write_text(textwrap.dedent("""
        class Config:
            name, values, multi_value, future_key = "flavour", ["sour"], False, 1

        class Plugin:
            namespace = "example"
            future_attribute = "x"

            def future_method(self):
                raise SystemExit(9)

            @staticmethod
            def get_all_configs():
                return [Config()]

            @staticmethod
            def get_supported_configs():
                return [Config()]
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    result = run_builtin("example", "extra_plugin:Plugin", QueryOptions())
    assert result.features == {"flavour": ["sour"]}
