"""Wheels, variant wheels and the Wheel 2.0 prototype: contents, determinism, both sides."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from backports.zstd import zipfile as zstd_zipfile
from hypothesis import given, settings
from hypothesis import strategies as st
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InvalidWheelSource
from installer.sources import WheelFile
from packaging.metadata import ExceptionGroup, Metadata
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from wheelnext.build import DistSpec, SpecError, build_all, build_dist, spec_from_mapping
from wheelnext.build.archive import ZIP_ZSTANDARD
from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name
from wheelnext.links import InvalidLinks, parse_links
from wheelnext.metadata import parse_metadata
from wheelnext.variants.schema import validate_variant_json
from wheelnext.wheel2.layout import DEFAULT_LAYOUT
from wheelnext.wheel2.source import WheelArchive


def make(**table: Any) -> DistSpec:
    return spec_from_mapping({"name": "demo-pkg", "version": "1.0", **table}, source="t:dist[0]")


def members(path: Path) -> dict[str, bytes]:
    """The wheel's files by path; a ``.whlx``'s payload files are read out of its chunks."""
    with zstd_zipfile.ZipFile(path) as archive:
        content = {name: archive.read(name) for name in archive.namelist()
                   if not name.split("/", 1)[0].endswith(".payload")}
    if path.suffix == ".whlx":
        with WheelArchive.open(path) as source:
            for name in source.payload_paths:
                content.setdefault(name, source.read_file(name))
    return content


def install_into(wheel: Path, root: Path) -> Path:
    scheme = {key: str(root / key) for key in ("purelib", "platlib", "headers", "scripts", "data")}
    destination = SchemeDictionaryDestination(
        scheme, interpreter=sys.executable, script_kind="posix"
    )
    with WheelFile.open(wheel) as source:
        install(source, destination, {})
    return root


def check_record(path: Path) -> None:
    """Every file is in RECORD with its sha256 and size; RECORD is the last member.

    A ``.whlx`` keeps its payload in ``.payload/`` chunks, each with a chunk record beside it:
    RECORD lists every ZIP member (chunks and chunk records too), and the chunk records list
    the files inside the chunks (read through the Wheel 2.0 source).
    """
    def digest(data: bytes) -> str:
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
            b"=").decode()

    with WheelArchive.open(path) as source, zstd_zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        assert names[-1] == record_name
        rows = list(csv.reader(io.StringIO(archive.read(record_name).decode())))
        assert sorted(row[0] for row in rows) == sorted(names)
        for name, hash_, size in rows[:-1]:
            data = archive.read(name)
            assert hash_ == digest(data) and int(size) == len(data)
        assert rows[-1] == [record_name, "", ""]
        inner = sorted(set(source.payload_paths) - set(names))
        assert bool(inner) == any(n.split("/", 1)[0].endswith(".payload") for n in names)
        for name in inner:
            data = source.read_file(name)
            row = source.record[name]
            assert row.hash == digest(data) and row.size == len(data)


def test_plain_wheel_parses_with_packaging_and_installs(tmp_path: Path) -> None:
    spec = make(
        **{
            "requires-dist": ["attrs>=22; python_version >= '3.8'", "rich; extra == 'cli'"],
            "provides-extra": ["cli"],
            "build-tag": "7",
            "tag": "py2.py3-none-any",
            "entry-points": {"console_scripts": {"demo": "demo_pkg:main"}},
            "data": [
                {"scheme": "scripts", "path": "demo-tool", "text": "#!python\nprint(1)\n",
                 "executable": True},
                {"scheme": "data", "path": "share/demo.txt", "text": "shared\n"},
            ],
        }
    )
    wheel = build_dist(spec, tmp_path / "out")
    assert wheel.name == "demo_pkg-1.0-7-py2.py3-none-any.whl"
    name, version, build, _tags = parse_wheel_filename(wheel.name)
    assert (name, str(version), build) == ("demo-pkg", "1.0", (7, ""))
    content = members(wheel)
    lines = content["demo_pkg-1.0.dist-info/WHEEL"].decode().splitlines()
    assert lines.pop(1).startswith("Generator: wheelnext ")
    assert lines == [
        "Wheel-Version: 1.0",
        "Root-Is-Purelib: true",
        "Tag: py2-none-any",
        "Tag: py3-none-any",
        "Build: 7",
    ]
    metadata = Metadata.from_email(
        content["demo_pkg-1.0.dist-info/METADATA"].replace(b"Wheel-Version: 1.0\n", b""),
        validate=True,
    )
    assert [str(r) for r in metadata.requires_dist or []] == [
        'attrs>=22; python_version >= "3.8"', 'rich; extra == "cli"'
    ]
    check_record(wheel)
    root = install_into(wheel, tmp_path / "env")
    assert (root / "purelib/demo_pkg/__init__.py").read_text().count("__version__ = '1.0'") == 1
    assert (root / "data/share/demo.txt").read_text() == "shared\n"
    script = root / "scripts/demo-tool"
    assert script.read_bytes().startswith(b"#!" + sys.executable.encode())
    assert (root / "scripts/demo").exists()


def test_platform_wheel_is_not_purelib(tmp_path: Path) -> None:
    wheel = build_dist(make(tag="cp311-cp311-manylinux_2_28_x86_64"), tmp_path)
    text = members(wheel)["demo_pkg-1.0.dist-info/WHEEL"].decode()
    assert "Root-Is-Purelib: false" in text
    root = install_into(wheel, tmp_path / "env")
    assert (root / "platlib/demo_pkg/__init__.py").exists()


def test_members_are_deterministic_zip_entries(tmp_path: Path) -> None:
    wheel = build_dist(
        make(files=[{"path": "demo_pkg/run.py", "text": "", "executable": True},
                    {"path": "demo_pkg/__init__.py", "text": ""}]),
        tmp_path,
    )
    with zstd_zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == [
        "demo_pkg/__init__.py", "demo_pkg/run.py",
        "demo_pkg-1.0.dist-info/METADATA", "demo_pkg-1.0.dist-info/WHEEL",
        "demo_pkg-1.0.dist-info/RECORD",
    ]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.external_attr >> 16 for i in infos[:2]] == [0o100644, 0o100755]


def test_wheel_version_in_metadata_matches_wheel(tmp_path: Path) -> None:
    """PEP 777: Wheel-Version in METADATA, the same value as in WHEEL, for every wheel."""
    for version in ("1.0", "2.0"):
        path = build_dist(make(**{"wheel-version": version}), tmp_path)
        content = members(path)
        meta = parse_metadata(content["demo_pkg-1.0.dist-info/METADATA"])
        assert meta.wheel_version == version
        assert f"Wheel-Version: {version}\n" in content["demo_pkg-1.0.dist-info/WHEEL"].decode()


def test_default_extra_both_sides(tmp_path: Path) -> None:
    spec = make(**{"requires-dist": ["attrs; extra == 'fast'"], "provides-extra": ["fast"],
                   "default-extra": ["fast"]})
    wheel = build_dist(spec, tmp_path)
    raw = members(wheel)["demo_pkg-1.0.dist-info/METADATA"]
    meta = parse_metadata(raw)
    assert meta.default_extra == ("fast",) and meta.metadata_version == "2.7"
    # Today's packaging refuses the new fields (and the new Metadata-Version) under validation.
    with pytest.raises(ExceptionGroup) as info:
        Metadata.from_email(raw, validate=True)
    fields = {getattr(e, "field", None) for e in info.value.exceptions}
    assert {"default-extra", "wheel-version", "metadata-version"} <= fields
    # ...but installs it, ignoring Default-Extra, as PEP 771 intends for old tools.
    install_into(wheel, tmp_path / "env")


def test_variant_wheel_both_sides(tmp_path: Path) -> None:
    spec = make(
        tag="cp311-cp311-manylinux_2_28_x86_64",
        variant={"label": "x86_64_v3",
                 "properties": ["x86_64 :: level :: v3", "blas :: lib :: openblas"],
                 "namespaces": ["x86_64"]},
    )
    wheel = build_dist(spec, tmp_path)
    assert wheel.name == "demo_pkg-1.0-cp311-cp311-manylinux_2_28_x86_64-x86_64_v3.whl"
    with pytest.raises(InvalidWheelFilename):
        parse_wheel_filename(wheel.name)
    parsed = parse_wheel_name(wheel.name)
    assert parsed.variant_label == "x86_64_v3" and parsed.extension == ".whl"
    document = json.loads(members(wheel)["demo_pkg-1.0.dist-info/variant.json"])
    validate_variant_json(document, source="variant.json", kind="wheel")
    assert document["default-priorities"] == {"namespace": ["x86_64", "blas"]}
    assert document["variants"] == {
        "x86_64_v3": {"blas": {"lib": ["openblas"]}, "x86_64": {"level": ["v3"]}}
    }
    root = install_into(wheel, tmp_path / "env")
    init = (root / "platlib/demo_pkg/__init__.py").read_text()
    assert "VARIANT_LABEL = 'x86_64_v3'" in init


def test_null_variant(tmp_path: Path) -> None:
    wheel = build_dist(make(variant={"label": "null", "namespaces": ["x86_64"]}), tmp_path)
    assert wheel.name.endswith("-py3-none-any-null.whl")
    document = json.loads(members(wheel)["demo_pkg-1.0.dist-info/variant.json"])
    assert document["variants"] == {"null": {}}
    validate_variant_json(document, source="variant.json", kind="wheel")


def test_wheel2_prototype_layout(tmp_path: Path) -> None:
    spec = make(**{"wheel-version": "2.0", "summary": "two",
                   "files": [{"path": "demo_pkg/__init__.py", "size": 4096, "fill": 65}]})
    wheel = build_dist(spec, tmp_path)
    assert wheel.name == "demo_pkg-1.0-py3-none-any.whlx"
    with pytest.raises(InvalidWheelFilename):
        parse_wheel_filename(wheel.name)
    assert parse_wheel_name(wheel.name).is_wheel2
    with zstd_zipfile.ZipFile(wheel) as archive:
        methods = {i.filename: i.compress_type for i in archive.infolist()}
        meta_json = json.loads(archive.read("demo_pkg-1.0.dist-info/METADATA.json"))
        wheel_text = archive.read("demo_pkg-1.0.dist-info/WHEEL").decode()
    with WheelArchive.open(wheel) as source:
        assert source.layout is DEFAULT_LAYOUT
        assert source.read_file("demo_pkg/__init__.py") == b"A" * 4096
    # The builder follows the layout the Wheel 2.0 work chose (Payload-Layout in WHEEL).
    assert f"Payload-Layout: {DEFAULT_LAYOUT.value}\n" in wheel_text
    assert methods.pop("demo_pkg-1.0.payload/000.tar.zst") == zstd_zipfile.ZIP_STORED
    assert methods.pop("demo_pkg-1.0.payload/000.RECORD") == ZIP_ZSTANDARD
    assert set(methods.values()) == {zstd_zipfile.ZIP_STORED}
    assert all(name.startswith("demo_pkg-1.0.dist-info/") for name in methods)
    assert meta_json == {"metadata_version": "2.4", "name": "demo-pkg", "version": "1.0",
                         "wheel_version": "2.0", "summary": "two"}
    check_record(wheel)
    # Today's installer refuses the major version, as PEP 427/777 require.
    renamed = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    renamed.write_bytes(wheel.read_bytes())
    with pytest.raises(InvalidWheelSource, match=r"Wheel-Version 2\.0"):
        install_into(renamed, tmp_path / "env")


NUMBERS = " ".join(str(n * n) for n in range(50_000))


def test_wheel2_same_spec_same_bytes_and_installs(tmp_path: Path) -> None:
    """The chunked payload is deterministic: same spec, same bytes; it installs file by file."""
    from wheelnext.install.scheme import scheme_for_target
    from wheelnext.install.wheelfile import install_wheel

    spec = make(**{"wheel-version": "2.0", "files": [
        {"path": "demo_pkg/__init__.py", "text": "x = 1\n"},
        {"path": "demo_pkg/run.py", "text": "print(2)\n", "executable": True},
        {"path": "demo_pkg/numbers.txt", "text": NUMBERS},
    ]})
    first = build_dist(spec, tmp_path / "a")
    second = build_dist(spec, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    check_record(first)
    scheme = scheme_for_target(tmp_path / "env")
    install_wheel(first, scheme, compile_bytecode=False)
    installed = tmp_path / "env" / "demo_pkg"
    assert (installed / "numbers.txt").read_text() == NUMBERS
    assert (installed / "run.py").stat().st_mode & 0o111


def test_links_written_and_read_back(tmp_path: Path) -> None:
    spec = make(**{
        "wheel-version": "2.0",
        "files": [{"path": "demo_pkg/libfoo.so.3.1.4", "base64": "AAEC"}],
        "links": [{"path": "demo_pkg/libfoo.so.3", "target": "demo_pkg/libfoo.so.3.1.4"},
                  {"path": "demo_pkg/libfoo.so", "target": "demo_pkg/libfoo.so.3"}],
    })
    wheel = build_dist(spec, tmp_path)
    links = parse_links(members(wheel)["demo_pkg-1.0.dist-info/LINKS"])
    assert [(link.path, link.target) for link in links] == [
        ("demo_pkg/libfoo.so.3", "demo_pkg/libfoo.so.3.1.4"),
        ("demo_pkg/libfoo.so", "demo_pkg/libfoo.so.3"),
    ]


@pytest.mark.parametrize(
    "links",
    [
        [{"path": "demo_pkg/a", "target": "demo_pkg/missing"}],
        [{"path": "demo_pkg/a", "target": "demo_pkg/b"}, {"path": "demo_pkg/b",
                                                         "target": "demo_pkg/a"}],
        [{"path": "demo_pkg/a", "target": "/etc/passwd"}],
        [{"path": "demo_pkg/a", "target": "demo_pkg/../../x"}],
    ],
)
def test_builder_refuses_bad_links(tmp_path: Path, links: list[dict[str, str]]) -> None:
    spec = make(**{"wheel-version": "2.0", "links": links})
    with pytest.raises(InvalidLinks, match=r"^t:dist\[0\]: links: "):
        build_dist(spec, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_generated_file_clash(tmp_path: Path) -> None:
    spec = make(files=[{"path": "demo_pkg-1.0.dist-info/METADATA", "text": "x"}])
    with pytest.raises(SpecError, match="clashes"):
        build_dist(spec, tmp_path)


def test_build_all_is_all_or_nothing(tmp_path: Path) -> None:
    good = make()
    bad = make(**{"wheel-version": "2.0",
                  "links": [{"path": "demo_pkg/a", "target": "demo_pkg/nope"}]})
    with pytest.raises(InvalidLinks):
        build_all([good, bad], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert [p.name for p in build_all([good], tmp_path / "out")] == [
        "demo_pkg-1.0-py3-none-any.whl"
    ]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["demo_pkg-1.0-py3-none-any.whl"]


def test_build_all_refuses_duplicates_and_inconsistent_labels(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="as t:dist"):
        build_all([make(), make()], tmp_path)
    one = make(variant={"label": "v", "properties": ["a :: b :: c"]})
    other = make(tag="py3-none-win_amd64", variant={"label": "v", "properties": ["a :: b :: d"]})
    with pytest.raises(SpecError, match="PEP 825"):
        build_all([one, other], tmp_path)


# --- properties --------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9]{0,6}([-_.][a-z0-9]{1,4})?", fullmatch=True)
versions = st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 20), st.integers(0, 20))
paths = st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.(py|txt|bin)", fullmatch=True)
files = st.lists(
    st.fixed_dictionaries(
        {"path": paths.map(lambda p: f"pkg/{p}")},
        optional={"text": st.text(max_size=40), "executable": st.booleans()},
    ),
    max_size=4,
    unique_by=lambda f: f["path"],
)


@st.composite
def spec_tables(draw: st.DrawFn) -> dict[str, Any]:
    extras = draw(st.lists(st.sampled_from(["a", "b", "cli"]), unique=True, max_size=2))
    table: dict[str, Any] = {
        "name": draw(names),
        "version": draw(versions),
        "wheel-version": draw(st.sampled_from(["1.0", "2.0"])),
        "tag": draw(st.sampled_from(["py3-none-any", "cp311-cp311-linux_x86_64",
                                     "py2.py3-none-any"])),
        "provides-extra": extras,
        "requires-dist": [f"dep{i}; extra == '{e}'" for i, e in enumerate(extras)],
        "default-extra": draw(st.lists(st.sampled_from(extras), unique=True)) if extras else [],
        "files": draw(files),
        "summary": draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs",
                                                                               "Zl", "Zp"]),
                                max_size=20).filter(lambda s: s == s.strip())),
    }
    if draw(st.booleans()):
        table["variant"] = {"label": "v1", "properties": ["x86_64 :: level :: v3"]}
    if draw(st.booleans()):
        table["data"] = [{"scheme": draw(st.sampled_from(["data", "scripts", "headers"])),
                          "path": draw(paths), "text": draw(st.text(max_size=20))}]
    if draw(st.booleans()):
        table["entry-points"] = {"console_scripts": {draw(names): "pkg:main"}}
    return table


@settings(max_examples=25, deadline=None)
@given(table=spec_tables())
def test_same_spec_same_bytes_and_exact_readback(table: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        check_spec(Path(temporary), table)


def check_spec(tmp_path: Path, table: dict[str, Any]) -> None:
    spec = spec_from_mapping(table, source="h:dist[0]")
    first = build_dist(spec, tmp_path / "a")
    second = build_dist(spec_from_mapping(table, source="h:dist[0]"), tmp_path / "b")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()
    parsed = parse_wheel_name(first.name)
    assert parsed.is_wheel2 == (spec.wheel_version == "2.0")
    assert parsed.variant_label == (spec.variant.label if spec.variant else None)
    content = members(first)
    dist_info = next(n.split("/")[0] for n in content if n.endswith(".dist-info/WHEEL"))
    meta = parse_metadata(content[f"{dist_info}/METADATA"])
    assert (meta.name, meta.version, meta.wheel_version) == (
        spec.name, spec.version, spec.wheel_version)
    assert meta.requires_dist == spec.requires_dist
    assert meta.provides_extra == spec.provides_extra
    assert meta.default_extra == spec.default_extra
    assert (meta.summary or "") == (spec.summary or "")
    check_record(first)
    for file in spec.files:
        assert content[file.path] == file.read()
    for item in spec.data:
        data_dir = dist_info.replace(".dist-info", ".data")
        assert content[f"{data_dir}/{item.scheme}/{item.path}"] == item.data
    assert (f"{dist_info}/entry_points.txt" in content) == bool(spec.entry_points)
    if not parsed.is_wheel2 and not parsed.is_variant:
        parse_wheel_filename(first.name)
        install_into(first, tmp_path / "env" / first.name)


def test_specs_made_in_python_are_checked_too(tmp_path: Path) -> None:
    from wheelnext.build import LinkSpec

    with pytest.raises(SpecError, match="links"):
        build_dist(DistSpec("x", "1", links=(LinkSpec("x/a", "x/__init__.py"),)), tmp_path)
    with pytest.raises(SpecError, match="Default-Extra 'gpu'"):
        build_dist(DistSpec("x", "1", default_extra=("gpu",)), tmp_path)
    with pytest.raises(SpecError, match="Default-Extra 'gpu'"):
        build_dist(DistSpec("x", "1", kind="sdist", default_extra=("gpu",)), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("version", "extension", "layout_is_wheel2"),
    [("1.9", ".whl", False), ("1.10", ".whl", False), ("2.1", ".whlx", True),
     ("3.0", ".whlx", True)],
)
def test_other_wheel_versions(
    tmp_path: Path, version: str, extension: str, layout_is_wheel2: bool
) -> None:
    """PEP 777: any MAJOR.MINOR; ``.whlx`` "for all future wheel versions" after 1.x."""
    wheel = build_dist(make(**{"wheel-version": version}), tmp_path)
    assert wheel.name == f"demo_pkg-1.0-py3-none-any{extension}"
    content = members(wheel)
    assert f"Wheel-Version: {version}\n" in content["demo_pkg-1.0.dist-info/WHEEL"].decode()
    assert parse_metadata(content["demo_pkg-1.0.dist-info/METADATA"]).wheel_version == version
    assert ("demo_pkg-1.0.dist-info/METADATA.json" in content) == layout_is_wheel2
    check_record(wheel)


def test_newer_minor_installs_with_installer(tmp_path: Path) -> None:
    """A 1.9 wheel is still a Wheel 1 archive: today's installer accepts it (PEP 427 warns)."""
    wheel = build_dist(make(**{"wheel-version": "1.9"}), tmp_path)
    root = install_into(wheel, tmp_path / "env")
    assert (root / "purelib" / "demo_pkg" / "__init__.py").exists()


