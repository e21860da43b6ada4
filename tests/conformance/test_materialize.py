"""Materializing: deterministic bytes, a content-keyed cache, errors that name the table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wheelnext.conformance.materialize import MaterializeError, index_key, materialize
from wheelnext.conformance.scenario import ScenarioError, load_scenario, load_scenarios, shipped_dir


def contents(roots: dict[str, Path]) -> dict[str, dict[str, bytes]]:
    return {n: {p.name: p.read_bytes() for p in sorted(r.iterdir())} for n, r in roots.items()}


def test_same_scenario_same_bytes_and_the_cache_is_reused(tmp_path: Path) -> None:
    scenarios = load_scenarios([shipped_dir() / "baseline"])
    first = {s.id: contents(dict(materialize(s, tmp_path / "a").roots)) for s in scenarios}
    second = {s.id: contents(dict(materialize(s, tmp_path / "b").roots)) for s in scenarios}
    assert first == second
    built = materialize(scenarios[0], tmp_path / "a")
    stamps = {p: p.stat().st_mtime_ns for r in built.roots.values() for p in r.iterdir()}
    again = materialize(scenarios[0], tmp_path / "a")
    assert again == built
    assert stamps == {p: p.stat().st_mtime_ns for r in again.roots.values() for p in r.iterdir()}


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(versions=st.lists(st.sampled_from(["1.0", "1.1", "2.0", "2.0rc1"]), min_size=1, unique=True))
def test_the_cache_key_follows_the_tables(versions: list[str]) -> None:
    tables = [{"name": "alpha", "version": v} for v in versions]
    assert index_key(tables) == index_key([dict(t) for t in tables])
    assert index_key(tables) != index_key([*tables, {"name": "beta", "version": "1"}])


def test_a_build_error_names_file_line_and_table(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    path = write_scenario(
        """
        [[packages.primary]]
        name = "alpha"
        version = "1.0"

        [[packages.primary]]
        name = "alpha"
        version = "1.0"

        [request]
        requirements = ["alpha"]

        [expect]
        """
    )
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:  # the loader may already see the clash
        message = str(exc)
    else:
        with pytest.raises(MaterializeError) as info:
            materialize(scenario, tmp_path / "cache")
        message = str(info.value)
    assert message.startswith(f"{path}:")
    assert "packages.primary[" in message


def test_index_files_yanked_sidecars_and_trimmed_variants_json(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    import json

    scenario = load_scenario(
        write_scenario(
            """
            [[packages.primary]]
            name = "alpha"
            version = "1.0"
            variant = { label = "null", properties = [], namespaces = ["ns"] }

            [[packages.primary]]
            name = "alpha"
            version = "1.0"
            variant = { label = "lbl", properties = ["ns :: f :: x"] }

            [indexes.primary]
            yanked = { "alpha-1.0-py3-none-any-null.whl" = "" }
            files = { "README.txt" = "hello" }
            variants-json = { omit-labels = ["lbl"] }

            [request]
            requirements = ["alpha"]

            [expect]
            """
        )
    )
    root = materialize(scenario, tmp_path / "cache").roots["primary"]
    assert (root / "alpha-1.0-py3-none-any-null.whl.yanked").read_text() == ""
    assert (root / "README.txt").read_text() == "hello"
    document = json.loads((root / "alpha-1.0-variants.json").read_text())
    assert sorted(document["variants"]) == ["null"]


def test_deny_is_a_capability(write_scenario: Callable[..., Path]) -> None:
    scenario = load_scenario(
        write_scenario(
            '[[packages.a]]\nname = "alpha"\nversion = "1"\n[[packages.b]]\nname = "alpha"\n'
            'version = "2"\n[request]\nrequirements = ["alpha"]\nindexes = ["a", "b"]\n'
            'deny = { a = ["Alpha"] }\n[expect]\n'
        )
    )
    assert scenario.request.deny == {"a": ("alpha",)}
    assert "deny" in scenario.request.capabilities()


def test_the_loader_s_parsed_specs_are_what_is_built(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    """The builder parses a package table once, when the file is loaded: the materializer
    builds the scenario's specs, without reading the file again."""
    path = write_scenario(
        """
        [[packages.primary]]
        name = "Alpha"
        version = "1.00"

        [request]
        requirements = ["alpha"]

        [expect]
        """
    )
    scenario = load_scenario(path)
    (spec,) = scenario.indexes[0].specs
    assert (spec.name, spec.version) == ("Alpha", "1.0")
    assert spec.source.startswith(f"{path}:") and spec.source.endswith(": packages.primary[0]")
    path.unlink()
    root = materialize(scenario, tmp_path / "cache").roots["primary"]
    assert [p.name for p in root.iterdir()] == ["alpha-1.0-py3-none-any.whl"]


def test_an_index_with_a_minimal_backend_sdist_serves_the_backend(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    scenario = load_scenario(
        write_scenario(
            '[[packages.a]]\nname = "alpha"\nversion = "1"\nkind = "sdist"\n'
            'build-backend = "minimal"\n[[packages.b]]\nname = "beta"\nversion = "1"\n'
            'kind = "sdist"\n[request]\nrequirements = ["alpha"]\nindexes = ["a", "b"]\n'
            "[expect]\n"
        )
    )
    roots = materialize(scenario, tmp_path / "cache").roots
    assert sorted(p.name for p in roots["a"].iterdir()) == [
        "alpha-1.tar.gz", "wheelnext_minimal_backend-1.0-py3-none-any.whl"
    ]
    assert sorted(p.name for p in roots["b"].iterdir()) == ["beta-1.tar.gz"]
