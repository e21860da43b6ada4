"""Converting real 1.x wheels to .whlx: same installed bytes, links dedupe, the CLI."""

from __future__ import annotations

import ensurepip
import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli
from wheelnext.convert import ConversionError, convert_wheel, shared_library_links
from wheelnext.install.scheme import scheme_for_target
from wheelnext.install.wheelfile import install_wheel
from wheelnext.links import Link
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout
from wheelnext.wheel2.source import WheelArchive

BUNDLED = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("*.whl"))
#: What converting may change: the two files that carry Wheel-Version, RECORD, and pyc.
CHANGED = {"WHEEL", "METADATA", "RECORD", "direct_url.json"}


def tree(root: Path) -> dict[str, str]:
    """Installed files by path: content hash, or the link text for symlinks."""
    state = {}
    for path in root.rglob("*"):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[key] = "link->" + hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_file() and path.name not in CHANGED:
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.mark.slow
@pytest.mark.parametrize("wheel", BUNDLED, ids=lambda p: p.name.split("-")[0])
@pytest.mark.parametrize("layout", [Layout.MEMBER, Layout.CHUNKED])
def test_real_wheel_installs_the_same_bytes(tmp_path: Path, wheel: Path, layout: Layout) -> None:
    result = convert_wheel(wheel, tmp_path / "out", layout=layout, level=3)
    assert result.output.name == wheel.name[:-4] + ".whlx"
    assert result.output_bytes < result.input_bytes or layout is Layout.MEMBER
    install_wheel(wheel, scheme_for_target(tmp_path / "a"), compile_bytecode=False)
    install_wheel(result.output, scheme_for_target(tmp_path / "b"), compile_bytecode=False)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    with WheelArchive.open(result.output) as archive:
        assert str(archive.check_wheel_version()) == "2.0"


def test_conversion_is_deterministic(tmp_path: Path) -> None:
    wheel = forge_wheel(tmp_path, WheelRecipe())
    first = convert_wheel(wheel, tmp_path / "one", layout=Layout.SOLID, level=3).output
    second = convert_wheel(wheel, tmp_path / "two", layout=Layout.SOLID, level=3).output
    assert first.read_bytes() == second.read_bytes()


def test_dedupe_links_follows_the_soname_pattern(tmp_path: Path) -> None:
    lib = b"\x7fELF" + bytes(range(256)) * 64
    files = {"demo/__init__.py": b"", "demo/lib/libfoo.so.1.2.3": lib,
             "demo/lib/libfoo.so.1": lib, "demo/lib/libfoo.so": lib,
             "demo/lib/libbar.so.2": b"other", "demo/other/libfoo.so": lib}
    wheel = forge_wheel(tmp_path, WheelRecipe(files=files))
    result = convert_wheel(wheel, tmp_path / "out", dedupe_links=True, level=3)
    assert result.links == [Link("demo/lib/libfoo.so", "demo/lib/libfoo.so.1"),
                            Link("demo/lib/libfoo.so.1", "demo/lib/libfoo.so.1.2.3")]
    assert result.bytes_saved_by_links == 2 * len(lib)
    target = tmp_path / "env"
    install_wheel(result.output, scheme_for_target(target), compile_bytecode=False)
    assert os.readlink(target / "demo/lib/libfoo.so") == "libfoo.so.1"
    assert (target / "demo/lib/libfoo.so").read_bytes() == lib
    assert not (target / "demo/other/libfoo.so").is_symlink()


def test_shared_library_links_needs_identical_content() -> None:
    assert shared_library_links({"p/libx.so.1": "sha256=a", "p/libx.so": "sha256=b"}) == []
    assert shared_library_links({"p/libx.so.1": "sha256=a", "q/libx.so": "sha256=a"}) == []


def test_already_wheel2_is_refused(tmp_path: Path) -> None:
    wheel = forge_wheel(tmp_path, WheelRecipe(wheel_version="2.0"))
    with pytest.raises(ConversionError, match="already"):
        convert_wheel(wheel, tmp_path / "out")


def test_cli_convert(tmp_path: Path) -> None:
    wheel = forge_wheel(tmp_path, WheelRecipe())
    done = CliRunner().invoke(cli, ["wheel", "convert", str(wheel), "-o", str(tmp_path / "o"),
                                    "--zstd-level", "3", "--layout", "solid", "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["output"].endswith(".whlx") and Path(summary["output"]).exists()
    done = CliRunner().invoke(cli, ["wheel", "convert", str(wheel), "-o", str(tmp_path / "o"),
                                    "--layout", "zip"])
    assert done.exit_code == 2


def test_bad_input_leaves_no_output_folder(tmp_path: Path) -> None:
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    done = CliRunner().invoke(cli, ["wheel", "convert", str(bad), "-o", str(tmp_path / "o")])
    assert done.exit_code != 0
    assert not (tmp_path / "o").exists()
