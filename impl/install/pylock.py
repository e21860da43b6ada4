"""``pylock.toml`` (PEP 751, the living "pylock.toml Specification"): writing and installing.

Written: ``lock-version = "1.0"``, ``created-by``, ``requires-python`` of the target, and per
package ``name``, ``version``, ``index`` ("The base URL for the package index ... where the
sdist and/or wheels were found": PEP 766, "Cache keys": "lockfiles should now include the index
from which distributions were downloaded"), the selected file (``[[packages.wheels]]`` or
``[packages.sdist]`` with ``url``, ``size`` when known and ``hashes``), ``[packages.variants-json]``
for variant wheels (PEP 825 "Integration with pylock.toml", pruned to the listed labels), and
``[packages.tool.wheelnext]`` (disposable: the index name and the extras chosen).

Installing from a lock does not resolve: "what file to install should be determined in an
offline fashion for reproducibility"; among a package's listed wheels the best one for the
target's tags (and variant properties) is taken.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from wheelnext import inputs
from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name
from wheelnext.install.finder import IndexFile
from wheelnext.install.resolver import Resolution
from wheelnext.install.target import TargetPython
from wheelnext.variants.pylock import (
    format_variants_json,
    read_variants_json,
    variants_json_for_lock,
)

LOCK_VERSION = "1.0"


class InvalidLock(WheelnextError):
    """A ``pylock.toml`` this installer cannot install from."""


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise InvalidLock(f"cannot write {value!r} to TOML")


def format_lock(resolution: Resolution, target: TargetPython) -> str:
    """The text of ``pylock.toml`` for *resolution* (deterministic: packages by name)."""
    lines = [
        f"lock-version = {_toml(LOCK_VERSION)}",
        f"created-by = {_toml('wheelnext')}",
        f"requires-python = {_toml('>=' + target.markers['python_version'])}",
        "",
    ]
    for dist in resolution.dists:
        artifact = dist.artifact
        lines.append("[[packages]]")
        lines.append(f"name = {_toml(dist.name)}")
        lines.append(f"version = {_toml(dist.version)}")
        file = artifact.file
        if file is not None:
            lines.append(f"index = {_toml(file.index_url)}")
        entry: dict[str, Any] = {}
        if file is not None:
            entry["url"] = file.url
            if file.size is not None:
                entry["size"] = file.size
            entry["hashes"] = dict(file.hashes)
        elif artifact.path is not None:
            entry["path"] = str(artifact.path)
        if artifact.is_sdist:
            lines.append("[packages.sdist]")
            lines.append(f"name = {_toml(artifact.filename)}")
        else:
            lines.append("[[packages.wheels]]")
            lines.append(f"name = {_toml(artifact.filename)}")
        lines.extend(f"{key} = {_toml(value)}" for key, value in entry.items())
        if artifact.variant_label is not None and artifact.variants_json is not None:
            table = variants_json_for_lock(artifact.variants_json, [artifact.filename])
            lines.append(format_variants_json(table).rstrip("\n"))
        tool: dict[str, Any] = {}
        if file is not None:
            tool["index-name"] = file.index
        if dist.extras:
            tool["extras"] = sorted(dist.extras)
        if dist.requested:
            tool["requested"] = True
        if tool:
            lines.append("[packages.tool.wheelnext]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in tool.items())
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class LockedFile:
    """The file to install for one locked package."""

    name: NormalizedName
    version: str
    filename: str
    file: IndexFile | None
    path: Path | None
    variant_label: str | None
    requested: bool


def _check_top(data: Mapping[str, Any], source: str, target: TargetPython) -> None:
    version = data.get("lock-version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        # "If a tool doesn't support a major version, it MUST raise an error."
        raise InvalidLock(f"{source}: lock-version {version!r} is not supported (1.x)")
    requires = data.get("requires-python")
    if requires is not None:
        try:
            ok = SpecifierSet(requires).contains(target.python_version, prereleases=True)
        except InvalidSpecifier:
            raise InvalidLock(f"{source}: requires-python {requires!r} is invalid") from None
        if not ok:
            raise InvalidLock(f"{source}: requires-python {requires} excludes Python "
                              f"{target.python_version}")
    environments = data.get("environments")
    if environments:
        try:
            if not any(Marker(m).evaluate(target.environment()) for m in environments):
                raise InvalidLock(f"{source}: no 'environments' marker matches this "
                                  "interpreter")
        except InvalidMarker as exc:
            raise InvalidLock(f"{source}: environments: {exc}") from None


def _choose_wheel(package: Mapping[str, Any], wheels: Sequence[Mapping[str, Any]],
                  target: TargetPython, source: str,
                  supported: Mapping[str, Mapping[str, list[str]]] | None,
                  use_variants: bool) -> Mapping[str, Any]:
    """The best listed wheel. Without *use_variants* (``--no-variants``) the variant wheels
    are passed over and ``[packages.variants-json]`` is not read: PEP 817, "The non-variant
    wheel is also used if variant support is explicitly disabled by an installer flag"."""
    from wheelnext.variants.ordering import OrderingOptions
    from wheelnext.variants.select import select_wheels

    named = {}
    for wheel in wheels:
        name = wheel.get("name") or str(wheel.get("url") or wheel.get("path") or "").rsplit(
            "/", 1)[-1]
        named[name] = wheel
    doc = read_variants_json(package, source=source) if use_variants else None
    doc_map = doc if isinstance(doc, dict) else None
    if supported is None and doc_map is not None:
        import wheelnext.detect  # noqa: F401  (registers the built-in providers)
        from wheelnext.providers.query import QueryOptions, query_metadata

        # PEP 817 "Providers": enable-if is checked "against the environment to which
        # wheels are going to be installed".
        options = QueryOptions.from_user(environment=target.markers)
        supported = query_metadata(doc_map, options).properties
    selection = select_wheels(list(named), doc_map, supported or {}, tags=target.tags,
                              options=OrderingOptions(use_variants=use_variants))
    if selection.best is None:
        raise InvalidLock(f"{source}: {package.get('name')}: no listed wheel fits this "
                          "interpreter" + ("" if use_variants else
                                           " (variant wheels are disabled: --no-variants)"))
    return named[selection.best.filename]


