"""Materialize: build each scenario's packages into one directory per index.

Builds are deterministic, so a directory is keyed by the hash of its package
tables and of the builder's own source: a second run finds every directory
already built and does no work at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import wheelnext.build
from wheelnext.build import build_dist
from wheelnext.build.builder import check_consistency
from wheelnext.build.sdist import minimal_backend_spec
from wheelnext.build.spec import DistSpec
from wheelnext.conformance.scenario import IndexDef, Scenario
from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name
from wheelnext.index import variants_file
from wheelnext.xdg import cache_home


class MaterializeError(WheelnextError):
    """A scenario's packages cannot be built."""


@dataclass(frozen=True)
class Materialized:
    """The built index roots of one scenario, by index name."""

    roots: Mapping[str, Path]

    def find(self, filename: str) -> Path | None:
        """A built file by name, from any index (for direct wheel requests)."""
        for root in self.roots.values():
            if (root / filename).is_file():
                return root / filename
        return None


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/wheelnext/conformance`` (built packages, provisioned installers)."""
    return cache_home() / "wheelnext" / "conformance"


@cache
def builder_digest() -> str:
    """A hash of the builder's source: a changed builder rebuilds everything."""
    h = hashlib.sha256()
    for folder in wheelnext.build.__path__:
        for path in sorted(Path(folder).glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def index_key(tables: Iterable[Mapping[str, Any]], extras: Mapping[str, Any] | None = None) -> str:
    """The cache key of one index's package tables (and extra files)."""
    text = json.dumps([list(tables), extras or {}], sort_keys=True, default=str)
    return hashlib.sha256(f"{builder_digest()}\n{text}".encode()).hexdigest()[:32]


def materialize(scenario: Scenario, cache_dir: Path) -> Materialized:
    """Build (or find in *cache_dir*) every index root of *scenario*."""
    roots = {}
    for index in scenario.indexes:
        target = cache_dir / index_key(index.packages, index.extras_key())
        if not target.is_dir():
            cache_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".staging-"))
            try:
                # build_all's own staging folder is redundant inside ours, and costly to remove.
                check_consistency(index.specs)
                for spec in with_build_backend(index.specs):
                    build_dist(spec, staging, allow_unsafe=True)
                write_extras(index, staging)
                os.replace(staging, target)
            except OSError:
                if not target.is_dir():
                    raise
            except WheelnextError as exc:
                raise MaterializeError(str(exc)) from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        roots[index.name] = target
    return Materialized(roots)


def with_build_backend(specs: Sequence[DistSpec]) -> list[DistSpec]:
    """*specs*, plus the minimal backend's wheel when one of them is an sdist that needs it.

    Each index that holds such an sdist serves the backend itself (PEP 518: a frontend
    installs the ``[build-system] requires`` from its indexes), so a scenario stays
    self-contained and offline: no backend comes from the machine's caches.
    """
    if any(s.kind == "sdist" and s.build_backend == "minimal" for s in specs):
        return [*specs, minimal_backend_spec()]
    return list(specs)


def write_extras(index: IndexDef, folder: Path) -> None:
    """The index options that are files: supplied files, yank sidecars, trimmed variants.json."""
    for name, text in index.files.items():
        (folder / name).write_text(text)
    for name, reason in index.yanked.items():
        (folder / f"{name}.yanked").write_text(reason)
    if index.variants_json_omit:
        write_trimmed_variants(folder, set(index.variants_json_omit))


def write_trimmed_variants(folder: Path, omit: set[str]) -> None:
    """Write each release's ``-variants.json`` without the *omit* labels.

    The index server serves a supplied file instead of combining the wheels'
    own (PEP 825 "Index-level metadata"), so a scenario can show an installer an
    index file that lacks a label its wheels carry.
    """
    releases: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".whl", ".whlx")):
            continue
        parsed = parse_wheel_name(path.name)
        if not parsed.is_variant:
            continue
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".dist-info/variant.json"))
            document = json.loads(archive.read(member))
        releases.setdefault((str(parsed.name), str(parsed.version)), []).append(
            (path.name, document)
        )
    for (name, version), documents in releases.items():
        combined = variants_file.combine(documents)
        combined["variants"] = {
            label: value for label, value in combined["variants"].items() if label not in omit
        }
        (folder / variants_file.variants_filename(name, version)).write_bytes(
            variants_file.render(combined)
        )


def materialize_all(scenarios: Iterable[Scenario], cache_dir: Path) -> dict[str, Materialized]:
    """Materialize every scenario; the result is keyed by scenario id."""
    return {s.id: materialize(s, cache_dir) for s in scenarios}
