"""Deliberately broken wheels: reachable only by name, each with exactly its one defect."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from backports.zstd import zipfile as zstd_zipfile

from wheelnext.build import DEFECTS, SpecError, build_all, build_dist, spec_from_mapping
from wheelnext.build.unsafe import (
    BAD_SCHEMA_URL,
    build_hostile,
    hostile_plan,
    hostile_sdist,
    mismatched_label,
)
from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name
from wheelnext.links import InvalidLinks, parse_links, validate_links
from wheelnext.metadata import parse_metadata
from wheelnext.variants.schema import validate_variant_json

DIST_INFO = "demo-1.0.dist-info"


def make(**table: Any) -> Any:
    return spec_from_mapping({"name": "demo", "version": "1.0", **table}, source="t:dist[0]")


def read(path: Path) -> tuple[list[zstd_zipfile.ZipInfo], dict[str, bytes], dict[str, str]]:
    with zstd_zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        content = {i.filename: archive.read(i.filename) for i in infos}
    rows = csv.reader(io.StringIO(content[f"{DIST_INFO}/RECORD"].decode()))
    return infos, content, {row[0]: row[1] for row in rows}


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_spec_defect_refused_without_allow_unsafe(tmp_path: Path) -> None:
    spec = make(**{"unsafe-defect": "path-traversal"})
    with pytest.raises(SpecError, match="unsafe-defect: refused"):
        build_dist(spec, tmp_path)
    with pytest.raises(SpecError, match="allow_unsafe"):
        build_all([spec], tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert build_dist(spec, tmp_path, allow_unsafe=True).exists()


@pytest.mark.parametrize("defect", ["path-traversal", "absolute-path"])
def test_escaping_member_names(tmp_path: Path, defect: str) -> None:
    wheel = build_hostile(make(), tmp_path, defect=defect)
    _, content, record = read(wheel)
    bad = [name for name in content if name.startswith(("/", "../"))]
    assert len(bad) == 1
    # Everything else is honest: the bad member is recorded with its true hash.
    assert all(record[name] == digest(data) for name, data in content.items()
               if not name.endswith("RECORD"))


def test_record_hash_mismatch(tmp_path: Path) -> None:
    _, content, record = read(build_hostile(make(), tmp_path, defect="record-hash-mismatch"))
    wrong = [n for n, d in content.items() if not n.endswith("RECORD") and record[n] != digest(d)]
    assert wrong == ["demo/__init__.py"]


def test_record_hash_same_size(tmp_path: Path) -> None:
    """RECORD's size is true and only its hash is wrong, so a size check alone passes it."""
    wheel = build_hostile(make(), tmp_path, defect="record-hash-same-size")
    _, content, record = read(wheel)
    wrong = [n for n, d in content.items() if not n.endswith("RECORD") and record[n] != digest(d)]
    assert wrong == ["demo/__init__.py"]
    with zstd_zipfile.ZipFile(wheel) as archive:
        rows = csv.reader(io.StringIO(archive.read(f"{DIST_INFO}/RECORD").decode()))
        sizes = {row[0]: row[2] for row in rows}
    assert all(sizes[n] == str(len(d)) for n, d in content.items() if not n.endswith("RECORD"))


def test_record_hash_same_size_needs_a_non_empty_payload_file(tmp_path: Path) -> None:
    spec = make(files=[{"path": "demo/__init__.py", "text": ""}])
    with pytest.raises(SpecError, match="record-hash-same-size needs a non-empty payload file"):
        build_hostile(spec, tmp_path, defect="record-hash-same-size")
    assert list(tmp_path.iterdir()) == []


def test_record_missing_entry(tmp_path: Path) -> None:
    _, content, record = read(build_hostile(make(), tmp_path, defect="record-missing-entry"))
    assert set(content) - set(record) == {"demo/__init__.py"}


def test_default_extra_not_provided(tmp_path: Path) -> None:
    table = {"provides-extra": ["other"], "default-extra": ["ghost"]}
    with pytest.raises(SpecError, match="'ghost' is not listed in provides-extra"):
        make(**table)
    spec = make(**table, **{"unsafe-defect": "default-extra-not-provided"})
    _, content, record = read(build_dist(spec, tmp_path, allow_unsafe=True))
    meta = parse_metadata(content[f"{DIST_INFO}/METADATA"])
    assert (meta.provides_extra, meta.default_extra) == (("other",), ("ghost",))
    assert record[f"{DIST_INFO}/METADATA"] == digest(content[f"{DIST_INFO}/METADATA"])


