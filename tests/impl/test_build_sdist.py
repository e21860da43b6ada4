"""Source distributions: deterministic tar, PKG-INFO without Wheel-Version, buildable by pip."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import parse_wheel_filename

from wheelnext.build import SpecError, build_dist, spec_from_mapping
from wheelnext.build.sdist import split_requirements
from wheelnext.isolation import scrubbed_environ
from wheelnext.metadata import parse_metadata


def sdist(**table: Any) -> Any:
    return spec_from_mapping(
        {"name": "Demo.Pkg", "version": "2.0", "kind": "sdist", **table}, source="t:dist[0]"
    )


SPEC = {
    "requires-python": ">=3.8",
    "requires-dist": ["attrs", "rich>=13; extra == 'cli'",
                      "uvloop; sys_platform == 'linux' and extra == 'fast'"],
    "provides-extra": ["cli", "fast"],
    "default-extra": ["cli"],
    "files": [{"path": "demo_pkg/__init__.py", "text": "X = 1\n"},
              {"path": "demo_pkg/data.txt", "text": "data\n"},
              {"path": "helper.py", "text": ""},
              {"path": "bin.sh", "text": "#!/bin/sh\n", "executable": True}],
}


def test_layout_and_determinism(tmp_path: Path) -> None:
    first = build_dist(sdist(**SPEC), tmp_path / "a")
    second = build_dist(sdist(**SPEC), tmp_path / "b")
    assert first.name == "demo_pkg-2.0.tar.gz"
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as archive:
        infos = archive.getmembers()
        names = [i.name for i in infos]
        assert names == sorted(names)
        assert {i.mtime for i in infos} == {315532800}
        assert {(i.uid, i.gid, i.uname, i.gname) for i in infos} == {(0, 0, "", "")}
        modes = {i.name: i.mode for i in infos}
        pkg_info = archive.extractfile("demo_pkg-2.0/PKG-INFO").read()  # type: ignore[union-attr]
        pyproject = tomllib.loads(
            archive.extractfile("demo_pkg-2.0/pyproject.toml").read().decode()  # type: ignore[union-attr]
        )
    assert modes["demo_pkg-2.0/bin.sh"] == 0o755 and modes["demo_pkg-2.0/helper.py"] == 0o644
    meta = parse_metadata(pkg_info)
    # PEP 777: "Wheel-Version MUST NOT be included in source distribution metadata".
    assert meta.wheel_version is None and b"Wheel-Version" not in pkg_info
    assert meta.default_extra == ("cli",) and meta.metadata_version == "2.7"
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    project = pyproject["project"]
    assert project["dependencies"] == ["attrs"]
    assert project["optional-dependencies"] == {
        "cli": ["rich>=13"], "fast": ['uvloop; sys_platform == "linux"']
    }
    assert pyproject["tool"]["setuptools"]["packages"] == ["demo_pkg"]
    assert pyproject["tool"]["setuptools"]["py-modules"] == ["helper"]


def test_requirement_the_pyproject_cannot_express() -> None:
    spec = sdist(**{"requires-dist": ["a; extra == 'x' or python_version < '3'"],
                    "provides-extra": ["x"]})
    with pytest.raises(SpecError, match="requires-dist"):
        split_requirements(spec)


def test_generated_names_clash() -> None:
    with pytest.raises(SpecError, match="PKG-INFO"):
        build_dist(sdist(files=[{"path": "PKG-INFO", "text": ""}]), Path("/nonexistent"))


def test_pip_builds_the_sdist(tmp_path: Path) -> None:
    """pip (no isolation, offline) turns our sdist into a wheel with the same requirements."""
    path = build_dist(sdist(**SPEC), tmp_path / "dist")
    env = scrubbed_environ(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp_path / "wheels"), str(path)],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = os.listdir(tmp_path / "wheels")
    # Older setuptools keep the name unnormalized in the file name; packaging reads both.
    name, version, _, _ = parse_wheel_filename(wheel)
    assert (name, str(version)) == ("demo-pkg", "2.0")
    with zipfile.ZipFile(tmp_path / "wheels" / wheel) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        built = parse_metadata(archive.read(metadata))
    assert {"demo_pkg/__init__.py", "demo_pkg/data.txt", "helper.py"} <= set(names)
    assert sorted(built.requires_dist) == sorted(
        ["attrs", 'rich>=13; extra == "cli"',
         'uvloop; sys_platform == "linux" and extra == "fast"']
    )


@settings(max_examples=20, deadline=None)
@given(
    name=st.from_regex(r"[A-Za-z][a-z0-9]{0,5}([-_.][a-z0-9]{1,3})?", fullmatch=True),
    texts=st.lists(st.text(max_size=30), max_size=3),
    executable=st.booleans(),
)
def test_same_sdist_spec_same_bytes(name: str, texts: list[str], executable: bool) -> None:
    table = {
        "name": name, "version": "1.0", "kind": "sdist",
        "files": [{"path": f"pkg/m{i}.py", "text": t, "executable": executable}
                  for i, t in enumerate(texts)],
    }
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        first = build_dist(spec_from_mapping(table, source="h"), root / "a")
        second = build_dist(spec_from_mapping(table, source="h"), root / "b")
        assert first.read_bytes() == second.read_bytes()
        with tarfile.open(first) as archive:
            meta = parse_metadata(archive.extractfile(  # type: ignore[union-attr]
                f"{first.name[:-len('.tar.gz')]}/PKG-INFO").read())
            for i, text in enumerate(texts):
                member = archive.extractfile(f"{first.name[:-7]}/pkg/m{i}.py")
                assert member is not None and member.read() == text.encode()
    assert (meta.name, meta.version, meta.wheel_version) == (name, "1.0", None)
