"""The declarative build spec: one frozen :class:`DistSpec` per distribution file.

A spec comes from a TOML table (``[[dist]]`` in a spec file, or the same table
embedded in a conformance scenario) or is built directly in Python. Every key
of the table is documented in ``docs/components/build.rst``; the parser here
refuses unknown keys so a typo never silently builds the wrong artifact.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import parse_tag
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext import inputs
from wheelnext.errors import WheelnextError
from wheelnext.filenames import NULL_LABEL, validate_variant_label
from wheelnext.variants.markers import InvalidVariantMarker, requirement_applies
from wheelnext.variants.markers import uses_variant_markers as marker_uses

Kind = Literal["wheel", "sdist"]
#: The PEP 517 backends an sdist's ``pyproject.toml`` can name: setuptools, or our minimal
#: backend (:mod:`wheelnext.build.minimal_backend`), which conformance scenarios serve from
#: their own index so that building the sdist needs nothing from outside.
BUILD_BACKENDS = ("setuptools", "minimal")
#: Install scheme keys a wheel's ``.data/`` directory may hold (binary distribution format).
SCHEMES = ("data", "headers", "platlib", "purelib", "scripts")
#: Wheel versions whose layout this builder defines: 1.0 (binary distribution format) and
#: 2.0, our prototype (no PEP defines its content). Any other ``MAJOR.MINOR`` is written
#: with the layout of its major (1.x as 1.0, 2.x and later as the 2.0 prototype) so that
#: scenarios can offer a newer minor or an unknown major (PEP 777).
WHEEL_VERSIONS = ("1.0", "2.0")
_WHEEL_VERSION_RE = re.compile(r"^([1-9]\d*)\.(0|[1-9]\d*)$")
#: PEP 825, "Variant properties": namespace and feature ``^[a-z0-9_]+$``, value ``^[a-z0-9_.]+$``.
_PROPERTY_RE = re.compile(r"^([a-z0-9_]+) :: ([a-z0-9_]+) :: ([a-z0-9_.]+)$")
_NAMESPACE_RE = re.compile(r"^[a-z0-9_]+$")
_CHUNK = 1 << 20
#: Defects :mod:`wheelnext.build.unsafe` can build into a wheel (security and
#: invalid-metadata scenarios only).
WHEEL_DEFECTS = (
    "path-traversal",
    "absolute-path",
    "record-hash-mismatch",
    "record-missing-entry",
    "wheel-version-mismatch",
    "record-hash-same-size",
    "wheel-version-minor-mismatch",
    "wheel-version-absent-v2",
    "escaping-links",
    "zip-bomb",
    "variant-label-mismatch",
    "variant-bad-schema",
    "variant-inconsistent",
    "variant-metadata-missing",
    "variant-label-invalid",
    "default-extra-not-provided",
)
#: Defects :mod:`wheelnext.build.unsafe` can build into an sdist.
SDIST_DEFECTS = ("sdist-wheel-version",)
#: Every defect, wheel defects first.
DEFECTS = WHEEL_DEFECTS + SDIST_DEFECTS
#: Defects that need a ``variant`` table.
VARIANT_DEFECTS = (
    "variant-label-mismatch", "variant-bad-schema", "variant-inconsistent",
    "variant-metadata-missing", "variant-label-invalid",
)


class SpecError(WheelnextError):
    """A build spec is invalid; the message names the spec location and field."""


@dataclass(frozen=True)
class FileSpec:
    """One payload file at *path* (archive-relative, ``/``-separated).

    The content is *data*, or, when *size* is set, *size* copies of the byte
    *fill* (large or highly compressible members without holding them twice).
    """

    path: str
    data: bytes = b""
    executable: bool = False
    size: int | None = None
    fill: int = 0

    @property
    def length(self) -> int:
        return len(self.data) if self.size is None else self.size

    def chunks(self) -> Iterator[bytes]:
        """The content in pieces of at most one MiB."""
        if self.size is None:
            yield self.data
            return
        block = bytes([self.fill]) * min(self.size, _CHUNK)
        left = self.size
        while left > 0:
            yield block[: min(left, _CHUNK)]
            left -= _CHUNK

    def read(self) -> bytes:
        return b"".join(self.chunks())


@dataclass(frozen=True)
class DataFileSpec:
    """A file under ``{name}-{version}.data/{scheme}/{path}``."""

    scheme: str
    path: str
    data: bytes = b""
    executable: bool = False

    def as_file(self, data_dir: str) -> FileSpec:
        return FileSpec(f"{data_dir}/{self.scheme}/{self.path}", self.data, self.executable)


@dataclass(frozen=True)
class LinkSpec:
    """A PEP 778 link: *path* becomes a link pointing at *target* (both wheel-root relative)."""

    path: str
    target: str


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: ``name = value`` in ``[group]`` of ``entry_points.txt``."""

    group: str
    name: str
    value: str


