"""``wheelnext variants detect``: table, JSON, overrides, refresh and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.commands.detect import detect
from wheelnext.providers.overrides import ENV_VAR


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(ENV_VAR, raising=False)


def own_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.split(":")[0].strip() == "flags":
            return set(line.split(":", 1)[1].split())
    return set()


def test_json_lists_namespaces_with_evidence() -> None:
    result = CliRunner().invoke(detect, ["--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    namespaces = [entry["namespace"] for entry in document["namespaces"]]
    assert namespaces == ["x86_64", "aarch64", "nvidia", "amd", "blas_lapack"]
    flags = own_flags()
    if "avx2" in flags:
        x86 = document["namespaces"][0]
        v3 = next(p for p in x86["properties"] if p["property"] == "x86_64 :: level :: v3")
        assert "avx2" in v3["evidence"] and set(v3["evidence"]) <= flags
        assert document["supported"]["x86_64"]["level"][0] in ("v4", "v3")


def test_properties_file_replaces_detection(tmp_path: Path) -> None:
    props = tmp_path / "target.txt"
    props.write_text("x86_64 :: level :: v2\nnvidia :: cuda_version_lower_bound :: 12.8\n")
    result = CliRunner().invoke(detect, ["--json", "--properties-file", str(props)])
    document = json.loads(result.output)
    assert document["supported"]["x86_64"] == {"level": ["v2"]}
    assert document["supported"]["nvidia"] == {"cuda_version_lower_bound": ["12.8"]}
    sources = {e["namespace"]: e["source"] for e in document["namespaces"]}
    assert sources["x86_64"] == "user-provided" and sources["blas_lapack"] == "static"


def test_environment_variable_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "amd :: gfx_arch :: gfx90a")
    result = CliRunner().invoke(detect, [])
    assert result.exit_code == 0
    assert "amd :: gfx_arch :: gfx90a" in result.output
    assert f"given in {ENV_VAR}" in result.output
    assert "x86_64  [user-provided]" in result.output


def test_builtin_detection_runs_every_time() -> None:
    runner = CliRunner()
    for args in ([], [], ["--refresh"], ["--no-cache"]):
        result = runner.invoke(detect, ["--json", "--namespace", "x86_64", *args])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["namespaces"][0]["cached"] is False


def test_through_the_root_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import click

    from wheelnext.commands.variants import variants

    if "detect" not in variants.list_commands(click.Context(variants)):
        pytest.skip("the variants group does not register detect yet")
    result = CliRunner().invoke(cli, ["variants", "detect", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["namespaces"]
    bad = tmp_path / "bad.txt"
    bad.write_text("x86_64 :: level\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["variants", "detect", "--properties-file", str(bad)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "bad.txt" in err[0]


def test_help() -> None:
    assert "evidence" in CliRunner().invoke(detect, ["--help"]).output


def _install_entry_point(site: Path, module: str, namespace: str) -> None:
    (site / f"{module}.py").write_text(
        "class Config:\n"
        "    def __init__(self, name, values):\n"
        "        self.name, self.values, self.multi_value = name, values, False\n"
        "class Plugin:\n"
        f"    namespace = {namespace!r}\n"
        "    get_all_configs = staticmethod(lambda: [Config('speed', ['fast', 'slow'])])\n"
        "    get_supported_configs = staticmethod(lambda: [Config('speed', ['slow'])])\n"
    )
    dist = site / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[variant_plugins]\n{module} = {module}:Plugin\n")


def test_entry_point_plugins_run_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_entry_point(site, "speed_plugin", "speed")
    monkeypatch.syspath_prepend(str(site))
    plain = json.loads(CliRunner().invoke(detect, ["--json"]).output)
    assert "speed" not in [e["namespace"] for e in plain["namespaces"]]
    result = CliRunner().invoke(detect, ["--json", "--entry-points"])
    document = json.loads(result.output)
    assert document["supported"]["speed"] == {"speed": ["slow"]}
    _install_entry_point(site, "x86_clone", "x86_64")
    clash = CliRunner().invoke(detect, ["--json", "--entry-points"])
    assert clash.exit_code != 0 and "x86_64" in str(clash.exception)


def test_unknown_namespace_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["variants", "detect", "--namespace", "quantum"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [err[0]] and "--namespace 'quantum'" in err[0]


def test_json_has_a_version_a_schema_and_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonschema

    from wheelnext.detect.nvidia import NvidiaPlugin

    monkeypatch.setattr(NvidiaPlugin, "_loader", staticmethod(lambda name: None))
    result = CliRunner().invoke(detect, ["--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema_file = Path(__file__).parents[2] / "impl/variants/schemas/detect-output-1.0.json"
    jsonschema.validate(document, json.loads(schema_file.read_text()))
    assert document["version"] == "1.0"
    nvidia = next(e for e in document["namespaces"] if e["namespace"] == "nvidia")
    assert nvidia["properties"] == [] and "no NVIDIA driver" in nvidia["reason"]
    table = CliRunner().invoke(detect, ["--namespace", "nvidia"])
    assert "nothing supported: no NVIDIA driver" in table.output
