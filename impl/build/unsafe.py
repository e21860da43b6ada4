"""Deliberately broken wheels for security scenarios. UNSAFE: never install these.

The only way to get one is to name it: :func:`build_hostile` here, or a spec
with ``unsafe-defect`` built with ``allow_unsafe=True`` (CLI ``--allow-unsafe``).
Each defect breaks exactly one rule and leaves the rest of the artifact valid, so
a scenario observes the installer's (or index's) reaction to that rule alone.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from wheelnext.atomic import write_atomically
from wheelnext.build.sdist import sdist_members, write_tar_gz
from wheelnext.build.spec import (
    DEFECTS,
    SDIST_DEFECTS,
    VARIANT_DEFECTS,
    DistSpec,
    FileSpec,
    SpecError,
)
from wheelnext.build.wheel import (
    Plan,
    dist_info_dir,
    metadata_members,
    payload,
    plan_wheel,
    record_file,
    variant_document,
    with_members,
    write_plan,
)
from wheelnext.filenames import escape_name
from wheelnext.links import Link, format_links

__all__ = [
    "BAD_SCHEMA_URL",
    "BOMB_SIZE",
    "DEFECTS",
    "build_hostile",
    "hostile_plan",
    "hostile_sdist",
    "mismatched_label",
]

#: A PEP 825 ``$schema`` URL of a major version no tool supports (PEP 825, "Variant
#: metadata": "Tools MUST reject metadata with a major version number
#: that they do not support").
BAD_SCHEMA_URL = "https://variants-schema.wheelnext.dev/peps/825/v99.0.0.json"


def mismatched_label(label: str) -> str:
    """A valid variant label other than *label*, for ``variant-label-mismatch``."""
    return "mismatch" if label != "mismatch" else "mismatch2"


def invalid_label(label: str) -> str:
    """*label* made to break PEP 817's label rules ("Lower case only"), for
    ``variant-label-invalid``."""
    return label.upper() if any(c.isalpha() for c in label) else f"{label}X"


def _variant_json(document: dict[str, object]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()

#: Uncompressed size of the zip-bomb member: zeros compress over 1000:1.
BOMB_SIZE = 64 << 20


def _rebuild(spec: DistSpec, plan: Plan, members: list[FileSpec], *, record: bool = True) -> Plan:
    """*members* (without RECORD) plus a RECORD that tells the truth about them."""
    dist_info = dist_info_dir(spec)
    kept = [m for m in members if m.path != f"{dist_info}/RECORD"]
    if record:
        kept.append(record_file(kept, dist_info))
    return with_members(plan, kept)


def hostile_plan(spec: DistSpec, defect: str, *, bomb_size: int = BOMB_SIZE) -> Plan:
    """The plan of *spec*'s wheel with *defect* applied (see :data:`DEFECTS`)."""
    if defect not in DEFECTS:
        raise SpecError(f"{spec.source}: unsafe-defect: {defect!r} is not one of {DEFECTS}")
    if spec.kind != "wheel" or defect in SDIST_DEFECTS:
        raise SpecError(f"{spec.source}: unsafe-defect: {defect!r} is not a wheel defect")
    spec = replace(spec, unsafe_defect=None)
    if defect == "default-extra-not-provided":
        # PEP 771: "Only entries already specified in a Provides-Extra entry can be used in a
        # Default-Extra entry." Planned without the entries, then METADATA written with them.
        plan = plan_wheel(replace(spec, default_extra=()))
        files = payload(spec)
        return _rebuild(spec, plan, files + metadata_members(spec, files))
    if defect == "wheel-version-absent-v2":
        # PEP 777: "for wheels of version 2 or higher, the metadata file **MUST** include
        # ``Wheel-Version``". WHEEL keeps its 2.0; METADATA (and METADATA.json) go without.
        if not spec.is_wheel2:
            raise SpecError(f"{spec.source}: unsafe-defect: wheel-version-absent-v2 needs "
                            "wheel-version 2.0 or later")
        plan = plan_wheel(spec)
        files = payload(spec)
        bare = metadata_members(replace(spec, metadata_wheel_version=False), files)
        return _rebuild(spec, plan, files + bare)
    plan = plan_wheel(spec)
    dist_info = dist_info_dir(spec)
    package = escape_name(spec.name)
    members = list(plan.members)
    record = f"{dist_info}/RECORD"
    if defect == "path-traversal":
        # Binary distribution format: every path is relative to the install root.
        members.append(FileSpec(f"../{package}-traversal.txt", b"escaped via ..\n"))
        return _rebuild(spec, plan, members)
    if defect == "absolute-path":
        members.append(FileSpec(f"/tmp/wheelnext-hostile-{package}-absolute.txt", b"absolute\n"))
        return _rebuild(spec, plan, members)
    if defect == "record-hash-mismatch":
        # Binary distribution format: "installation will fail if any file in the
        # archive is not both mentioned and correctly hashed in RECORD".
        target = next(m for m in members if not m.path.startswith(dist_info + "/"))
        claimed = [replace(m, data=m.read() + b"# tampered\n", size=None) if m is target else m
                   for m in members if m.path != record]
        wrong_record = record_file(claimed, dist_info)
        return with_members(plan, [*(m for m in members if m.path != record), wrong_record])
    if defect == "record-hash-same-size":
        return _same_size_tamper(spec, plan, members)
    if defect == "record-missing-entry":
        target = next(m for m in members if not m.path.startswith(dist_info + "/"))
        listed = [m for m in members if m is not target and m.path != record]
        return with_members(plan, [*(m for m in members if m.path != record),
                                   record_file(listed, dist_info)])
    if defect == "wheel-version-mismatch":
        # PEP 777: "If they do not match, installers MUST abort installation."
        major = int(spec.wheel_version.split(".")[0])
        files = payload(spec)
        bent = metadata_members(spec, files, metadata_wheel_version=f"{major + 1}.0")
        return _rebuild(spec, plan, files + bent)
    if defect == "wheel-version-minor-mismatch":
        # PEP 777 step 1: "If they do not match, installers **MUST** abort installation.
        # Neither value takes precedence." The same major version in both, so reading either
        # one alone installs (at most with a warning): only comparing them refuses.
        same_major, minor = spec.wheel_version.split(".")[:2]
        files = payload(spec)
        bent = metadata_members(spec, files,
                                metadata_wheel_version=f"{same_major}.{int(minor) + 1}")
        return _rebuild(spec, plan, files + bent)
    if defect == "escaping-links":
        # PEP 778, "Security Implications": links must not "point outside of any
        # packages or namespaces coming from the wheel".
        if not spec.is_wheel2:
            raise SpecError(f"{spec.source}: unsafe-defect: escaping-links needs wheel-version 2.0")
        links = [Link(link.path, link.target) for link in spec.links]
        links += [
            Link(f"{package}/escape_relative", "../../../../../../etc/passwd"),
            Link(f"{package}/escape_absolute", "/etc/passwd"),
        ]
        members = [m for m in members if m.path != f"{dist_info}/LINKS"]
        members.append(FileSpec(f"{dist_info}/LINKS", format_links(links)))
        return _rebuild(spec, plan, members)
    if defect in VARIANT_DEFECTS:
        return _variant_defect(spec, plan, members, defect)
    # zip-bomb: one member whose compression ratio is far beyond any real file.
    members.append(FileSpec(f"{package}/bomb.bin", size=bomb_size, fill=0))
    return _rebuild(spec, plan, members)


