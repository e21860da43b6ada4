"""The minimal PEP 517 backend that scenario indexes serve: sdist in, valid wheel out."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from installer.sources import WheelFile

from wheelnext.build import SpecError, build_dist, spec_from_mapping
from wheelnext.build.sdist import minimal_backend_spec
from wheelnext.isolation import scrubbed_environ
from wheelnext.metadata import parse_metadata

SPEC = {
    "name": "Demo.Pkg",
    "version": "2.0",
    "kind": "sdist",
    "build-backend": "minimal",
    "requires-dist": ["beta", "gamma; extra == 'recommended'"],
    "provides-extra": ["recommended"],
    "default-extra": ["recommended"],
    "files": [{"path": "demo_pkg/__init__.py", "text": "X = 1\n"},
              {"path": "demo_pkg/sub/data.txt", "text": "data\n"}],
}


def unpacked_sdist(tmp_path: Path) -> Path:
    path = build_dist(spec_from_mapping(SPEC, source="t"), tmp_path / "dist")
    with tarfile.open(path) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    return tmp_path / "src" / "demo_pkg-2.0"


def test_the_sdist_names_the_minimal_backend(tmp_path: Path) -> None:
    pyproject = tomllib.loads((unpacked_sdist(tmp_path) / "pyproject.toml").read_text())
    assert pyproject == {"build-system": {"requires": ["wheelnext-minimal-backend"],
                                          "build-backend": "wheelnext_minimal_backend"}}


def test_build_wheel_writes_a_valid_wheel_with_pkg_info_as_metadata(tmp_path: Path) -> None:
    """Run the hooks as a frontend does: in the source tree, in a fresh interpreter, with
    only the backend's own wheel (what the index serves) on the path."""
    source = unpacked_sdist(tmp_path)
    backend = build_dist(minimal_backend_spec(), tmp_path / "backend")
    out = tmp_path / "out"
    out.mkdir()
    code = ("import sys, wheelnext_minimal_backend as b; "
            "print(b.build_wheel(sys.argv[1])); print(b.build_sdist(sys.argv[1]))")
    env = {**scrubbed_environ(tmp_path / "home"), "PYTHONPATH": os.fspath(backend)}
    done = subprocess.run([sys.executable, "-c", code, os.fspath(out)],
                          cwd=source, env=env, capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    wheel_name, sdist_name = done.stdout.split()
    assert (wheel_name, sdist_name) == ("demo_pkg-2.0-py3-none-any.whl", "demo_pkg-2.0.tar.gz")
    with zipfile.ZipFile(out / wheel_name) as archive:
        WheelFile(archive).validate_record()
        names = set(archive.namelist())
        meta = parse_metadata(archive.read("demo_pkg-2.0.dist-info/METADATA"))
    assert {"demo_pkg/__init__.py", "demo_pkg/sub/data.txt"} <= names
    assert not {"PKG-INFO", "pyproject.toml"} & names
    assert meta.default_extra == ("recommended",)
    with tarfile.open(out / sdist_name) as archive:
        assert "demo_pkg-2.0/PKG-INFO" in archive.getnames()


def test_build_backend_is_for_sdists_only() -> None:
    with pytest.raises(SpecError, match="build-backend: only meaningful for kind = 'sdist'"):
        spec_from_mapping({"name": "a", "version": "1", "build-backend": "minimal"}, source="t")
    with pytest.raises(SpecError, match="build-backend: 'flit'"):
        spec_from_mapping({"name": "a", "version": "1", "kind": "sdist",
                           "build-backend": "flit"}, source="t")
