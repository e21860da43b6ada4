"""Source distributions: a deterministic ``.tar.gz`` that pip can build.

Source distribution format specification: the archive holds one directory
``{name}-{version}`` with ``PKG-INFO`` (core metadata) and ``pyproject.toml``.
Our ``pyproject.toml`` names setuptools as the PEP 517 backend and lists the
packages and modules explicitly, so a frontend builds the same payload; or, with
``build-backend = "minimal"``, our own backend (:mod:`wheelnext.build.minimal_backend`),
whose wheel :func:`minimal_backend_spec` describes.
PEP 777: "Wheel-Version MUST NOT be included in source distribution metadata
(PKG-INFO) files", so it is left out here.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from importlib import resources
from typing import IO

from packaging.requirements import Requirement

from wheelnext.build import minimal_backend
from wheelnext.build.archive import TAR_EPOCH
from wheelnext.build.spec import DistSpec, FileSpec, SpecError
from wheelnext.build.wheel import check_spec, core_metadata, default_module
from wheelnext.filenames import escape_name, sdist_name
from wheelnext.metadata import format_metadata

_EXTRA_MARKER = re.compile(r'^(?:(?P<rest>.*) and )?extra == "(?P<extra>[^"]+)"$')


def _toml_str(value: str) -> str:
    # Written by hand: the standard library reads TOML but cannot write it, and a
    # JSON string is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def split_requirements(spec: DistSpec) -> tuple[list[str], dict[str, list[str]]]:
    """``Requires-Dist`` back to ``dependencies`` and ``optional-dependencies``."""
    dependencies: list[str] = []
    optional: dict[str, list[str]] = {extra: [] for extra in spec.provides_extra}
    for text in spec.requires_dist:
        req = Requirement(text)
        marker = str(req.marker) if req.marker else ""
        if "extra" not in marker:
            dependencies.append(text)
            continue
        match = _EXTRA_MARKER.match(marker)
        rest = match["rest"] if match else None
        if match is None or (rest is not None and ("extra" in rest or " or " in rest)):
            raise SpecError(
                f"{spec.source}: requires-dist: {text!r}: an sdist needs 'extra == \"x\"'"
                " as the last 'and' clause to map it to optional-dependencies"
            )
        req.marker = None
        bare = str(req) + (f"; {rest}" if rest else "")
        optional.setdefault(match["extra"], []).append(bare)
    return dependencies, optional


def minimal_backend_spec() -> DistSpec:
    """The wheel that carries :mod:`wheelnext.build.minimal_backend` as a top-level module."""
    source = resources.files("wheelnext.build").joinpath("minimal_backend.py").read_bytes()
    return DistSpec(
        name=minimal_backend.DIST_NAME,
        version=minimal_backend.DIST_VERSION,
        summary="The minimal PEP 517 backend of wheelnext's conformance scenarios",
        files=(FileSpec(f"{minimal_backend.MODULE}.py", source),),
        source="<minimal backend>",
    )


def minimal_pyproject() -> bytes:
    """PEP 518's ``[build-system]`` naming our minimal backend; the metadata is ``PKG-INFO``."""
    lines = [
        "[build-system]",
        f"requires = {_toml_list([minimal_backend.DIST_NAME])}",
        f"build-backend = {_toml_str(minimal_backend.MODULE)}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def pyproject(spec: DistSpec, files: list[FileSpec]) -> bytes:
    """A ``pyproject.toml`` with setuptools as backend and the spec's project table.

    ``default-optional-dependency-keys`` (PEP 771) is left out: setuptools
    validates ``[project]`` and refuses keys it does not know. ``PKG-INFO``
    still carries ``Default-Extra``.
    """
    dependencies, optional = split_requirements(spec)
    packages = sorted(
        f.path.rsplit("/", 1)[0].replace("/", ".") for f in files if f.path.endswith("/__init__.py")
    )
    modules = sorted(f.path[:-3] for f in files if "/" not in f.path and f.path.endswith(".py"))
    lines = [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_toml_str(spec.name)}",
        f"version = {_toml_str(spec.version)}",
    ]
    if spec.summary is not None:
        lines.append(f"description = {_toml_str(spec.summary)}")
    if spec.requires_python is not None:
        lines.append(f"requires-python = {_toml_str(spec.requires_python)}")
    lines.append(f"dependencies = {_toml_list(dependencies)}")
    if optional:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{_toml_str(extra)} = {_toml_list(reqs)}" for extra, reqs in optional.items()]
    lines += [
        "",
        "[tool.setuptools]",
        f"packages = {_toml_list(packages)}",
        f"py-modules = {_toml_list(modules)}",
        "",
        "[tool.setuptools.package-data]",
        '"*" = ["*"]',
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sdist_members(
    spec: DistSpec, *, pkg_info_wheel_version: str | None = None
) -> tuple[str, list[FileSpec]]:
    """The archive's file name and members (paths include the top directory).

    *pkg_info_wheel_version* exists only so the unsafe builder can break PEP 777's
    "Wheel-Version MUST NOT be included in source distribution metadata (PKG-INFO)".
    """
    check_spec(spec)
    base = f"{escape_name(spec.name)}-{spec.version}"
    files = list(spec.files) or [default_module(spec)]
    generated = {
        "PKG-INFO": format_metadata(core_metadata(spec, wheel_version=pkg_info_wheel_version)),
        "pyproject.toml": minimal_pyproject()
        if spec.build_backend == "minimal"
        else pyproject(spec, files),
    }
    for file in files:
        if file.path in generated:
            raise SpecError(f"{spec.source}: files: {file.path!r} is generated for an sdist")
    members = [FileSpec(f"{base}/{path}", data) for path, data in generated.items()]
    members += [FileSpec(f"{base}/{f.path}", f.read(), f.executable) for f in files]
    return sdist_name(spec.name, spec.version), sorted(members, key=lambda m: m.path)


def write_tar_gz(target: IO[bytes], members: list[FileSpec]) -> None:
    """A gzip'd POSIX tar with fixed times, owners and modes, members in the given order."""
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for member in members:
            info = tarfile.TarInfo(member.path)
            info.size = member.length
            info.mtime = TAR_EPOCH
            info.mode = 0o755 if member.executable else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(member.read()))
