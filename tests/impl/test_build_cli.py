"""``wheelnext build``: JSON output, one-line errors with exit 2, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli, main

GOOD = """
[[dist]]
name = "demo"
version = "1.0"

[[dist]]
name = "demo"
version = "1.0"
kind = "sdist"

[[dist]]
name = "demo"
version = "1.0"
wheel-version = "2.0"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_json_output_and_determinism(tmp_path: Path) -> None:
    spec = write(tmp_path, GOOD)
    runner = CliRunner()
    first = runner.invoke(cli, ["build", str(spec), "-o", str(tmp_path / "a"), "--json"])
    second = runner.invoke(cli, ["build", str(spec), "-o", str(tmp_path / "b"), "--json"])
    assert first.exit_code == 0, first.output
    built = json.loads(first.stdout)
    assert [item["filename"] for item in built] == [
        "demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz", "demo-1.0-py3-none-any.whlx"
    ]
    assert [i["sha256"] for i in built] == [i["sha256"] for i in json.loads(second.stdout)]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        i["filename"] for i in built
    )


def test_table_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(write(tmp_path, GOOD)), "-o",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "demo-1.0.tar.gz" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + '\n[[dist]]\nname = "x"\nversion = "bad"\n', "spec.toml:dist[3]: version:"),
        (GOOD + '\n[[dist]]\nname = "x"\nversion = "1"\nwheel-version = "2.0"\n'
         '[[dist.links]]\npath = "x/a"\ntarget = "x/missing"\n', "spec.toml:dist[3]: links:"),
        (GOOD + '\n[[dist]]\nname = "x"\nversion = "1"\nunsafe-defect = "zip-bomb"\n',
         "spec.toml:dist[3]: unsafe-defect: refused"),
        ("[[dist]\n", "spec.toml: not valid TOML"),
        (GOOD + '\n[[dist]]\nname = "x"\nversion = "1"\nkind = "sdist"\n'
         'unsafe-defect = "sdist-wheel-version"\n', "spec.toml:dist[3]: unsafe-defect: refused"),
        (GOOD + '\n[[dist]]\nname = "x"\nversion = "1"\n'
         'requires-dist = ["y; variant_namespaces == \'ns\'"]\n',
         "spec.toml:dist[3]: requires-dist:"),
    ],
)
def test_bad_spec_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(write(tmp_path, text)), "-o", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(out.iterdir()) == []


def test_missing_spec_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(tmp_path / "absent.toml"), "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "absent.toml" in capsys.readouterr().err


def test_allow_unsafe(tmp_path: Path) -> None:
    spec = write(
        tmp_path, '[[dist]]\nname = "x"\nversion = "1"\nunsafe-defect = "path-traversal"\n'
    )
    result = CliRunner().invoke(
        cli, ["build", str(spec), "-o", str(tmp_path / "out"), "--allow-unsafe", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["filename"] == "x-1-py3-none-any.whl"


def test_help() -> None:
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert result.exit_code == 0 and "--allow-unsafe" in result.output


def test_new_keys_and_defects_from_the_command_line(tmp_path: Path) -> None:
    """Variant markers, other wheel versions, no METADATA Wheel-Version, unsafe sdist."""
    spec = write(tmp_path, """
[[dist]]
name = "a"
version = "1"
wheel-version = "1.9"
metadata-wheel-version = false
requires-dist = ["b; 'ns :: f' in variant_features or variant_label == 'v'"]

[[dist]]
name = "a"
version = "1"
wheel-version = "3.0"

[[dist]]
name = "a"
version = "1"
kind = "sdist"
unsafe-defect = "sdist-wheel-version"
""")
    result = CliRunner().invoke(
        cli, ["build", str(spec), "-o", str(tmp_path / "out"), "--json", "--allow-unsafe"]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["a-1-py3-none-any.whl", "a-1-py3-none-any.whlx", "a-1.tar.gz"]