def _same_size_tamper(spec: DistSpec, plan: Plan, members: list[FileSpec]) -> Plan:
    """``record-hash-same-size``: RECORD hashes the first non-empty payload file as if its
    last byte differed, and gives its true size. Binary distribution format: "installation
    will fail if any file in the archive is not both mentioned and correctly hashed in
    RECORD"; unlike ``record-hash-mismatch`` (a longer file) a size check cannot catch it."""
    dist_info = dist_info_dir(spec)
    record = f"{dist_info}/RECORD"
    target = next((m for m in members if not m.path.startswith(dist_info + "/") and m.length),
                  None)
    if target is None:
        raise SpecError(f"{spec.source}: unsafe-defect: record-hash-same-size needs a "
                        "non-empty payload file")
    data = target.read()
    other = data[:-1] + bytes([data[-1] ^ 1])
    claimed = [replace(m, data=other, size=None) if m is target else m
               for m in members if m.path != record]
    kept = [m for m in members if m.path != record]
    return with_members(plan, [*kept, record_file(claimed, dist_info)])


def _variant_defect(spec: DistSpec, plan: Plan, members: list[FileSpec], defect: str) -> Plan:
    """A variant wheel whose ``variant.json`` breaks one PEP 825 rule."""
    if spec.variant is None:
        raise SpecError(f"{spec.source}: unsafe-defect: {defect!r} needs a variant table")
    if defect == "variant-inconsistent":
        # PEP 825, "Variant label": the property set "MUST be the same for all wheels
        # using the same label within a single package version". The wheel itself is
        # valid; the defect only lifts build_all's cross-wheel check for it, so a
        # second spec can give the same label other properties.
        return plan
    path = f"{dist_info_dir(spec)}/variant.json"
    if defect == "variant-metadata-missing":
        # PEP 825, "Variant wheel": a variant wheel "MUST include a variant metadata
        # file, which maps the variant label to zero or more variant properties".
        return _rebuild(spec, plan, [m for m in members if m.path != path])
    document = variant_document(spec)
    if defect == "variant-label-invalid":
        # PEP 817, "Extended wheel filename": "The label MUST adhere to the following rules:
        # Lower case only [...]". The file name and its variant.json name the same label,
        # upper-cased, so only the label rules are broken.
        label = spec.variant.label
        bad = invalid_label(label)
        variants = document["variants"]
        assert isinstance(variants, dict)
        document["variants"] = {bad: variants[label]}
        members = [FileSpec(path, _variant_json(document)) if m.path == path else m
                   for m in members]
        stem, suffix = plan.filename.rsplit(".", 1)
        if not stem.endswith(f"-{label}"):
            raise SpecError(f"{spec.source}: unsafe-defect: {defect!r}: the file name "
                            f"{plan.filename!r} does not end with the label")
        renamed = replace(plan, filename=f"{stem[: -len(label)]}{bad}.{suffix}")
        return _rebuild(spec, renamed, members)
    if defect == "variant-label-mismatch":
        # PEP 825, "Variants": in a wheel's variant.json, "it MUST contain exactly
        # one entry, whose key is the variant label present in that wheel's filename".
        variants = document["variants"]
        assert isinstance(variants, dict)
        document["variants"] = {mismatched_label(spec.variant.label): variants[spec.variant.label]}
    else:
        document["$schema"] = BAD_SCHEMA_URL
    members = [FileSpec(path, _variant_json(document)) if m.path == path else m for m in members]
    return _rebuild(spec, plan, members)