@dataclass(frozen=True)
class VariantSpec:
    """PEP 825 variant: the label and its properties ``namespace :: feature :: value``."""

    label: str
    properties: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()

    @property
    def is_null(self) -> bool:
        return self.label == NULL_LABEL

    def priority_namespaces(self) -> tuple[str, ...]:
        """``default-priorities.namespace``: the given order, then unlisted used namespaces."""
        order = list(self.namespaces)
        for prop in sorted(self.properties):
            namespace = prop.split(" :: ")[0]
            if namespace not in order:
                order.append(namespace)
        return tuple(order)

    def feature_map(self) -> dict[str, dict[str, list[str]]]:
        """The ``variants[label]`` value: namespace -> feature -> sorted values."""
        result: dict[str, dict[str, list[str]]] = {}
        for prop in self.properties:
            namespace, feature, value = prop.split(" :: ")
            values = result.setdefault(namespace, {}).setdefault(feature, [])
            if value not in values:
                values.append(value)
        return {
            ns: {feat: sorted(vals) for feat, vals in sorted(feats.items())}
            for ns, feats in sorted(result.items())
        }


@dataclass(frozen=True)
class DistSpec:
    """Everything needed to write one distribution file, byte for byte."""

    name: str
    version: str
    kind: Kind = "wheel"
    wheel_version: str = "1.0"
    metadata_wheel_version: bool = True
    tag: str = "py3-none-any"
    build_tag: str | None = None
    root_is_purelib: bool | None = None
    metadata_version: str | None = None
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()
    provides_extra: tuple[str, ...] = ()
    default_extra: tuple[str, ...] = ()
    summary: str | None = None
    description: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    entry_points: tuple[EntryPoint, ...] = ()
    variant: VariantSpec | None = None
    files: tuple[FileSpec, ...] = ()
    data: tuple[DataFileSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    unsafe_defect: str | None = None
    build_backend: str = "setuptools"
    source: str = field(default="<python>", compare=False)

    @property
    def wheel_major(self) -> int:
        return int(self.wheel_version.split(".")[0])

    @property
    def is_wheel2(self) -> bool:
        """Major 2 or later: ``.whlx`` and the prototype layout.

        PEP 777, "First Major Version Bump Must Change File Extension": the
        extension changes "from ``.whl`` to ``.whlx`` for all future wheel versions".
        """
        return self.wheel_major >= 2

    @property
    def purelib(self) -> bool:
        """``Root-Is-Purelib``: as given, else true exactly for platform ``any`` wheels."""
        if self.root_is_purelib is not None:
            return self.root_is_purelib
        return self.tag.rsplit("-", 1)[-1] == "any"


# --- parsing ---------------------------------------------------------------

_KEYS = {
    "name", "version", "kind", "wheel-version", "metadata-wheel-version", "tag", "build-tag",
    "root-is-purelib",
    "metadata-version", "requires-python", "requires-dist", "provides-extra", "default-extra",
    "default-optional-dependency-keys", "summary", "description", "metadata", "entry-points",
    "variant", "files", "data", "links", "unsafe-defect", "build-backend",
}
_FILE_KEYS = {"path", "text", "base64", "size", "fill", "executable"}
_DATA_KEYS = {"scheme", "path", "text", "base64", "executable"}


class _Reader:
    """Typed access to one table, every error naming ``source`` and the field."""

    def __init__(self, data: Mapping[str, Any], source: str, allowed: set[str]) -> None:
        if not isinstance(data, Mapping):
            raise SpecError(f"{source}: expected a table, got {type(data).__name__}")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SpecError(f"{source}: unknown key {unknown[0]!r}")
        self.data = data
        self.source = source

    def fail(self, key: str, why: str) -> SpecError:
        return SpecError(f"{self.source}: {key}: {why}")

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {type(value).__name__}")
        return value

    def required_str(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise self.fail(key, "required")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, f"expected an integer, got {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected an array of strings")
        return tuple(value)

    def tables(self, key: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "expected an array of tables")
        return [(f"{self.source}.{key}[{i}]", item) for i, item in enumerate(value)]


def _content(r: _Reader) -> bytes:
    text, b64 = r.text("text"), r.text("base64")
    if text is not None and b64 is not None:
        raise r.fail("text", "give either text or base64, not both")
    if b64 is not None:
        try:
            return base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise r.fail("base64", f"not valid base64 ({exc})") from None
    return (text or "").encode("utf-8")


def _archive_path(r: _Reader, key: str = "path") -> str:
    """A member path: relative, ``/``-separated, no ``.``/``..`` parts (safe by construction)."""
    path = r.required_str(key)
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise r.fail(key, f"{path!r} must be a relative '/'-separated path without '.' or '..'")
    return path


def _file(source: str, data: Mapping[str, Any]) -> FileSpec:
    r = _Reader(data, source, _FILE_KEYS)
    path = _archive_path(r)
    size = r.integer("size")
    fill = r.integer("fill")
    if size is not None:
        if size < 0:
            raise r.fail("size", "must not be negative")
        if r.text("text") is not None or r.text("base64") is not None:
            raise r.fail("size", "give size (with fill) or text/base64, not both")
        if fill is not None and not 0 <= fill <= 255:
            raise r.fail("fill", "must be a byte value 0-255")
    elif fill is not None:
        raise r.fail("fill", "only meaningful together with size")
    return FileSpec(path, _content(r), bool(r.flag("executable", False)), size, fill or 0)


def _data_file(source: str, data: Mapping[str, Any]) -> DataFileSpec:
    r = _Reader(data, source, _DATA_KEYS)
    scheme = r.required_str("scheme")
    if scheme not in SCHEMES:
        raise r.fail("scheme", f"{scheme!r} is not one of {', '.join(SCHEMES)}")
    return DataFileSpec(scheme, _archive_path(r), _content(r), bool(r.flag("executable", False)))


def _link(source: str, data: Mapping[str, Any]) -> LinkSpec:
    r = _Reader(data, source, {"path", "target"})
    return LinkSpec(r.required_str("path"), r.required_str("target"))


def _variant(source: str, data: Mapping[str, Any]) -> VariantSpec:
    r = _Reader(data, source, {"label", "properties", "namespaces"})
    label = r.required_str("label")
    try:
        validate_variant_label(label)
    except WheelnextError as exc:
        raise r.fail("label", str(exc)) from None
    properties = r.strings("properties")
    for prop in properties:
        if not _PROPERTY_RE.match(prop):
            raise r.fail(
                "properties",
                f"{prop!r} is not 'namespace :: feature :: value' (PEP 825 character rules)",
            )
    if len(set(properties)) != len(properties):
        raise r.fail("properties", "a property is listed twice")
    if label == NULL_LABEL and properties:
        raise r.fail("properties", "the null variant has zero properties (PEP 825)")
    namespaces = r.strings("namespaces")
    for namespace in namespaces:
        if not _NAMESPACE_RE.match(namespace):
            raise r.fail("namespaces", f"{namespace!r} does not match ^[a-z0-9_]+$")
    if len(set(namespaces)) != len(namespaces):
        raise r.fail("namespaces", "a namespace is listed twice")
    spec = VariantSpec(label, properties, namespaces)
    if not spec.priority_namespaces():
        raise r.fail(
            "namespaces",
            "required for a variant without properties: default-priorities.namespace "
            "must not be empty (PEP 825)",
        )
    return spec


def _entry_points(r: _Reader) -> tuple[EntryPoint, ...]:
    value = r.data.get("entry-points", {})
    if not isinstance(value, Mapping):
        raise r.fail("entry-points", "expected a table of groups")
    points: list[EntryPoint] = []
    for group, entries in value.items():
        if not isinstance(entries, Mapping) or not all(
            isinstance(v, str) for v in entries.values()
        ):
            raise r.fail(f"entry-points.{group}", "expected a table of name = 'module:attr'")
        points.extend(EntryPoint(group, name, ref) for name, ref in entries.items())
    return tuple(points)


def _summary(r: _Reader) -> str | None:
    """Core metadata's ``Summary``: "A one-line summary of what the distribution does." A
    header value keeps no leading or trailing white space, so such a summary could not be
    read back as written: refused rather than changed."""
    value = r.text("summary")
    if value is not None and value != value.strip():
        raise r.fail("summary", "leading or trailing white space does not survive METADATA")
    return value


def _headers(r: _Reader) -> tuple[tuple[str, str], ...]:
    value = r.data.get("metadata", {})
    if not isinstance(value, Mapping):
        raise r.fail("metadata", "expected a table of header = value or [values]")
    headers: list[tuple[str, str]] = []
    for key, item in value.items():
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*$", key):
            raise r.fail(f"metadata.{key}", "not a valid header name")
        values = item if isinstance(item, list) else [item]
        if not all(isinstance(v, str) and "\n" not in v for v in values):
            raise r.fail(f"metadata.{key}", "expected a one-line string or array of them")
        headers.extend((key, v) for v in values)
    return tuple(headers)


def spec_from_mapping(data: Mapping[str, Any], *, source: str) -> DistSpec:
    """Turn one spec table into a :class:`DistSpec`, or raise :class:`SpecError`."""
    r = _Reader(data, source, _KEYS)
    name = r.required_str("name")
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        raise r.fail("name", f"{name!r} is not a valid project name") from None
    version = r.required_str("version")
    try:
        version = str(Version(version))
    except InvalidVersion:
        raise r.fail("version", f"{version!r} is not a valid version (PEP 440)") from None
    kind = r.text("kind", "wheel")
    if kind not in ("wheel", "sdist"):
        raise r.fail("kind", f"{kind!r}: expected 'wheel' or 'sdist'")
    wheel_version = r.text("wheel-version", "1.0") or "1.0"
    if not _WHEEL_VERSION_RE.match(wheel_version):
        raise r.fail("wheel-version", f"{wheel_version!r}: expected MAJOR.MINOR, e.g. 1.0 or 2.0")
    tag = r.text("tag", "py3-none-any") or ""
    if tag.count("-") != 2 or not all(tag.split("-")):
        raise r.fail("tag", f"{tag!r}: expected python-abi-platform")
    try:
        parse_tag(tag)
    except ValueError as exc:
        raise r.fail("tag", f"{tag!r}: {str(exc).splitlines()[0]}") from None
    if tag[:1].isdigit():
        raise r.fail("tag", "the Python tag must not start with a digit (PEP 825)")
    build_tag = r.text("build-tag")
    if build_tag is not None and not re.match(r"^\d[\w.]*$", build_tag):
        raise r.fail("build-tag", f"{build_tag!r} must start with a digit")
    requires_python = r.text("requires-python")
    if requires_python is not None:
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            raise r.fail("requires-python", f"{requires_python!r} is not a specifier") from None
    requires_dist = r.strings("requires-dist")
    for req in requires_dist:
        reason = requirement_error(req)
        if reason is not None:
            raise r.fail("requires-dist", f"{req!r}: {reason}")
    provides_extra = r.strings("provides-extra")
    default_extra = _default_extras(r, provides_extra)
    metadata_version = r.text("metadata-version")
    if metadata_version is not None and not re.match(r"^\d+\.\d+$", metadata_version):
        raise r.fail("metadata-version", f"{metadata_version!r}: expected MAJOR.MINOR")
    variant_table = r.data.get("variant")
    variant = _variant(f"{source}.variant", variant_table) if variant_table is not None else None
    links = tuple(_link(s, t) for s, t in r.tables("links"))
    if links and wheel_version.split(".")[0] == "1":
        raise r.fail("links", "PEP 778 links need wheel-version 2.0 or later")
    defect = r.text("unsafe-defect")
    backend = r.text("build-backend", "setuptools") or ""
    if backend not in BUILD_BACKENDS:
        raise r.fail("build-backend", f"{backend!r}: expected one of {', '.join(BUILD_BACKENDS)}")
    spec = DistSpec(
        name=name,
        version=version,
        kind=kind,  # type: ignore[arg-type]
        wheel_version=wheel_version,
        metadata_wheel_version=bool(r.flag("metadata-wheel-version", True)),
        tag=tag,
        build_tag=build_tag,
        root_is_purelib=r.flag("root-is-purelib"),
        metadata_version=metadata_version,
        requires_python=requires_python,
        requires_dist=requires_dist,
        provides_extra=provides_extra,
        default_extra=default_extra,
        summary=_summary(r),
        description=r.text("description"),
        metadata=_headers(r),
        entry_points=_entry_points(r),
        variant=variant,
        files=tuple(_file(s, t) for s, t in r.tables("files")),
        data=tuple(_data_file(s, t) for s, t in r.tables("data")),
        links=links,
        unsafe_defect=defect,
        build_backend=backend,
        source=source,
    )
    _check_kind(r, spec)
    check_rules(spec)
    return spec


def requirement_error(requirement: str) -> str | None:
    """Why *requirement* is not a valid ``Requires-Dist`` value, or None.

    Dependency specifiers are checked by ``packaging``, which does not know the
    PEP 825 variant markers ("Environment markers": ``variant_label``,
    ``variant_properties``, ``variant_features``, ``variant_namespaces``). A
    requirement whose marker names one of them is checked by
    :mod:`wheelnext.variants.markers` instead, which parses the marker's
    structure, checks each variant clause (a set marker only on the right of
    ``in`` / ``not in`` with a string, ``variant_label`` against a string) and
    hands every other clause to ``packaging``.
    """
    try:
        Requirement(requirement)
        return None
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
    _, sep, marker = requirement.partition(";")
    try:
        if not sep or not marker_uses(marker):
            return reason
        # Evaluating for a non-variant wheel visits every clause (no short-circuit),
        # so a clause that cannot be evaluated is reported.
        requirement_applies(requirement)
    except InvalidVariantMarker as exc:
        return str(exc).splitlines()[0]
    return None


def uses_variant_markers(requirement: str) -> bool:
    """True if *requirement* (a valid ``Requires-Dist`` value) uses a PEP 825 variant marker."""
    _, sep, marker = requirement.partition(";")
    return bool(sep) and marker_uses(marker)


def check_rules(spec: DistSpec) -> None:
    """Rules across fields, for specs from TOML and from Python alike; raise :class:`SpecError`."""

    def fail(key: str, why: str) -> SpecError:
        return SpecError(f"{spec.source}: {key}: {why}")

    if not _WHEEL_VERSION_RE.match(spec.wheel_version):
        raise fail("wheel-version", f"{spec.wheel_version!r}: expected MAJOR.MINOR")
    if spec.links and not spec.is_wheel2:
        raise fail("links", "PEP 778 links need wheel-version 2.0 or later")
    if not spec.metadata_wheel_version:
        if spec.kind == "sdist":
            raise fail("metadata-wheel-version", "not meaningful for kind = 'sdist'")
        if spec.is_wheel2:
            # PEP 777: an absent field means major version 1, which would contradict
            # WHEEL; that is the unsafe 'wheel-version-absent-v2' defect, not this key.
            raise fail(
                "metadata-wheel-version",
                "false only for wheel-version 1.x: PEP 777 reads an absent field as 1",
            )
    if spec.kind == "sdist":
        for req in spec.requires_dist:
            if uses_variant_markers(req):
                raise fail(
                    "requires-dist",
                    f"{req!r}: variant markers cannot be mapped to pyproject.toml"
                    " dependencies that setuptools accepts",
                )
    defect = spec.unsafe_defect
    if defect is None:
        return
    allowed = SDIST_DEFECTS if spec.kind == "sdist" else WHEEL_DEFECTS
    if defect not in allowed:
        raise fail("unsafe-defect", f"{defect!r}: a {spec.kind} takes one of {', '.join(allowed)}")
    if defect in VARIANT_DEFECTS and spec.variant is None:
        raise fail("unsafe-defect", f"{defect!r} needs a variant table")
    if defect == "escaping-links" and not spec.is_wheel2:
        raise fail("unsafe-defect", "escaping-links needs wheel-version 2.0 or later")


def _default_extras(r: _Reader, provides_extra: Sequence[str]) -> tuple[str, ...]:
    """``default-extra`` or its PEP 771 ``pyproject.toml`` spelling, each a provided extra."""
    default_extra = r.strings("default-extra")
    alias = r.strings("default-optional-dependency-keys")
    if default_extra and alias:
        raise r.fail(
            "default-optional-dependency-keys", "give default-extra or this alias, not both"
        )
    default_extra = default_extra or alias
    provided = {canonicalize_name(e) for e in provides_extra}
    if r.data.get("unsafe-defect") == "default-extra-not-provided":
        return default_extra
    for extra in default_extra:
        # PEP 771, "Default-Extra Metadata Field": "Only entries already specified in a
        # Provides-Extra entry can be used in a Default-Extra entry."
        if canonicalize_name(extra) not in provided:
            raise r.fail("default-extra", f"{extra!r} is not listed in provides-extra (PEP 771)")
    return default_extra


def _check_kind(r: _Reader, spec: DistSpec) -> None:
    if spec.kind == "wheel" and "build-backend" in r.data:
        raise r.fail("build-backend", "only meaningful for kind = 'sdist'")
    if spec.kind == "sdist":
        for key in ("variant", "links", "data", "build-tag", "entry-points"):
            if key in r.data:
                raise r.fail(key, "not meaningful for kind = 'sdist'")
        if "wheel-version" in r.data:
            # PEP 777: "Wheel-Version MUST NOT be included in source distribution metadata"
            # (the unsafe 'sdist-wheel-version' defect breaks that on purpose).
            raise r.fail("wheel-version", "not allowed for an sdist (PEP 777)")
    paths = [f.path for f in spec.files]
    if len(set(paths)) != len(paths):
        raise r.fail("files", "a path is listed twice")


def load_spec(path: Path) -> list[DistSpec]:
    """Read a spec file: a TOML document with one ``[[dist]]`` table per distribution."""
    document = inputs.read_toml(Path(path), what="spec file", error=SpecError)
    unknown = sorted(set(document) - {"dist"})
    if unknown:
        raise SpecError(f"{path}: unknown top-level key {unknown[0]!r} (expected [[dist]])")
    dists = document.get("dist", [])
    if not isinstance(dists, list) or not dists:
        raise SpecError(f"{path}: no [[dist]] tables")
    return [
        spec_from_mapping(table, source=f"{Path(path).name}:dist[{i}]")
        for i, table in enumerate(dists)
    ]
