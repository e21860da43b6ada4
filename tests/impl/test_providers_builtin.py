"""Built-in providers plug into the host through its registry and the PEP 817 plugin API alone.

PEP 817 "Providers": "Installers MAY vendor or reimplement specific providers." The
host (``wheelnext.providers``) names none: whatever registers with
``wheelnext.providers.builtin`` is queried like any plugin, an ahead-of-time one
through ``is_aot_plugin`` and ``get_supported_configs()``.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from wheelnext.providers import builtin
from wheelnext.providers.builtin import BuiltinProvider, register, registered
from wheelnext.providers.errors import PluginConflict, ProviderError
from wheelnext.providers.protocol import VariantFeatureConfig
from wheelnext.providers.query import (
    BUILTIN,
    FAILED,
    STATIC,
    QueryOptions,
    detect_builtins,
    query_metadata,
)

MODULE = "wheelnext_test_builtin_plugins"


class FixedPlugin:
    """An AoT plugin: the same list everywhere."""

    namespace = "fixed"
    is_aot_plugin = True

    @staticmethod
    def get_all_configs() -> list[VariantFeatureConfig]:
        return [VariantFeatureConfig("size", ["large", "small"])]

    get_supported_configs = get_all_configs


class LocalPlugin:
    """An install-time plugin that finds one value."""

    namespace = "local"

    @staticmethod
    def get_all_configs() -> list[VariantFeatureConfig]:
        return [VariantFeatureConfig("mode", ["fast", "slow"])]

    @staticmethod
    def get_supported_configs() -> list[VariantFeatureConfig]:
        return [VariantFeatureConfig("mode", ["fast"])]


class NotAotPlugin(LocalPlugin):
    namespace = "not_aot"


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registry of its own for each test, and the plugins importable by endpoint."""
    module = types.ModuleType(MODULE)
    for plugin in (FixedPlugin, LocalPlugin, NotAotPlugin):
        setattr(module, plugin.__name__, plugin)
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(builtin, "_REGISTERED", {})
    yield


def test_the_host_knows_no_builtin_until_one_registers() -> None:
    assert detect_builtins().results == ()
    result = query_metadata({"default-priorities": {"namespace": ["x86_64"]}}).results[0]
    assert result.source == FAILED and result.reason == "no provider known for this namespace"


def test_an_ahead_of_time_builtin_answers_from_its_plugin() -> None:
    register(BuiltinProvider("fixed", f"{MODULE}:FixedPlugin", {"fixed-provider"}, False))
    detected = detect_builtins().results[0]
    assert (detected.source, detected.features) == (STATIC, {"size": ["large", "small"]})
    given = QueryOptions(overrides={"fixed": {"size": ["small"]}})
    queried = query_metadata({"default-priorities": {"namespace": ["fixed"]}}, given)
    assert queried.properties == {"fixed": {"size": ["large", "small"]}}
    assert "ignored" in queried.results[0].reason


def test_an_install_time_builtin_runs_in_process() -> None:
    register(BuiltinProvider("local", f"{MODULE}:LocalPlugin", {"local-provider"}))
    result = query_metadata({"default-priorities": {"namespace": ["local"]}}).results[0]
    assert (result.source, result.features) == (BUILTIN, {"mode": ["fast"]})


def test_an_ahead_of_time_builtin_must_be_an_aot_plugin() -> None:
    register(BuiltinProvider("not_aot", f"{MODULE}:NotAotPlugin", (), install_time=False))
    with pytest.raises(ProviderError, match="not an AoT plugin"):
        detect_builtins()


def test_two_builtins_for_one_namespace_are_a_conflict() -> None:
    first = BuiltinProvider("local", f"{MODULE}:LocalPlugin", {"local-provider"})
    register(first, first)
    assert list(registered()) == ["local"]
    with pytest.raises(PluginConflict, match="two built-in plugins"):
        register(BuiltinProvider("local", f"{MODULE}:NotAotPlugin", {"local-provider"}))
