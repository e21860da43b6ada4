"""Write distribution files from specs: one at a time or a whole spec file, atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from wheelnext.atomic import write_atomically
from wheelnext.build.sdist import sdist_members, write_tar_gz
from wheelnext.build.spec import DistSpec, SpecError
from wheelnext.build.unsafe import build_hostile
from wheelnext.build.wheel import plan_wheel, wheel_filename, write_plan


def output_name(spec: DistSpec) -> str:
    """The file name :func:`build_dist` would write for *spec*."""
    if spec.kind == "sdist":
        return sdist_members(spec)[0]
    return wheel_filename(spec)


def build_dist(spec: DistSpec, outdir: Path, *, allow_unsafe: bool = False) -> Path:
    """Build the distribution *spec* describes into *outdir*; return the written file.

    A spec with ``unsafe_defect`` is refused unless *allow_unsafe* is true; it
    is then built by :func:`wheelnext.build.unsafe.build_hostile`.
    """
    if spec.unsafe_defect is not None:
        if not allow_unsafe:
            raise SpecError(
                f"{spec.source}: unsafe-defect: refused to build a deliberately broken"
                " artifact without allow_unsafe=True (CLI: --allow-unsafe)"
            )
        return build_hostile(spec, outdir, defect=spec.unsafe_defect)
    if spec.kind == "sdist":
        filename, members = sdist_members(spec)
        return write_atomically(
            Path(outdir) / filename,
            lambda target: write_tar_gz(target, members),
            mode=0o644,
            suffix=".part",
        )
    return write_plan(plan_wheel(spec), outdir)


def check_consistency(specs: Sequence[DistSpec]) -> None:
    """Refuse two specs with one output name, or one variant label with two property sets.

    PEP 825, "Variant label": "Every variant label MUST uniquely correspond to a
    specific set of variant properties, which MUST be the same for all wheels
    using the same label within a single package version." A spec with the unsafe
    ``variant-inconsistent`` defect is exempt from that check, on purpose.
    """
    names: dict[str, DistSpec] = {}
    labels: dict[tuple[str, str, str], DistSpec] = {}
    for spec in specs:
        if spec.unsafe_defect is None:
            name = output_name(spec)
            if name in names:
                raise SpecError(f"{spec.source}: builds {name}, as {names[name].source} does")
            names[name] = spec
        if spec.variant is not None and spec.unsafe_defect != "variant-inconsistent":
            key = (canonicalize_name(spec.name), spec.version, spec.variant.label)
            other = labels.setdefault(key, spec)
            assert other.variant is not None
            if set(other.variant.properties) != set(spec.variant.properties):
                raise SpecError(
                    f"{spec.source}: variant: label {spec.variant.label!r} has other properties"
                    f" in {other.source} (PEP 825: one label, one property set)"
                )


def build_all(
    specs: Iterable[DistSpec], outdir: Path, *, allow_unsafe: bool = False
) -> list[Path]:
    """Build every spec into *outdir*: all of them, or (on any error) none of them."""
    specs = list(specs)
    check_consistency(specs)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=outdir, prefix=".wheelnext-build-"))
    try:
        built = [build_dist(spec, staging, allow_unsafe=allow_unsafe) for spec in specs]
        results = []
        for path in built:
            final = outdir / path.name
            os.replace(path, final)
            results.append(final)
        return results
    finally:
        shutil.rmtree(staging, ignore_errors=True)
