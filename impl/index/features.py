"""The index's optional features, and personalities: named sets of them.

Each :class:`Feature` is one behaviour of the simple API that the reference index
can serve or leave out, quoting the sentence of ``../shared/specs/`` it implements.
A :class:`Personality` is a named set of features plus how it is served (negotiated
by the ASGI application, or written as a static file tree). The conformance harness
runs installer scenarios against several personalities, and its power measurement
serves the full set less one feature (a knockout, :meth:`Personality.without`, from a
process of its own); ``wheelnext index serve`` always serves :data:`DEFAULT`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from wheelnext.errors import WheelnextError


class UnknownPersonality(WheelnextError):
    """A personality or feature name that is not defined here."""


@dataclass(frozen=True)
class Feature:
    """One optional behaviour of the simple API, and the sentence it implements."""

    name: str
    #: Where the sentence is (``simple-repository-api``, ``PEP 825``...).
    spec: str
    sentence: str
    #: ``scenarios/_requirements.toml`` ids the feature implements.
    requirement_ids: tuple[str, ...] = ()
    #: Starts of the scenario sentences that test this feature (the index's own sentence,
    #: or the installer's that depends on it): such a scenario traces to the feature.
    traced_by: tuple[str, ...] = ()
    #: Why no scenario can tell the index without this feature from the index with it
    #: (empty when one should): the power table's "cannot separate" reason.
    unseparable: str = ""


JSON_API = Feature(
    "json-api", "simple-repository-api",
    "this spec extends the base HTML API specification such that all of the API endpoints"
    " (other than the files themselves) will utilize HTTP content negotiation to allow"
    " client and server to select the correct serialization format to serve, i.e. either"
    " HTML or JSON.",
    unseparable="every installer must still read the HTML serialization (it is the one "
    "every index serves), so no install outcome may depend on JSON; only a [[fetch]] "
    "that asks for JSON sees it",
)
HASHES = Feature(
    "hashes", "simple-repository-api",
    "Each file URL SHOULD include a hash in the form of a URL fragment with the following"
    " syntax: #<hashname>=<hashvalue>",
    traced_by=("Each file URL SHOULD include a hash",),
)
REQUIRES_PYTHON = Feature(
    "requires-python", "simple-repository-api",
    "A repository MAY include a data-requires-python attribute on a file link. This"
    " exposes the Requires-Python metadata field for the corresponding release.",
    traced_by=("Where this is present, installer tools SHOULD ignore the download",),
    unseparable="the wheel's own METADATA carries the same Requires-Python, so an installer "
    "that checks it after download reaches the same outcome without the attribute",
)
YANKED = Feature(
    "yanked", "simple-repository-api (PEP 592)",
    "A repository MAY include a data-yanked attribute on a file link.",
    traced_by=("An installer MUST ignore yanked releases",),
)
API_VERSION = Feature(
    "api-version", "simple-repository-api",
    "This spec proposes the inclusion of a meta tag on the responses of every successful"
    " request to a simple API page, which contains a name attribute of"
    " pypi:repository-version",
    unseparable="the spec says only how to interpret a version that is there, nothing of a "
    "page without one, and a 1.x page is read the same with or without the tag, so no "
    "install outcome depends on it",
)
DIST_INFO_METADATA = Feature(
    "dist-info-metadata", "simple-repository-api (PEP 658)",
    "If a data-dist-info-metadata attribute is present, the repository MUST serve the"
    " distribution's Core Metadata file alongside the distribution with a .metadata"
    " appended to the distribution's file name.",
    unseparable="the same page still carries data-core-metadata with the same hash (PEP 714 "
    "clients read that name first), and the metadata equals the wheel's own METADATA, so no "
    "install outcome depends on the legacy name",
)
CORE_METADATA = Feature(
    "core-metadata", "simple-repository-api (PEP 714)",
    "A repository MAY include a data-core-metadata attribute on a file link.",
    unseparable="the same page still carries data-dist-info-metadata with the same hash, "
    "which clients may read as a legacy fallback, and the metadata equals the wheel's own "
    "METADATA, so no install outcome depends on the new name",
)
VARIANTS_FILE = Feature(
    "variants-file", "PEP 825",
    "The exact URL where the file is hosted is insignificant, but it MUST be provided in"
    " all the responses where the variant wheels are included.",
    ("pep825-index-hosts-variants-json", "pep825-index-links-variants-json",
     "pep825-label-reserved-null", "pep817-null-label-empty", "pep817-properties-zero-or-more",
     "pep825-priorities-required"),
    traced_by=("When a package version that includes at least one variant wheel is hosted",),
)

VARIANTS_VALIDATION = Feature(
    "variants-validation", "PEP 825",
    "Tools that are in a position to reject invalid data at the point it enters the"
    " ecosystem, such as a package index accepting an upload, SHOULD do so.",
    ("pep825-index-reject-invalid", "pep825-no-rely-on-invalid", "pep825-variants-one-entry",
     "pep825-reject-unsupported-major", "pep825-no-draft-compat-assumption",
     "pep825-wheel-has-metadata", "pep825-label-unique-properties",
     "pep817-label-unique-properties", "pep825-priorities-extension"),
)

WHLX_FILES = Feature(
    "whlx-files", "PEP 777",
    "To allow for experimentation and faster adoption of 2.0 wheels, this PEP proposes a"
    " change to the file extension of the wheel file format, from ``.whl`` to ``.whlx`` for"
    " all future wheel versions.",
    ("pep777-whlx-extension",),
)
SDIST_VALIDATION = Feature(
    "sdist-validation", "PEP 777",
    "If a tool encounters ``Wheel-Version`` inside of a source distribution metadata file,"
    " it **SHOULD** raise an error.",
    ("pep777-sdist-wheel-version-error",),
)
METADATA_VERBATIM = Feature(
    "metadata-verbatim", "simple-repository-api (PEP 658)",
    "If a data-dist-info-metadata attribute is present, the repository MUST serve the"
    " distribution's Core Metadata file alongside the distribution with a .metadata"
    " appended to the distribution's file name.",
    ("pep777-v2-must-include", "pep778-links-needs-v2", "pep771-metadata-version",
     "pep771-default-extra-provided"),
)

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (JSON_API, HASHES, REQUIRES_PYTHON, YANKED, API_VERSION, DIST_INFO_METADATA,
              CORE_METADATA, VARIANTS_FILE, VARIANTS_VALIDATION, WHLX_FILES, METADATA_VERBATIM,
              SDIST_VALIDATION)
}


@dataclass(frozen=True)
class Personality:
    """A named set of features, served negotiated (the application) or as static files."""

    name: str
    features: frozenset[str]
    #: Written to disk and served by a plain file server (no negotiation, no redirects).
    static: bool = False
    description: str = ""
    #: The feature a knockout lacks ("" for a named personality).
    knocked_out: str = ""

    def has(self, feature: Feature | str) -> bool:
        return (feature.name if isinstance(feature, Feature) else feature) in self.features

    @property
    def metadata_files(self) -> bool:
        """Whether ``<file>.metadata`` is served: either attribute promises it (PEP 658)."""
        return self.has(DIST_INFO_METADATA) or self.has(CORE_METADATA)

    def listing_refused_sdists(self) -> Personality:
        """This personality with the sdist gate open, for installer runs: PEP 777 asks that
        "If a tool encounters ``Wheel-Version`` inside of a source distribution metadata
        file, it **SHOULD** raise an error", and an installer scenario exists to make the
        installer under test encounter it; an index that held the sdist back would leave it
        nothing to encounter. Index runs keep the gate (``sdist-validation``)."""
        return replace(self, features=self.features - {SDIST_VALIDATION.name})

    def without(self, feature: str) -> Personality:
        """This personality less *feature*: a knockout, named ``NAME-without-FEATURE``."""
        if feature not in FEATURES:
            raise UnknownPersonality(
                f"index feature {feature!r}: expected one of {', '.join(FEATURES)}")
        return Personality(f"{self.name}-without-{feature}", self.features - {feature},
                           self.static, f"{self.name} less {feature}", knocked_out=feature)


_HTML_BASE = frozenset({HASHES.name, REQUIRES_PYTHON.name, YANKED.name, API_VERSION.name,
                        VARIANTS_VALIDATION.name, WHLX_FILES.name, METADATA_VERBATIM.name,
                        SDIST_VALIDATION.name})

PERSONALITIES: dict[str, Personality] = {
    p.name: p
    for p in (
        Personality("json-full", frozenset(FEATURES),
                    description="PEP 691 JSON and HTML, PEP 658/714 metadata, PEP 825 file"),
        Personality("html-plain", _HTML_BASE,
                    description="PEP 503 HTML with hashes, Requires-Python and yanking;"
                    " no metadata files, no variants file"),
        Personality("html-dist-info-metadata",
                    _HTML_BASE | {DIST_INFO_METADATA.name, VARIANTS_FILE.name},
                    description="HTML with only data-dist-info-metadata (PEP 658)"),
        Personality("html-core-metadata", _HTML_BASE | {CORE_METADATA.name, VARIANTS_FILE.name},
                    description="HTML with only data-core-metadata (PEP 714)"),
        Personality("static", frozenset(FEATURES) - {JSON_API.name}, static=True,
                    description="every HTML feature, written as files and served by a plain"
                    " file server"),
    )
}
DEFAULT = PERSONALITIES["json-full"]


def personality(name: str) -> Personality:
    """The personality called *name*; an unknown name is an error naming the choices."""
    try:
        return PERSONALITIES[name]
    except KeyError:
        raise UnknownPersonality(
            f"--index-personality {name!r}: expected one of {', '.join(PERSONALITIES)}"
        ) from None


def personalities(names: Iterable[str]) -> list[Personality]:
    """The personalities named, in order, each once (the default when none is named)."""
    chosen = list(dict.fromkeys(names))
    return [personality(n) for n in chosen] if chosen else [DEFAULT]
