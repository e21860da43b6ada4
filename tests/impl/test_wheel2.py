"""The .whlx layouts: structure, random access, metadata edits, member names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.convert import convert_wheel
from wheelnext.errors import InvalidMetadata, UnsafeArtifact
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout, parse_layout
from wheelnext.wheel2.names import check_member_name, check_unique
from wheelnext.wheel2.source import WheelArchive
from wheelnext.wheel2.writer import set_wheel_field

if sys.version_info >= (3, 14):
    import zipfile
else:
    from backports.zstd import zipfile

FILES = {f"demo/m{i}.py": f"VALUE = {i}\n".encode() * 50 for i in range(30)}


@pytest.mark.parametrize("layout", list(Layout))
def test_layout_structure_and_random_access(tmp_path: Path, layout: Layout) -> None:
    wheel = forge_wheel(tmp_path, WheelRecipe(files=dict(FILES)))
    out = convert_wheel(wheel, tmp_path / "o", layout=layout, level=3).output
    with zipfile.ZipFile(out) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    for name, info in infos.items():
        if name.startswith("demo-1.0.dist-info/"):
            assert info.compress_type == zipfile.ZIP_STORED
        elif layout is Layout.MEMBER:
            assert info.compress_type == zipfile.ZIP_ZSTANDARD
    if layout is not Layout.MEMBER:
        assert "demo-1.0.payload/000.tar.zst" in infos
        assert not any(name.startswith("demo/") for name in infos)
    with WheelArchive.open(out) as archive:
        assert archive.layout is layout
        assert archive.read_file("demo/m17.py") == FILES["demo/m17.py"]
        with pytest.raises(UnsafeArtifact):
            archive.read_file("demo/absent.py")


def test_chunked_layout_splits_and_reads_one_chunk(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from wheelnext.wheel2 import writer

    original = writer.write_whlx

    def small_chunks(*args: object, **kwargs: object) -> Path:
        kwargs["chunk_bytes"] = 2048
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("wheelnext.convert.write_whlx", small_chunks)
    wheel = forge_wheel(tmp_path, WheelRecipe(files=dict(FILES)))
    out = convert_wheel(wheel, tmp_path / "o", layout=Layout.CHUNKED, level=3, workers=2).output
    with WheelArchive.open(out) as archive:
        chunks = [n for n in archive._infos if n.endswith(".tar.zst")]
        assert len(chunks) > 3
        assert archive.read_file("demo/m29.py") == FILES["demo/m29.py"]


def test_set_wheel_field_keeps_line_ends_and_body() -> None:
    text = b"Metadata-Version: 2.1\r\nName: x\r\n\r\nbody: not a header\r\n"
    changed = set_wheel_field(text, "Wheel-Version", "2.0")
    assert changed == (b"Metadata-Version: 2.1\r\nWheel-Version: 2.0\r\nName: x\r\n\r\n"
                       b"body: not a header\r\n")
    assert set_wheel_field(changed, "Wheel-Version", "3.0").count(b"Wheel-Version") == 1


def test_unknown_layout_is_metadata_error() -> None:
    with pytest.raises(InvalidMetadata, match="Payload-Layout"):
        parse_layout("zip-of-zips")
    assert parse_layout(None) is Layout.MEMBER


@pytest.mark.parametrize("name", ["../a", "a/../b", "/etc/passwd", "C:/x", "c:x", "a\\b",
                                  "a//b", "./a", "a\x00b", ""])
def test_bad_member_names(name: str) -> None:
    with pytest.raises(UnsafeArtifact):
        check_member_name(name)


def test_duplicates_after_normalization() -> None:
    with pytest.raises(UnsafeArtifact, match="duplicate"):
        check_unique(["pkg/caf\u00e9.py", "pkg/cafe\u0301.py"])


@given(st.lists(st.text(alphabet="ab/.", min_size=1, max_size=6), max_size=5))
def test_member_names_that_pass_stay_inside(names: list[str]) -> None:
    for name in names:
        try:
            check_member_name(name)
        except UnsafeArtifact:
            continue
        assert not name.startswith("/") and ".." not in name.split("/")


def test_check_reports_invalid_variant_json(tmp_path: Path) -> None:
    from wheelnext.wheel2.check import check_wheel

    recipe = WheelRecipe(files={"demo/__init__.py": b"",
                                "demo-1.0.dist-info/variant.json": b'{"nonsense": 1}'})
    problems = check_wheel(forge_wheel(tmp_path, recipe))
    assert any("variant.json" in problem for problem in problems), problems
    recipe = WheelRecipe(files={"demo/__init__.py": b"",
                                "demo-1.0.dist-info/variant.json": b"{not json"})
    problems = check_wheel(forge_wheel(tmp_path, recipe))
    assert any("not JSON" in problem for problem in problems), problems
