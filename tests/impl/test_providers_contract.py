"""PEP 817 "Plugin interface" contracts, checked by the host on every answer, and properties
checked against a provider's ``get_all_configs()`` ("Variant properties", "Build backends")."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from wheelnext.detect import BUILTINS
from wheelnext.providers.contract import (
    all_configs,
    check_answer,
    property_problems,
    requested_problems,
)
from wheelnext.providers.errors import ProviderError
from wheelnext.providers.loading import load_endpoint
from wheelnext.providers.query import QueryOptions, answer_features, aot_features, run_builtin

#: The PEP's attributes, and this host's documented extensions (``detection``, evidence).
PUBLIC = {"namespace", "is_aot_plugin", "get_all_configs", "get_supported_configs",
          "detection", "get_evidence"}

PLUGINS = '''
from wheelnext.providers.configs import VariantFeatureConfig as C

class Outside:
    namespace = "outside"
    @staticmethod
    def get_all_configs():
        return [C("level", ["v1", "v2"])]
    @staticmethod
    def get_supported_configs():
        return [C("level", ["v3"])]

class Unknown(Outside):
    @staticmethod
    def get_supported_configs():
        return [C("speed", ["fast"])]

class Aot:
    namespace = "aot"
    is_aot_plugin = True
    @staticmethod
    def get_all_configs():
        return [C("kind", ["a", "b"])]
    @staticmethod
    def get_supported_configs():
        return [C("kind", ["b", "a"])]

class AotSubset(Aot):
    @staticmethod
    def get_supported_configs():
        return [C("kind", ["a"])]
'''


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "contract_plugins.py").write_text(textwrap.dedent(PLUGINS))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "contract_plugins"


def test_host_refuses_a_supported_answer_outside_get_all_configs(plugins: str) -> None:
    """PEP 817: "The value returned by ``get_supported_configs()`` MUST be a subset of the
    feature names and values returned by ``get_all_configs()`` (modulo ordering).\""""
    with pytest.raises(ProviderError, match="'level :: v3', which get_all_configs"):
        run_builtin("outside", f"{plugins}:Outside", QueryOptions())
    with pytest.raises(ProviderError, match="feature 'speed'"):
        run_builtin("outside", f"{plugins}:Unknown", QueryOptions())


def test_host_refuses_an_aot_plugin_whose_supported_is_not_all(plugins: str) -> None:
    """PEP 817: for an AoT plugin "``get_supported_configs()`` MUST always return the same
    value as ``get_all_configs()`` (modulo ordering)"; the order may differ."""
    assert aot_features("aot", f"{plugins}:Aot") == {"kind": ["b", "a"]}
    with pytest.raises(ProviderError, match="is_aot_plugin is true"):
        aot_features("aot", f"{plugins}:AotSubset")


def test_runner_answers_are_checked_the_same_way() -> None:
    """Third-party plugins answer through the runner, which also sends ``get_all_configs()``."""
    answer = {"namespace": "n", "is_aot_plugin": False,
              "supported": [{"name": "f", "values": ["x"], "multi_value": False}],
              "all": [{"name": "f", "values": ["x", "y"], "multi_value": False}]}
    assert answer_features(answer, "n", "p") == {"f": ["x"]}
    with pytest.raises(ProviderError, match="is_aot_plugin"):
        answer_features({**answer, "is_aot_plugin": True}, "n", "p")
    with pytest.raises(ProviderError, match="subset"):
        answer_features({**answer, "all": [{"name": "f", "values": ["y"],
                                            "multi_value": False}]}, "n", "p")
    with pytest.raises(ProviderError, match="multi_value"):
        answer_features({**answer, "all": [{"name": "f", "values": ["x"]}]}, "n", "p")


@pytest.mark.parametrize("namespace", sorted(BUILTINS))
def test_every_builtin_keeps_the_plugin_contracts(namespace: str) -> None:
    """Each built-in plugin: supported within all; an AoT one answers all of it; all of it is
    the same on every call (PEP 817: "A particular plugin version MUST always return the same
    value (modulo ordering), irrespective of any runtime conditions"); attributes beyond the
    PEP's are private ("all private attributes SHOULD be prefixed with an underscore")."""
    plugin = load_endpoint(BUILTINS[namespace])
    valid = all_configs(plugin.get_all_configs(), namespace)
    assert valid == all_configs(plugin.get_all_configs(), namespace)
    supported = {c.name: list(c.values) for c in plugin.get_supported_configs() if c.values}
    check_answer(namespace, supported, valid, aot=bool(getattr(plugin, "is_aot_plugin", False)),
                 who=namespace)
    public = {name for name in vars(plugin) if not name.startswith("_")}
    assert public <= PUBLIC, sorted(public - PUBLIC)


def test_property_problems_follow_get_all_configs() -> None:
    """PEP 817 "Variant properties": the feature name and value "MUST correspond to a valid"
    one "defined by the respective variant provider", and "there MUST NOT be more than a
    single value" for a feature the provider does not mark multi-value."""
    valid = {"level": (["v1", "v2", "v3"], False), "sm_arch": (["80", "90"], True)}
    assert property_problems("ns", {"level": ["v3"], "sm_arch": ["80", "90"]}, valid) == []
    problems = property_problems("ns", {"level": ["v2", "v9"], "speed": ["x"]}, valid)
    assert problems == [
        "ns :: level :: v9: not a value provider 'ns' defines for 'level'",
        "ns :: level: 2 values, but provider 'ns' does not mark the feature multi-value",
        "ns :: speed: not a feature of provider 'ns'",
    ]


def test_a_build_backend_can_check_requested_properties(plugins: str) -> None:
    """PEP 817 "Build backends": "They SHOULD also query providers to determine whether
    variant properties requested by the user are valid, though they MAY permit skipping this
    verification"; namespaces without a plugin at hand are skipped."""
    loaded: dict[str, Any] = {"aot": load_endpoint(f"{plugins}:Aot")}
    good = {"a": {"aot": {"kind": ["a"]}, "other": {"anything": ["x"]}}}
    assert requested_problems(good, loaded) == []
    bad = {"b": {"aot": {"kind": ["a", "c"]}}}
    assert requested_problems(bad, loaded) == [
        "variants.b: aot :: kind :: c: not a value provider 'aot' defines for 'kind'",
        "variants.b: aot :: kind: 2 values, but provider 'aot' does not mark the feature "
        "multi-value",
    ]
