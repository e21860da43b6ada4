"""PEP 817 "Providers" in the installer: ``enable-if`` is evaluated against the TARGET
environment, and optional providers are enabled with ``install --enable-optional``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from _support.installer import install, served

from wheelnext.index_priority import Index, IndexPlan
from wheelnext.install.candidates import Candidates
from wheelnext.install.options import ResolveOptions
from wheelnext.install.target import TargetPython, probe
from wheelnext.providers.overrides import ENV_VAR


@pytest.fixture(autouse=True)
def _private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(ENV_VAR, raising=False)


def _doc(**provider: Any) -> dict[str, Any]:
    """Variant metadata with one ahead-of-time provider (answered from static-properties)."""
    return {
        "default-priorities": {"namespace": ["aot"]},
        "providers": {"aot": {"install-time": False, **provider}},
        "static-properties": {"aot": {"flavour": ["x"]}},
        "variants": {"x": {"aot": {"flavour": ["x"]}}},
    }


def _candidates(target: TargetPython, options: ResolveOptions | None = None) -> Candidates:
    plan = IndexPlan((Index("i", "http://i/"),))
    return Candidates(None, plan, target, options)  # type: ignore[arg-type]


def test_enable_if_is_evaluated_in_the_target_environment() -> None:
    """PEP 817: "If that is the case, the installer MUST check the markers against the
    environment to which wheels are going to be installed." A target whose ``sys_platform``
    is not this interpreter's turns the provider on (and this interpreter's turns it off)."""
    here = probe()
    elsewhere = dataclasses.replace(here, markers={**here.markers, "sys_platform": "fakeos"})
    doc = _doc(**{"enable-if": "sys_platform == 'fakeos'"})
    assert _candidates(elsewhere).supported_for(doc) == {"aot": {"flavour": ["x"]}}
    assert _candidates(here).supported_for(doc) == {}


def test_optional_provider_needs_enable_optional() -> None:
    """PEP 817: "If a provider is marked optional, then the installer MUST NOT query said
    provider by default [...] It SHOULD provide an option to enable optional providers."""
    doc = _doc(optional=True)
    target = probe()
    assert _candidates(target).supported_for(doc) == {}
    for names in (["aot"], ["all"]):
        options = ResolveOptions.from_options(enable_optional=names)
        assert _candidates(target, options).supported_for(doc) == {"aot": {"flavour": ["x"]}}
    other = ResolveOptions.from_options(enable_optional=["other"])
    assert _candidates(target, other).supported_for(doc) == {}


OPTIONAL_ALPHA = {"pypi": [
    {"name": "alpha", "version": "1.0"},
    {"name": "alpha", "version": "1.0",
     "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}},
]}


def test_install_enable_optional_option(tmp_path: Path) -> None:
    """The command line: ``--enable-optional NAMESPACE`` reaches the provider query."""
    from wheelnext.providers import query

    seen: list[Any] = []
    real = query.query_metadata

    def spy(metadata: Any, options: Any = None) -> Any:
        seen.append(options)
        return real(metadata, options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(query, "query_metadata", spy)
        with served(tmp_path, OPTIONAL_ALPHA) as server:
            result = install(tmp_path, server, ["pypi"], "alpha", "--dry-run",
                             "--enable-optional", "ns")
    assert result.exit_code == 0, result.output
    assert seen and seen[0].enable_optional == frozenset({"ns"})


NEWER_ONLY_VARIANT = {"pypi": [
    {"name": "alpha", "version": "1.0"},
    {"name": "alpha", "version": "2.0",
     "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}},
]}


def test_ignoring_variant_wheels_warns_when_an_earlier_version_results(tmp_path: Path) -> None:
    """PEP 817 "Extended wheel filename": an installer that ignores variant wheels "SHOULD
    output an appropriate diagnostic, in particular warning if it results in selecting an
    earlier package version or a clear error if no package version can be installed"
    (``--no-variants`` makes the reference installer one); no provider is asked."""
    with served(tmp_path, NEWER_ONLY_VARIANT) as server:
        result = install(tmp_path / "a", server, ["pypi"], "alpha", "--dry-run", "--no-variants")
        (tmp_path / "indexes" / "pypi" / "alpha-1.0-py3-none-any.whl").unlink()
        none = install(tmp_path / "b", server, ["pypi"], "alpha", "--dry-run", "--no-variants")
    assert result.exit_code == 0, result.output
    assert "would install alpha 1.0" in result.stdout
    assert ("alpha 2.0: skipped, it has only variant wheels and variant wheels are disabled "
            "(--no-variants)") in result.stderr
    assert "variant provider" not in result.stderr
    assert none.exit_code != 0
    assert "variant wheels are disabled by the user" in str(none.exception or none.output)


def test_a_lock_files_variants_use_the_target_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Installing from ``pylock.toml`` queries the providers with the target's markers too."""
    from wheelnext.install import pylock
    from wheelnext.providers import query

    here = probe()
    elsewhere = dataclasses.replace(here, markers={**here.markers, "sys_platform": "fakeos"})
    doc = _doc(**{"enable-if": "sys_platform == 'fakeos'"})
    monkeypatch.setattr(pylock, "read_variants_json", lambda package, source: doc)
    seen: list[Any] = []
    real = query.query_metadata

    def spy(metadata: Any, options: Any = None) -> Any:
        seen.append(real(metadata, options).properties)
        return real(metadata, options)

    monkeypatch.setattr(query, "query_metadata", spy)
    wheels = [{"name": "alpha-1.0-py3-none-any-x.whl"}, {"name": "alpha-1.0-py3-none-any.whl"}]
    chosen = pylock._choose_wheel({"name": "alpha"}, wheels, elsewhere, "pylock.toml", None, True)
    assert seen == [{"aot": {"flavour": ["x"]}}]
    assert chosen["name"] == "alpha-1.0-py3-none-any-x.whl"
