"""``wheelnext variants`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.variants import PEP825_VARIANTS_JSON, make_wheel
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.errors import WheelnextError


def release(tmp_path: Path) -> list[Path]:
    doc = PEP825_VARIANTS_JSON
    wheels = []
    for label, props in doc["variants"].items():
        single = {**doc, "variants": {label: props}}
        wheels.append(make_wheel(tmp_path, f"foo-1.2.3-py3-none-any-{label}.whl", single))
    wheels.append(make_wheel(tmp_path, "foo-1.2.3-py3-none-any.whl", None))
    return wheels


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["variants", *args])
    return result.exit_code, result.output


def fails(*args: str) -> BaseException | None:
    result = CliRunner().invoke(cli, ["variants", *args])
    assert result.exit_code != 0
    return result.exception


def test_show(tmp_path: Path) -> None:
    wheel = release(tmp_path)[1]
    code, out = run("show", str(wheel))
    assert code == 0 and "x86_64 :: level :: v3" in out and "label: x86_64_v3_openblas" in out
    code, out = run("show", "--json", str(wheel))
    assert json.loads(out)["variants"] == {
        "x86_64_v3_openblas": PEP825_VARIANTS_JSON["variants"]["x86_64_v3_openblas"]
    }


def test_merge_validate_order(tmp_path: Path) -> None:
    wheels = [w for w in release(tmp_path) if "-" in w.name[len("foo-1.2.3-py3-none-any") :]]
    out_file = tmp_path / "out" / "foo-1.2.3-variants.json"
    code, out = run("merge", *map(str, wheels), "-o", str(out_file))
    assert code == 0, out
    assert json.loads(out_file.read_text()) == PEP825_VARIANTS_JSON
    code, out = run("validate", str(out_file))
    assert code == 0 and "valid" in out
    code, out = run("validate", "--json", str(wheels[0]))
    assert code == 0 and json.loads(out)["valid"] is True
    code, out = run(
        "order",
        str(out_file),
        "-p",
        "x86_64 :: level :: v4",
        "-p",
        "x86_64::level::v3",
        "-p",
        "blas_lapack :: library :: mkl",
        "--json",
    )
    data = json.loads(out)
    assert [item["label"] for item in data["order"]] == ["x86_64_v4_mkl", "null"]
    assert "x86_64_v3_openblas" in data["rejected"]
    code, out = run("order", str(out_file), "--exclude", "null")
    assert code == 0 and "null: rejected, excluded by the user" in out


def test_explain_directory_and_file(tmp_path: Path) -> None:
    release(tmp_path)
    code, out = run(
        "explain",
        str(tmp_path),
        "-p",
        "x86_64 :: level :: v3",
        "-p",
        "blas_lapack :: library :: openblas",
    )
    assert code == 0, out
    assert "1. x86_64_v3_openblas" in out and "x86_64_v4_mkl: rejected" in out
    assert (
        out.index("-x86_64_v3_openblas.whl")
        < out.index("-null.whl")
        < out.index("foo-1.2.3-py3-none-any.whl")
    )
    code, out = run("explain", "--json", str(tmp_path))
    data = json.loads(out)
    assert (
        data["wheels"][0].endswith("-null.whl")
        and data["wheels"][1] == "foo-1.2.3-py3-none-any.whl"
    )


def test_properties_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps(PEP825_VARIANTS_JSON))
    monkeypatch.setenv(
        "WHEELNEXT_VARIANT_PROPERTIES", "x86_64 :: level :: v4; blas_lapack :: library :: mkl"
    )
    code, out = run("order", "--json", str(path))
    assert code == 0
    assert [item["label"] for item in json.loads(out)["order"]] == ["x86_64_v4_mkl", "null"]


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad-variants.json"
    bad.write_text(
        json.dumps(
            {
                **PEP825_VARIANTS_JSON,
                "$schema": PEP825_VARIANTS_JSON["$schema"].replace("0.1.1", "0.2.0"),
            }
        )
    )
    with pytest.raises(SystemExit) as info:
        main(["variants", "validate", str(bad)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "0.2.0" in err and "\n" not in err
    # an unsupported $schema is an input error even with --json
    assert isinstance(fails("validate", "--json", str(bad)), WheelnextError)
    broken = make_wheel(tmp_path, "foo-1.2.3-py3-none-any-zzz.whl", PEP825_VARIANTS_JSON)
    assert "exactly one entry" in str(fails("show", str(broken)))
    out_file = tmp_path / "merged.json"
    assert isinstance(fails("merge", str(broken), "-o", str(out_file)), WheelnextError)
    assert not out_file.exists()
    mismatch = make_wheel(
        tmp_path,
        "foo-1.2.3-py3-none-any-other.whl",
        {**PEP825_VARIANTS_JSON, "variants": {"null": {}}},
    )
    assert "not the filename's label other" in str(fails("show", str(mismatch)))


def test_detect_is_listed_only_when_available() -> None:
    code, out = run("--help")
    assert code == 0 and "merge" in out
    import importlib.util

    has_detect = importlib.util.find_spec("wheelnext.commands.detect") is not None
    assert ("detect" in out) == has_detect


def test_detect_flag_uses_the_providers_with_user_properties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = {
        "$schema": PEP825_VARIANTS_JSON["$schema"],
        "default-priorities": {"namespace": ["x86_64"]},
        "variants": {"v3": {"x86_64": {"level": ["v3"]}}, "v4": {"x86_64": {"level": ["v4"]}}},
    }
    for label in ("v3", "v4"):
        single = {**doc, "variants": {label: doc["variants"][label]}}
        make_wheel(tmp_path, f"foo-1.0-py3-none-any-{label}.whl", single)
    monkeypatch.setenv("WHEELNEXT_VARIANT_PROPERTIES", "x86_64 :: level :: v3")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out = run("explain", "--detect", "--json", str(tmp_path))
    assert code == 0, out
    data = json.loads(out)
    assert [item["label"] for item in data["order"]] == ["v3"]
    assert "x86_64 :: level :: v4" in data["rejected"]["v4"]


def test_optional_providers_are_off_until_enabled(tmp_path: Path) -> None:
    """PEP 817: an ``optional`` provider runs only when the user enables it."""
    from _support.variants import PEP817_VARIANTS_JSON

    doc = json.loads(json.dumps(PEP817_VARIANTS_JSON))
    doc["providers"]["x86_64"] = {"requires": ["provider-variant-x86-64"], "optional": True}
    metadata = tmp_path / "foo-1.0-variants.json"
    metadata.write_text(json.dumps(doc))
    supported = tmp_path / "props.txt"
    supported.write_text("x86_64 :: level :: v4\nx86_64 :: level :: v3\n")
    base = ["order", str(metadata), "--detect", "--properties-file", str(supported), "--json"]

    code, output = run(*base)
    assert code == 0, output
    assert json.loads(output)["order"] == []

    code, output = run(*base, "--enable-optional", "x86_64")
    assert code == 0, output
    # default-priorities.property ranks x86_64 :: level :: v3 first (PEP 817).
    assert [item["label"] for item in json.loads(output)["order"]] == [
        "x8664v3_openblas",
        "x8664v4_mkl",
    ]
    code, again = run(*base, "--enable-optional", "all")
    assert again == output


DUPLICATE_NAMESPACE = (
    '{"$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",'
    ' "default-priorities": {"namespace": ["x86_64"]},'
    ' "variants": {"x86_64_v3": {"x86_64": {"level": ["v3"]}, "x86_64": {"level": ["v2"]}}}}'
)


def main_result(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    assert isinstance(exit_info.value.code, int)
    return exit_info.value.code, captured.out, captured.err


def test_validate_refuses_a_namespace_twice_in_a_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "foo-1.0-variants.json"
    path.write_text(DUPLICATE_NAMESPACE)
    code, _, err = main_result(["variants", "validate", str(path)], capsys)
    assert code == 2 and f"{path}: duplicate JSON key 'x86_64'" in err


def test_loads_strict_refuses_duplicates_at_every_depth() -> None:
    from wheelnext.variants.jsonio import DuplicateKey, loads_strict

    assert loads_strict('{"a": {"b": 1}, "c": [{"d": 2}]}', "x") == {"a": {"b": 1}, "c": [{"d": 2}]}
    for text in ('{"a": 1, "a": 1}', '{"a": {"b": 1, "b": 2}}', '[{"d": 1, "d": 2}]'):
        with pytest.raises(DuplicateKey, match="x: duplicate JSON key"):
            loads_strict(text, "x")


@pytest.mark.parametrize("content", ["{not json", '{"$schema": 3}', DUPLICATE_NAMESPACE])
def test_validate_json_has_one_convention(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "foo-1.0-variants.json"
    path.write_text(content)
    code, out, err = main_result(["variants", "validate", "--json", str(path)], capsys)
    report = json.loads(out)
    assert code == 2 and report["valid"] is False and report["problems"]
    assert len(err.strip().splitlines()) == 1 and str(path) in err


def test_explain_of_a_folder_names_the_wheel_with_a_bad_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release(tmp_path)
    bad = make_wheel(tmp_path, "foo-1.2.3-py3-none-any-Bad-Label.whl", None)
    code, _, err = main_result(["variants", "explain", str(tmp_path)], capsys)
    assert code == 2 and str(bad) in err


@pytest.mark.parametrize("entry", ["url = 3", 'path = ["a"]', 'url = "x"\nhashes = 5',
                                   'url = "x"\nhashes = {sha256 = 1}'])
def test_pylock_variants_json_reference_fields_are_typed(
    entry: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(f'lock-version = "1.0"\n[[packages]]\nname = "foo"\n'
                    f"[packages.variants-json]\n{entry}\n")
    code, _, err = main_result(["variants", "validate", str(lock)], capsys)
    assert code == 2 and "packages[foo].variants-json" in err and str(lock) in err


def test_user_property_for_an_ahead_of_time_namespace_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wheelnext.providers.overrides import ENV_VAR

    monkeypatch.setenv(ENV_VAR, "blas_lapack :: provider :: mkl; x86_64 :: level :: v1")
    code, _, err = main_result(["variants", "detect", "--namespace", "blas_lapack"], capsys)
    assert code == 0
    assert "blas_lapack :: provider :: mkl" in err and "ignored" in err
    assert "ahead-of-time" in err and len(err.strip().splitlines()) == 1


BUNDLED_SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "impl"
    / "variants"
    / "schemas"
    / "pep-0825-variant-schema-0.1.1.json"
)


def test_validate_against_another_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft schema's rules, not the bundled one's, decide under --schema."""
    doc = tmp_path / "foo-1.2.3-variants.json"
    doc.write_text(json.dumps({**PEP825_VARIANTS_JSON, "draft-key": True}))
    code, _, err = main_result(["variants", "validate", str(doc)], capsys)
    assert code == 2 and "draft-key" in err
    draft = json.loads(BUNDLED_SCHEMA.read_text())
    draft["properties"]["draft-key"] = {"type": "boolean"}
    draft["properties"]["default-priorities"]["properties"]["namespace"]["minItems"] = 9
    schema = tmp_path / "draft-schema.json"
    schema.write_text(json.dumps(draft))
    argv = ["variants", "validate", "--json", "--schema", str(schema), str(doc)]
    code, out, err = main_result(argv, capsys)
    report = json.loads(out)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert [p.split(":")[0] for p in report["problems"]] == ["default-priorities/namespace"]
    del draft["properties"]["default-priorities"]["properties"]["namespace"]["minItems"]
    schema.write_text(json.dumps(draft))
    code, out, _ = main_result(["variants", "validate", "--schema", str(schema), str(doc)], capsys)
    assert code == 0 and "valid" in out


