"""The ``pylock.toml`` of a scenario's ``[request.lock]``, written from the wheels it built.

PEP 825, "Integration with pylock.toml": "Variant wheels can be listed in ``pylock.toml``
file in the same manner as wheels with different Platform compatibility tags: either all
variant (and non-variant) wheels can be listed, or a subset of them." The harness lists all
of them, so that the installer has a choice to make ("If variant wheels are listed, the tool
SHOULD resolve variants to select the best wheel file").

Wheel 2.0 and later files (``.whlx``, PEP 777) are listed like ``.whl`` ones
(``[[packages.wheels]]`` is "for recording the wheel files as specified by
binary-distribution-format"), so a scenario can lock a wheel whose Wheel-Version the
installer must refuse at installation.

Each wheel is copied beside the lock file and listed by relative ``path`` (the pylock
specification: "If the path is relative it MUST be relative to the location of this file"),
with its ``size`` and sha256 ``hashes``: the installer sees its job folder in every runner,
while the package cache may be hidden from it. The ``[packages.variants-json]``
table is the one ``wheelnext lock`` writes (:func:`wheelnext.variants.pylock.variants_json_for_lock`
over the wheels' combined ``variant.json``), unless the scenario gives its own, as a scenario
testing "Tools that support variant-aware resolution MUST validate this table against the
referenced schema" does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from wheelnext.conformance.errors import RunnerError
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.scenario import LockRequest
from wheelnext.filenames import parse_wheel_name
from wheelnext.index import variants_file
from wheelnext.variants.pylock import format_variants_json, variants_json_for_lock
from wheelnext.variants.wheelfile import read_wheel_variant_json

#: The folder beside the lock file that holds the listed wheels.
WHEELS = "wheels"


def lock_path(folder: Path) -> Path:
    """Where :func:`write_lock` writes the lock file of a job whose work folder is *folder*."""
    return folder / "pylock.toml"


def write_lock(lock: LockRequest, roots: Materialized, folder: Path, scenario: Path) -> Path:
    """``folder/pylock.toml`` and the wheels it lists (in ``folder/wheels``)."""
    target = lock_path(folder)
    text = lock_text(lock, roots, scenario)
    (folder / WHEELS).mkdir(parents=True, exist_ok=True)
    for name in lock.packages:
        for path in _wheels(roots, name):
            shutil.copyfile(path, folder / WHEELS / path.name)
    target.write_text(text, encoding="utf-8")
    return target


def _wheels(roots: Materialized, project: str) -> list[Path]:
    name = canonicalize_name(project)
    return sorted(
        (path for root in roots.roots.values() for path in root.iterdir()
         if path.name.endswith((".whl", ".whlx")) and parse_wheel_name(path.name).name == name),
        key=lambda p: p.name,
    )  # fmt: skip


def lock_text(lock: LockRequest, roots: Materialized, scenario: Path) -> str:
    """The text of the lock file; a project with no built wheel, or two versions, is refused."""
    lines = ['lock-version = "1.0"', 'created-by = "wheelnext conformance"']
    for project in lock.packages:
        name = canonicalize_name(project)
        wheels = _wheels(roots, project)
        versions = {str(parse_wheel_name(p.name).version) for p in wheels}
        if len(versions) != 1:
            raise RunnerError(f"{scenario}: request.lock: {project}: expected the wheels of one "
                              f"version, built: {sorted(versions) or 'none'}")
        lines += ["", "[[packages]]", f"name = {json.dumps(str(name))}",
                  f"version = {json.dumps(versions.pop())}"]  # fmt: skip
        for path in wheels:
            data = path.read_bytes()
            lines += ["", "[[packages.wheels]]", f"name = {json.dumps(path.name)}",
                      f"path = {json.dumps(f'{WHEELS}/{path.name}')}", f"size = {len(data)}",
                      f'hashes = {{ sha256 = "{hashlib.sha256(data).hexdigest()}" }}']  # fmt: skip
        table = lock.variants_json.get(project)
        if table is None:
            table = _variants_json(wheels)
        if table is not None:
            lines += ["", format_variants_json(table).rstrip("\n")]
    return "\n".join(lines) + "\n"


def _variants_json(wheels: list[Path]) -> Mapping[str, Any] | None:
    """What ``wheelnext lock`` writes for these wheels: their combined metadata, pruned to them."""
    variant = [p for p in wheels if parse_wheel_name(p.name).is_variant]
    if not variant:
        return None
    combined = variants_file.combine([(p.name, read_wheel_variant_json(p)) for p in variant])
    return variants_json_for_lock(combined, [p.name for p in wheels])
