"""The installer's side of variant detection: provider reasons, ``--no-cache``, provider
indexes, and what ``install --dry-run`` prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _support.installer import install, served

from wheelnext.providers import query
from wheelnext.providers.overrides import ENV_VAR

VARIANT_ALPHA = {"pypi": [
    {"name": "alpha", "version": "1.0"},
    {"name": "alpha", "version": "1.0",
     "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}},
]}


@pytest.fixture(autouse=True)
def _private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_dry_run_says_what_it_would_install(tmp_path: Path) -> None:
    with served(tmp_path, {"pypi": [{"name": "alpha", "version": "2.0"}]}) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would install alpha 2.0 from index pypi: alpha-2.0-py3-none-any.whl" in result.stdout


def test_a_provider_not_used_is_said_without_verbose(tmp_path: Path) -> None:
    with served(tmp_path, VARIANT_ALPHA) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "variant provider ns" in line]
    assert len(lines) == 1 and "not used" in lines[0] and "no provider known" in lines[0]
    assert "would install alpha 1.0 from index pypi: alpha-1.0-py3-none-any.whl" in result.stdout


@pytest.mark.parametrize("no_cache", [False, True])
def test_detection_gets_no_cache_and_the_users_indexes(
    no_cache: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    real = query.query_metadata

    def spy(metadata: Any, options: Any = None) -> Any:
        seen.append(options)
        return real(metadata, options)

    monkeypatch.setattr(query, "query_metadata", spy)
    with served(tmp_path, VARIANT_ALPHA) as server:
        extra = ("--no-cache",) if no_cache else ()
        result = install(tmp_path, server, ["pypi"], "alpha", "--dry-run", *extra)
        url = server.index_url("pypi")
    assert result.exit_code == 0, result.output
    assert seen and seen[0].use_cache is not no_cache
    assert seen[0].index_urls == (url,)


def test_a_variants_json_with_a_repeated_key_makes_variant_wheels_ignored(tmp_path: Path) -> None:
    """PEP 825: an installer "SHOULD prefer to degrade gracefully rather than fail outright,
    for example by ignoring the variant wheels"; a repeated key (which json.loads would
    silently resolve to the last value) makes the document invalid."""
    with served(tmp_path, VARIANT_ALPHA) as server:
        chosen = install(tmp_path / "a", server, ["pypi"], "alpha", "--dry-run",
                         "--variant-property", "ns :: level :: v3")
        (tmp_path / "indexes" / "pypi" / "alpha-1.0-variants.json").write_text(
            '{"default-priorities": {"namespace": ["ns"]}, "variants": {'
            '"fast": {"ns": {"level": ["v3"]}, "ns": {"level": ["v1"]}}}}')
        degraded = install(tmp_path / "b", server, ["pypi"], "alpha", "--dry-run",
                           "--variant-property", "ns :: level :: v3")
    assert chosen.exit_code == 0, chosen.output
    assert "[variant fast]" in chosen.stdout
    assert degraded.exit_code == 0, degraded.output
    assert "would install alpha 1.0 from index pypi: alpha-1.0-py3-none-any.whl" in \
        degraded.stdout
    assert "duplicate JSON key 'ns'" in degraded.stderr
    assert "its variant wheels are ignored" in degraded.stderr