@pytest.mark.parametrize(("version", "bent"), [("1.0", "2.0"), ("2.0", "3.0")])
def test_wheel_version_mismatch(tmp_path: Path, version: str, bent: str) -> None:
    wheel = build_hostile(make(**{"wheel-version": version}), tmp_path,
                          defect="wheel-version-mismatch")
    _, content, record = read(wheel)
    assert f"Wheel-Version: {version}\n" in content[f"{DIST_INFO}/WHEEL"].decode()
    assert parse_metadata(content[f"{DIST_INFO}/METADATA"]).wheel_version == bent
    assert record[f"{DIST_INFO}/METADATA"] == digest(content[f"{DIST_INFO}/METADATA"])


@pytest.mark.parametrize(("version", "bent"), [("1.0", "1.1"), ("2.0", "2.1"), ("1.9", "1.10")])
def test_wheel_version_minor_mismatch(tmp_path: Path, version: str, bent: str) -> None:
    """Both values share the major version: only PEP 777's match check tells them apart."""
    wheel = build_hostile(make(**{"wheel-version": version}), tmp_path,
                          defect="wheel-version-minor-mismatch")
    _, content, record = read(wheel)
    assert f"Wheel-Version: {version}\n" in content[f"{DIST_INFO}/WHEEL"].decode()
    assert parse_metadata(content[f"{DIST_INFO}/METADATA"]).wheel_version == bent
    assert record[f"{DIST_INFO}/METADATA"] == digest(content[f"{DIST_INFO}/METADATA"])


def test_wheel_version_absent_v2(tmp_path: Path) -> None:
    """A .whlx whose METADATA lacks Wheel-Version (PEP 777 requires it from version 2 on)."""
    with pytest.raises(SpecError, match=r"wheel-version 2\.0 or later"):
        build_hostile(make(), tmp_path, defect="wheel-version-absent-v2")
    wheel = build_hostile(make(**{"wheel-version": "2.0"}), tmp_path,
                          defect="wheel-version-absent-v2")
    assert wheel.name.endswith(".whlx")
    _, content, record = read(wheel)
    assert "Wheel-Version: 2.0\n" in content[f"{DIST_INFO}/WHEEL"].decode()
    assert parse_metadata(content[f"{DIST_INFO}/METADATA"]).wheel_version is None
    assert record[f"{DIST_INFO}/METADATA"] == digest(content[f"{DIST_INFO}/METADATA"])


def test_escaping_links(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"wheel-version 2\.0"):
        build_hostile(make(), tmp_path, defect="escaping-links")
    wheel = build_hostile(make(**{"wheel-version": "2.0"}), tmp_path, defect="escaping-links")
    _, content, _ = read(wheel)
    links = parse_links(content[f"{DIST_INFO}/LINKS"])
    assert {link.target for link in links} == {"../../../../../../etc/passwd", "/etc/passwd"}
    with pytest.raises(InvalidLinks):
        validate_links(links, content)


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    wheel = build_hostile(make(), tmp_path, defect="zip-bomb", bomb_size=8 << 20)
    infos, _, record = read(wheel)
    (bomb,) = [i for i in infos if i.filename == "demo/bomb.bin"]
    assert bomb.file_size == 8 << 20
    assert bomb.file_size / bomb.compress_size > 500
    assert record["demo/bomb.bin"] == digest(bytes(8 << 20))


