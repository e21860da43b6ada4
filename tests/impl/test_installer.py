"""``wheelnext install`` end to end: indexes served in-process, a fresh environment per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.installer import (
    asked,
    install,
    installed,
    make_env,
    run,
    served,
    site_packages,
)

from wheelnext.cli import main

ALPHA_TWO_INDEXES = {
    "internal": [{"name": "alpha", "version": "1.0"}, {"name": "alpha", "version": "1.1"}],
    "pypi": [{"name": "alpha", "version": "2.0"}, {"name": "beta", "version": "1.0"}],
}


def test_index_priority_stays_on_the_first_index(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "alpha", "--json")
        assert asked(server, "pypi") == []
    assert result.exit_code == 0, result.output
    python = make_env(tmp_path)
    assert installed(python) == {"alpha": "1.1"}
    origin = json.loads((site_packages(python) / "alpha-1.1.dist-info" /
                         "wheelnext-origin.json").read_text())
    assert origin["index"] == "internal"
    record = (site_packages(python) / "alpha-1.1.dist-info" / "RECORD").read_text()
    assert "wheelnext-origin.json" in record
    assert "index strategy: index-priority" in result.stderr


def test_version_priority_collates_indexes(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "alpha",
                         "--index-strategy", "version-priority")
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "2.0"}


def test_each_package_restarts_at_the_first_index(tmp_path: Path) -> None:
    packages = {
        "internal": [{"name": "gamma", "version": "1.0"}],
        "pypi": [{"name": "beta", "version": "1.0", "requires-dist": ["gamma"]},
                 {"name": "gamma", "version": "9.0"}],
    }
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "beta", "-v")
        assert asked(server, "internal") == ["/internal/simple/beta/",
                                             "/internal/simple/gamma/"]
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"beta": "1.0", "gamma": "1.0"}
    assert "considering index internal" in result.stderr


def test_index_for_pins_a_project(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "alpha",
                         "--index-for", "alpha=pypi")
        assert asked(server, "internal") == []
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "2.0"}


def test_deny_list_falls_through(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "alpha",
                         "--index-deny", "internal=alpha")
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "2.0"}


def test_unreachable_index_aborts_unless_fallthrough(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        server.set_failure("internal", 503)
        failed = install(tmp_path, server, ["internal", "pypi"], "alpha")
        assert failed.exit_code != 0
        assert installed(make_env(tmp_path)) == {}
        passed = install(tmp_path, server, ["internal", "pypi"], "alpha",
                         "--allow-fallthrough-on-error")
    assert passed.exit_code == 0, passed.output
    assert installed(make_env(tmp_path)) == {"alpha": "2.0"}


def test_unreachable_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        server.set_failure("internal", 500)
        python = make_env(tmp_path)
        with pytest.raises(SystemExit) as exit_info:
            main(["install", "--python", str(python), "--no-cache",
                  "--index", f"internal={server.index_url('internal')}", "alpha"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: index internal:")


def test_mirror_group_is_one_step(tmp_path: Path) -> None:
    packages = {
        "a": [{"name": "alpha", "version": "1.0"}],
        "b": [{"name": "alpha", "version": "1.1"}],
        "pypi": [{"name": "alpha", "version": "2.0"}],
    }
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["a", "b", "pypi"], "alpha", "--mirrors", "a,b")
        assert asked(server, "pypi") == []
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "1.1"}


def test_replacing_and_rollback(tmp_path: Path) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0",
         "files": [{"path": "alpha/one.py", "text": "ONE = 1\n"}]},
        {"name": "alpha", "version": "2.0",
         "files": [{"path": "alpha/two.py", "text": "TWO = 2\n"}], "requires-dist": ["broken"]},
        {"name": "alpha", "version": "3.0",
         "files": [{"path": "alpha/three.py", "text": "THREE = 3\n"}]},
        {"name": "broken", "version": "1.0", "unsafe-defect": "record-hash-mismatch"},
    ]}
    import wheelnext.build.builder as builder

    original = builder.build_dist
    builder_calls = {"allow": True}

    def build(spec, outdir, *, allow_unsafe=False):  # type: ignore[no-untyped-def]
        return original(spec, outdir, allow_unsafe=builder_calls["allow"])

    builder.build_dist = build
    import _support.installer as installer_support

    installer_support.build_dist = build  # type: ignore[attr-defined]
    try:
        with served(tmp_path, packages) as server:
            assert install(tmp_path, server, ["pypi"], "alpha==1.0").exit_code == 0
            site = site_packages(make_env(tmp_path))
            assert (site / "alpha" / "one.py").exists()
            failed = install(tmp_path, server, ["pypi"], "alpha==2.0")
            assert failed.exit_code != 0
            assert installed(make_env(tmp_path)) == {"alpha": "1.0"}
            assert (site / "alpha" / "one.py").exists()
            assert not (site / "alpha" / "two.py").exists()
            result = install(tmp_path, server, ["pypi"], "alpha==3.0", "--json")
    finally:
        builder.build_dist = original
        installer_support.build_dist = original  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "3.0"}
    assert not (site / "alpha" / "one.py").exists()
    assert (site / "alpha" / "three.py").exists()
    summary = json.loads(result.stdout)
    assert summary["installed"][0]["replaced"] == "1.0"


def test_failure_names_requirement_index_and_rule(tmp_path: Path) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0", "requires-dist": ["beta>=2"]},
        {"name": "beta", "version": "2.0", "requires-python": ">=9"},
        {"name": "beta", "version": "1.0"},
    ]}
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["pypi"], "alpha")
    assert result.exit_code != 0
    message = str(result.exception) if result.exception else result.output
    assert "beta>=2" in message
    assert "required by alpha 1.0" in message
    assert "pypi" in message
    assert "Requires-Python >=9" in message


def test_variant_selection_and_opt_outs(tmp_path: Path) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0"},
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "fast", "properties": ["ns :: level :: v3"]},
         "requires-dist": ["beta"]},
        {"name": "beta", "version": "1.0"},
    ]}
    with served(tmp_path, packages) as server:
        chosen = install(tmp_path / "a", server, ["pypi"], "alpha", "--json",
                         "--variant-property", "ns :: level :: v3")
        plain = install(tmp_path / "b", server, ["pypi"], "alpha", "--json", "--no-variants",
                        "--variant-property", "ns :: level :: v3")
        unsupported = install(tmp_path / "c", server, ["pypi"], "alpha", "--json",
                              "--variant-property", "ns :: level :: v1")
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["installed"][0]["variant"] == "fast"
    assert installed(make_env(tmp_path / "a")) == {"alpha": "1.0", "beta": "1.0"}
    assert json.loads(plain.stdout)["installed"][0]["variant"] is None
    assert installed(make_env(tmp_path / "b")) == {"alpha": "1.0"}
    assert json.loads(unsupported.stdout)["installed"][0]["variant"] is None


def test_variant_label_choice(tmp_path: Path) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "one", "properties": ["ns :: f :: a"]}},
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "two", "properties": ["ns :: f :: b"]}},
    ]}
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--json", "--variant", "alpha=two",
                         "--variant-property", "ns :: f :: a", "--variant-property",
                         "ns :: f :: b")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["installed"][0]["variant"] == "two"


def test_local_wheel_and_no_deps(tmp_path: Path) -> None:
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping

    wheel = build_dist(spec_from_mapping({"name": "alpha", "version": "1.0",
                                          "requires-dist": ["beta"]}, source="t"), tmp_path)
    python = make_env(tmp_path)
    result = run(["install", "--python", str(python), "--no-cache", "--no-deps", str(wheel)])
    assert result.exit_code == 0, result.output
    assert installed(python) == {"alpha": "1.0"}


def test_already_installed_is_kept(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        install(tmp_path, server, ["pypi"], "alpha")
        again = install(tmp_path, server, ["pypi"], "alpha", "--json")
    assert json.loads(again.stdout)["unchanged"] == [{"name": "alpha", "version": "2.0"}]


@pytest.mark.parametrize("args, message", [
    (["--index", "nourl"], "--index 'nourl': expected NAME=URL"),
    (["--index", "a=http://x/", "--index-for", "alpha=b"], "no index named 'b'"),
    (["--index", "a=http://x/", "--index-strategy", "best"], "Invalid value"),
])
def test_bad_options(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["install", "--no-cache", *args, "alpha"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_yanked_only_with_exact_pin(tmp_path: Path) -> None:
    packages = {"pypi": [{"name": "alpha", "version": "1.0"}, {"name": "alpha", "version": "2.0"}]}
    with served(tmp_path, packages) as server:
        (tmp_path / "indexes" / "pypi" / "alpha-2.0-py3-none-any.whl.yanked").write_text("bad")
        newest = install(tmp_path / "a", server, ["pypi"], "alpha")
        pinned = install(tmp_path / "b", server, ["pypi"], "alpha==2.0")
    assert newest.exit_code == 0 and pinned.exit_code == 0, newest.output + pinned.output
    assert installed(make_env(tmp_path / "a")) == {"alpha": "1.0"}
    assert installed(make_env(tmp_path / "b")) == {"alpha": "2.0"}


def test_config_file_and_requirements_file(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        config = tmp_path / "wheelnext.toml"
        config.write_text(
            'index-strategy = "version-priority"\n'
            f'[[index]]\nname = "internal"\nurl = "{server.index_url("internal")}"\n'
            f'[[index]]\nname = "pypi"\nurl = "{server.index_url("pypi")}"\n'
        )
        requirements = tmp_path / "requirements.txt"
        requirements.write_text("# pinned\nalpha\nbeta  # and beta\n")
        python = make_env(tmp_path)
        result = run(["install", "--python", str(python), "--no-cache", "--config", str(config),
                      "-r", str(requirements)])
    assert result.exit_code == 0, result.output
    assert installed(python) == {"alpha": "2.0", "beta": "1.0"}
    assert "index strategy: version-priority" in result.stderr


def test_only_binary_refuses_sdists(tmp_path: Path) -> None:
    packages = {"pypi": [{"name": "alpha", "version": "1.0", "kind": "sdist"}]}
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--only-binary")
    assert result.exit_code != 0
    assert "refused by --only-binary" in str(result.exception)


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["installed"][0]["version"] == "2.0"
    assert installed(make_env(tmp_path)) == {}


def test_extra_follows_the_index_its_distribution_falls_through_to(tmp_path: Path) -> None:
    packages = {
        "internal": [{"name": "alpha", "version": "1.0", "provides-extra": ["x"]}],
        "pypi": [{"name": "alpha", "version": "2.0", "provides-extra": ["x"],
                  "requires-dist": ["beta; extra == 'x'"]},
                 {"name": "beta", "version": "1.0"}],
    }
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["internal", "pypi"], "alpha>=2", "alpha[x]")
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"alpha": "2.0", "beta": "1.0"}


def test_user_requirement_markers_are_evaluated(tmp_path: Path) -> None:
    with served(tmp_path, ALPHA_TWO_INDEXES) as server:
        result = install(tmp_path, server, ["pypi"], "alpha; python_version < '3'", "beta",
                         "--json")
    assert result.exit_code == 0, result.output
    assert installed(make_env(tmp_path)) == {"beta": "1.0"}


def _embedded_setuptools() -> Path | None:
    """A setuptools wheel shipped inside virtualenv (a dependency), for offline sdist builds."""
    import virtualenv

    found = sorted((Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed").glob(
        "setuptools-*.whl"))
    return found[-1] if found else None


@pytest.mark.slow
def test_sdist_built_in_isolation(tmp_path: Path) -> None:
    setuptools = _embedded_setuptools()
    if setuptools is None:
        pytest.skip("no setuptools wheel embedded in virtualenv to build with offline")
    packages = {"pypi": [{"name": "alpha", "version": "1.0", "kind": "sdist",
                          "files": [{"path": "alpha/__init__.py", "text": "A = 1\n"}]}]}
    with served(tmp_path, packages) as server:
        import shutil

        shutil.copy(setuptools, tmp_path / "indexes" / "pypi" / setuptools.name)
        result = install(tmp_path, server, ["pypi"], "alpha", "--json")
    assert result.exit_code == 0, result.output + str(result.exception)
    python = make_env(tmp_path)
    assert installed(python) == {"alpha": "1.0"}
    assert (site_packages(python) / "alpha" / "__init__.py").read_text() == "A = 1\n"


def test_other_variant_of_the_installed_version_replaces_it(tmp_path: Path) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "one", "properties": ["ns :: f :: a"]}},
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "two", "properties": ["ns :: f :: b"]}},
    ]}
    props = ["--variant-property", "ns :: f :: a", "--variant-property", "ns :: f :: b"]
    with served(tmp_path, packages) as server:
        first = install(tmp_path, server, ["pypi"], "alpha", "--variant", "alpha=one", *props)
        same = install(tmp_path, server, ["pypi"], "alpha", "--variant", "alpha=one", "--json",
                       *props)
        other = install(tmp_path, server, ["pypi"], "alpha", "--variant", "alpha=two",
                        "--json", *props)
    assert first.exit_code == 0, first.output
    assert json.loads(same.stdout)["installed"] == []
    assert json.loads(other.stdout)["installed"][0]["variant"] == "two"
    variant_json = site_packages(make_env(tmp_path)) / "alpha-1.0.dist-info" / "variant.json"
    assert list(json.loads(variant_json.read_text())["variants"]) == ["two"]


def test_properties_from_the_environment_variable(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0"},
        {"name": "alpha", "version": "1.0",
         "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}},
    ]}
    with served(tmp_path, packages) as server:
        monkeypatch.setenv("WHEELNEXT_VARIANT_PROPERTIES", "ns :: level :: v3")
        chosen = install(tmp_path / "a", server, ["pypi"], "alpha", "--json")
        monkeypatch.setenv("WHEELNEXT_VARIANT_PROPERTIES", "ns :: level :: v1")
        plain = install(tmp_path / "b", server, ["pypi"], "alpha", "--json")
    assert json.loads(chosen.stdout)["installed"][0]["variant"] == "fast"
    assert json.loads(plain.stdout)["installed"][0]["variant"] is None


def test_one_stage_with_bytecode_and_variant_markers(tmp_path: Path) -> None:
    """The whole run is staged once (nothing left beside the environment); bytecode is made
    in the stage, for the final paths, and listed in RECORD; a dependency with a PEP 825
    variant marker is evaluated after selection (a non-variant wheel has label "")."""
    packages = {"pypi": [
        {"name": "alpha", "version": "1.0",
         "requires-dist": ["beta; variant_label == 'x86_64_v3'", "gamma; variant_label == ''"],
         "files": [{"path": "alpha/__init__.py", "text": "X = 1\n"}]},
        {"name": "beta", "version": "1.0"},
        {"name": "gamma", "version": "1.0",
         "files": [{"path": "gamma/__init__.py", "text": "Y = 2\n"}]},
    ]}
    with served(tmp_path, packages) as server:
        result = install(tmp_path, server, ["pypi"], "alpha", "--compile")
    assert result.exit_code == 0, result.output
    python = make_env(tmp_path)
    site = site_packages(python)
    assert installed(python) == {"alpha": "1.0", "gamma": "1.0"}
    assert not [p for p in site.parent.rglob(".wheelnext-*")]
    pycs = list((site / "gamma" / "__pycache__").glob("__init__.*.pyc"))
    assert len(pycs) == 1
    record = (site / "gamma-1.0.dist-info" / "RECORD").read_text()
    assert f"gamma/__pycache__/{pycs[0].name},," in record