@pytest.mark.parametrize(
    ("schema_text", "target", "expected"),
    [
        ('{"type": 3}', "foo-1.0-variants.json", "not a JSON schema"),
        ("[1]", "foo-1.0-variants.json", "schema.json"),
        ("{}", "pylock.toml", "--schema applies to JSON documents and wheels"),
    ],
)
def test_validate_schema_bad_input_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    schema_text: str,
    target: str,
    expected: str,
) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(schema_text)
    path = tmp_path / target
    path.write_text("{}" if target.endswith(".json") else "[[packages]]\n")
    code, out, err = main_result(
        ["variants", "validate", "--schema", str(schema), str(path)], capsys
    )
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert expected in err


def test_validate_providers_checks_properties_against_get_all_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PEP 817 "Variant properties": a value "MUST correspond to a valid value defined by the
    respective variant provider", and a feature that is not multi-value has one value."""
    doc = {**PEP825_VARIANTS_JSON, "default-priorities": {"namespace": ["x86_64", "other"]},
           "variants": {"good": {"x86_64": {"level": ["v3"]}, "other": {"f": ["x"]}},
                        "bad": {"x86_64": {"level": ["v3", "v9"]}}}}
    path = tmp_path / "foo-1.0-variants.json"
    path.write_text(json.dumps(doc))
    code, out, _ = main_result(["variants", "validate", str(path)], capsys)
    assert code == 0, out
    code, out, err = main_result(["variants", "validate", "--json", "--providers", str(path)],
                                 capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert json.loads(out)["problems"] == [
        "variants.bad: x86_64 :: level :: v9: not a value provider 'x86_64' defines for 'level'",
        "variants.bad: x86_64 :: level: 2 values, but provider 'x86_64' does not mark the "
        "feature multi-value",
    ]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[variant]\n")
    code, _, err = main_result(["variants", "validate", "--providers", str(pyproject)], capsys)
    assert code == 2 and "--providers applies to JSON documents and wheels" in err