def test_unknown_defect(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not one of"):
        build_hostile(make(), tmp_path, defect="nonsense")
    assert "zip-bomb" in DEFECTS


VARIANT = {"label": "lbl", "properties": ["ns :: f :: x"]}


def variant_json(path: Path) -> dict[str, Any]:
    _, content, record = read(path)
    data = content[f"{DIST_INFO}/variant.json"]
    assert record[f"{DIST_INFO}/variant.json"] == digest(data)
    document: dict[str, Any] = json.loads(data)
    return document


def test_variant_label_mismatch(tmp_path: Path) -> None:
    """PEP 825 "Variants": the one key must be the filename's label; this one is not."""
    wheel = build_hostile(make(variant=VARIANT), tmp_path, defect="variant-label-mismatch")
    assert wheel.name == "demo-1.0-py3-none-any-lbl.whl"
    document = variant_json(wheel)
    assert document["variants"] == {mismatched_label("lbl"): {"ns": {"f": ["x"]}}}
    assert mismatched_label("mismatch") != "mismatch"
    # Everything else is valid PEP 825 metadata.
    validate_variant_json(document, source="t", kind="wheel")


def test_variant_label_invalid(tmp_path: Path) -> None:
    """PEP 817: a label is "Lower case only"; the defect upper-cases it in the file name and
    in the variant.json, which stays consistent with the name and hashed in RECORD."""
    from wheelnext.build.unsafe import invalid_label

    wheel = build_hostile(make(variant=VARIANT), tmp_path, defect="variant-label-invalid")
    assert wheel.name == "demo-1.0-py3-none-any-LBL.whl"
    assert variant_json(wheel)["variants"] == {"LBL": {"ns": {"f": ["x"]}}}
    assert invalid_label("x86_64_v3") == "X86_64_V3" and invalid_label("123") == "123X"
    with pytest.raises(WheelnextError, match="variant label 'LBL'"):
        parse_wheel_name(wheel.name)


def test_variant_bad_schema(tmp_path: Path) -> None:
    """PEP 825: "Tools MUST reject metadata with a major version number that they do not
    support"; the defect names such a major."""
    wheel = build_hostile(make(variant=VARIANT), tmp_path, defect="variant-bad-schema")
    document = variant_json(wheel)
    assert document["$schema"] == BAD_SCHEMA_URL
    with pytest.raises(WheelnextError, match="major version 99"):
        validate_variant_json(document, source="t", kind="wheel")


def test_variant_inconsistent_lifts_only_the_label_check(tmp_path: Path) -> None:
    """Two wheels, one label, two property sets: refused, unless one carries the defect."""
    first = make(variant=VARIANT)
    second = spec_from_mapping(
        {"name": "demo", "version": "1.0", "tag": "py311-none-any",
         "variant": {"label": "lbl", "properties": ["ns :: f :: y"]}},
        source="t:dist[1]",
    )
    with pytest.raises(SpecError, match="one label, one property set"):
        build_all([first, second], tmp_path / "refused")
    bent = replace(second, unsafe_defect="variant-inconsistent")
    with pytest.raises(SpecError, match="allow_unsafe"):
        build_all([first, bent], tmp_path / "refused")
    built = build_all([first, bent], tmp_path / "out", allow_unsafe=True)
    assert [variant_json(p)["variants"] for p in built] == [
        {"lbl": {"ns": {"f": ["x"]}}}, {"lbl": {"ns": {"f": ["y"]}}}
    ]
    # The defect itself builds the honest wheel, byte for byte.
    plain = build_dist(replace(bent, unsafe_defect=None), tmp_path / "plain")
    assert plain.read_bytes() == built[1].read_bytes()


def test_sdist_wheel_version(tmp_path: Path) -> None:
    """PEP 777: "Wheel-Version MUST NOT be included in source distribution metadata"."""
    spec = make(kind="sdist", **{"unsafe-defect": "sdist-wheel-version"})
    with pytest.raises(SpecError, match="refused"):
        build_dist(spec, tmp_path)
    sdist = build_dist(spec, tmp_path, allow_unsafe=True)
    assert sdist.name == "demo-1.0.tar.gz"
    with tarfile.open(sdist) as archive:
        pkg_info = archive.extractfile("demo-1.0/PKG-INFO")
        assert pkg_info is not None
        meta = parse_metadata(pkg_info.read())
    assert meta.wheel_version == "1.0"
    with pytest.raises(SpecError, match="not a wheel defect"):
        hostile_plan(replace(spec, kind="wheel"), "sdist-wheel-version")
    with pytest.raises(SpecError, match="not an sdist defect"):
        hostile_sdist(spec, "zip-bomb")


@pytest.mark.parametrize("defect", ["variant-label-mismatch", "variant-bad-schema"])
def test_variant_defects_need_a_variant(tmp_path: Path, defect: str) -> None:
    with pytest.raises(SpecError, match="needs a variant"):
        make(**{"unsafe-defect": defect})
    with pytest.raises(SpecError, match="needs a variant"):
        build_hostile(make(), tmp_path, defect=defect)


def test_variant_metadata_missing(tmp_path: Path) -> None:
    """PEP 825: a variant wheel "MUST include a variant metadata file"; the defect leaves it
    out of a wheel whose name keeps the label, and RECORD agrees with what is there."""
    wheel = build_hostile(make(variant=VARIANT), tmp_path, defect="variant-metadata-missing")
    assert wheel.name.endswith("-lbl.whl")
    with zstd_zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record = archive.read(next(n for n in names if n.endswith("/RECORD"))).decode()
    assert not any(n.endswith("/variant.json") for n in names)
    assert "variant.json" not in record