def read_lock(
    path: Path, target: TargetPython,
    supported: Mapping[str, Mapping[str, list[str]]] | None = None,
    *, use_variants: bool = True,
) -> list[LockedFile]:
    """The files to install from *path*, following the specification's installation steps
    (*use_variants* false: ``--no-variants``, only non-variant wheels)."""
    source = str(path)
    data = inputs.read_toml(path, what="lock file", error=InvalidLock)
    _check_top(data, source, target)
    chosen: dict[NormalizedName, LockedFile] = {}
    for position, package in enumerate(data.get("packages", [])):
        where = f"{source}: packages[{position}]"
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise InvalidLock(f"{where}: needs a string 'name'")
        name = canonicalize_name(package["name"])
        marker = package.get("marker")
        if marker and not Marker(marker).evaluate(target.environment()):
            continue
        requires = package.get("requires-python")
        if requires and not SpecifierSet(requires).contains(target.python_version, True):
            raise InvalidLock(f"{where}: requires-python {requires} excludes Python "
                              f"{target.python_version}")
        if name in chosen:
            raise InvalidLock(f"{where}: {name} is listed twice for this environment")
        sources = [key for key in ("vcs", "directory", "archive") if key in package]
        if sources:
            raise InvalidLock(f"{where}: packages.{sources[0]} is not supported")
        wheels = package.get("wheels") or []
        sdist = package.get("sdist")
        if wheels:
            entry = _choose_wheel(package, wheels, target, where, supported, use_variants)
        elif sdist:
            entry = sdist
        else:
            raise InvalidLock(f"{where}: no wheels and no sdist to install")
        filename = entry.get("name") or str(entry.get("url") or entry.get("path")).rsplit(
            "/", 1)[-1]
        tool = (package.get("tool") or {}).get("wheelnext") or {}
        index_url = package.get("index") or ""
        file = None
        local = None
        if entry.get("path"):
            local = (path.parent / entry["path"]).absolute()
            expected = (entry.get("hashes") or {}).get("sha256")
            try:
                data = local.read_bytes()
            except OSError as exc:
                raise InvalidLock(f"{where}: {entry['path']}: cannot read ({exc})") from None
            # "Validate using packages.wheels.size and packages.wheels.hashes."
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise InvalidLock(f"{where}: {entry['path']}: sha256 does not match the lock")
            if entry.get("size") is not None and entry["size"] != len(data):
                raise InvalidLock(f"{where}: {entry['path']}: size does not match the lock")
        elif entry.get("url"):
            file = IndexFile(filename, entry["url"], tool.get("index-name") or index_url,
                             index_url, dict(entry.get("hashes") or {}),
                             size=entry.get("size"))
        else:
            raise InvalidLock(f"{where}: {filename}: neither 'url' nor 'path'")
        if file is not None and not file.sha256:
            raise InvalidLock(f"{where}: {filename}: no sha256 hash to validate against")
        label = parse_wheel_name(filename).variant_label if filename.endswith(
            (".whl", ".whlx")) else None
        chosen[name] = LockedFile(name, str(package.get("version", "")), filename, file, local,
                                  label, bool(tool.get("requested", not tool)))
    return list(chosen.values())


__all__ = ["LOCK_VERSION", "InvalidLock", "LockedFile", "format_lock", "read_lock"]
