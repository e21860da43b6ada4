"""Deliberately broken wheels: reachable only by name, each with exactly its one defect."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from backports.zstd import zipfile as zstd_zipfile

from wheelnext.build import DEFECTS, SpecError, build_all, build_dist, spec_from_mapping
from wheelnext.build.unsafe import build_hostile
from wheelnext.links import InvalidLinks, parse_links, validate_links
from wheelnext.metadata import parse_metadata

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


def test_record_missing_entry(tmp_path: Path) -> None:
    _, content, record = read(build_hostile(make(), tmp_path, defect="record-missing-entry"))
    assert set(content) - set(record) == {"demo/__init__.py"}


@pytest.mark.parametrize(("version", "bent"), [("1.0", "2.0"), ("2.0", "3.0")])
def test_wheel_version_mismatch(tmp_path: Path, version: str, bent: str) -> None:
    wheel = build_hostile(make(**{"wheel-version": version}), tmp_path,
                          defect="wheel-version-mismatch")
    _, content, record = read(wheel)
    assert f"Wheel-Version: {version}\n" in content[f"{DIST_INFO}/WHEEL"].decode()
    assert parse_metadata(content[f"{DIST_INFO}/METADATA"]).wheel_version == bent
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