def hostile_sdist(spec: DistSpec, defect: str) -> tuple[str, list[FileSpec]]:
    """The file name and members of *spec*'s sdist with *defect* applied (:data:`SDIST_DEFECTS`)."""
    if spec.kind != "sdist" or defect not in SDIST_DEFECTS:
        raise SpecError(f"{spec.source}: unsafe-defect: {defect!r} is not an sdist defect")
    # sdist-wheel-version. PEP 777: "Wheel-Version MUST NOT be included in source
    # distribution metadata (PKG-INFO) files. If a tool encounters Wheel-Version inside
    # of a source distribution metadata file, it SHOULD raise an error."
    return sdist_members(replace(spec, unsafe_defect=None), pkg_info_wheel_version="1.0")


def build_hostile(
    spec: DistSpec, outdir: Path, *, defect: str, bomb_size: int = BOMB_SIZE
) -> Path:
    """Write *spec*'s wheel or sdist with *defect* into *outdir*. UNSAFE by design."""
    if spec.kind == "sdist":
        filename, members = hostile_sdist(spec, defect)
        return write_atomically(
            Path(outdir) / filename,
            lambda target: write_tar_gz(target, members),
            mode=0o644,
            suffix=".part",
        )
    return write_plan(hostile_plan(spec, defect, bomb_size=bomb_size), outdir)