def test_metadata_wheel_version_can_be_left_out(tmp_path: Path) -> None:
    """``metadata-wheel-version = false``: METADATA without Wheel-Version, WHEEL unchanged."""
    wheel = build_dist(make(**{"metadata-wheel-version": False}), tmp_path)
    content = members(wheel)
    metadata = content["demo_pkg-1.0.dist-info/METADATA"]
    assert b"Wheel-Version" not in metadata
    assert parse_metadata(metadata).wheel_version is None
    assert b"Wheel-Version: 1.0\n" in content["demo_pkg-1.0.dist-info/WHEEL"]
    # Without the field, METADATA validates with packaging again.
    Metadata.from_email(metadata, validate=True)
    check_record(wheel)
    assert make(**{"metadata-wheel-version": False}) != make()


@pytest.mark.parametrize(
    "requirement",
    [
        "beta; variant_label == 'x86_64_v3'",
        "beta; variant_label == ''",
        "beta; 'nvidia :: sm_arch' in variant_features",
        "beta; 'nvidia' not in variant_namespaces",
        "beta; 'nvidia::sm_arch::120_real' in variant_properties",
        "beta>=1; ('ns' in variant_namespaces or python_version >= '3') and extra == 'x'",
    ],
)
def test_variant_markers_in_requires_dist(tmp_path: Path, requirement: str) -> None:
    """PEP 825 "Environment markers": variant markers are written to METADATA unchanged."""
    spec = make(**{"requires-dist": [requirement], "provides-extra": ["x"]})
    content = members(build_dist(spec, tmp_path))
    meta = parse_metadata(content["demo_pkg-1.0.dist-info/METADATA"])
    assert meta.requires_dist == (requirement,)


def test_a_summary_that_cannot_be_read_back_is_refused() -> None:
    """A METADATA header keeps no surrounding white space (hypothesis found ``' '`` read
    back as ``''``): the builder refuses such a summary instead of changing it."""
    with pytest.raises(WheelnextError, match="summary: leading or trailing white space"):
        spec_from_mapping({"name": "a", "version": "1", "summary": " "}, source="t")
