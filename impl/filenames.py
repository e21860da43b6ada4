"""Distribution filenames: wheels, Wheel 2.0 ``.whlx`` files and sdists.

``packaging.utils.parse_wheel_filename`` knows neither the PEP 825 variant
label nor the PEP 777 ``.whlx`` extension. This module takes those parts off
and hands the rest to ``packaging``, so every other rule (name
normalization, build tags, compressed tag sets) stays theirs.

PEP 825, "Variant label", appends an optional ``-{variant label}`` after the
platform tag, and says "The Python tag component MUST NOT start with a
digit", which is what tells a six-part name with a build tag from one with a
label.

``packaging`` is imported by the functions that use it, not by the module:
``packaging.utils`` brings ``packaging.tags`` and with it ``logging``,
``subprocess`` and ``platform``, which code that only needs the label rules
(or the selection path) should not pay for.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from wheelnext.errors import InvalidFilename

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.tags import Tag
    from packaging.utils import BuildTag, NormalizedName
    from packaging.version import Version

#: PEP 825: "non-empty and consist only of 0-9, a-z, _ and . ASCII characters".
VARIANT_LABEL_RE = re.compile(r"^[0-9a-z_.]+$")
#: PEP 825: "The label null is reserved and always corresponds to the variant
#: with zero properties".
NULL_LABEL = "null"
#: PEP 817 ("Variant label") bounds labels at 1-16 characters; PEP 825 removed
#: the bound (its change log: "Removed the variant label length limitation").
#: We follow PEP 825 and offer the PEP 817 bound as an option.
PEP817_MAX_LABEL_LENGTH = 16

WHEEL_EXTENSIONS = (".whl", ".whlx")
#: Binary distribution format, "File name convention": the build tag "Must start with a digit"
#: and, like every other part, is escaped to ``[A-Za-z0-9_.]`` (PEP 491 build tags never hold
#: ``-``); ``packaging`` accepts any text after the digits, ``/`` included.
BUILD_TAG_RE = re.compile(r"^[0-9]+[A-Za-z0-9_.]*$")
#: Filesystem-unsafe in a name that came from an index: separators, NUL, controls.
_UNSAFE_NAME_RE = re.compile(r"[/\\\x00-\x1f\x7f]")
#: The longest distribution filename accepted (one path component on common filesystems).
MAX_FILENAME_LENGTH = 255


def validate_variant_label(label: str, *, max_length: int | None = None) -> str:
    """Return *label* if it is a valid variant label, else raise :class:`InvalidFilename`."""
    if not VARIANT_LABEL_RE.match(label):
        raise InvalidFilename(
            f"variant label {label!r}: must be non-empty and use only 0-9, a-z, '_' and '.'"
        )
    if max_length is not None and len(label) > max_length:
        raise InvalidFilename(
            f"variant label {label!r}: longer than {max_length} characters"
        )
    return label


@dataclass(frozen=True)
class WheelFilename:
    """The parts of a wheel filename, variant label and extension included."""

    name: NormalizedName
    version: Version
    build: BuildTag
    tags: frozenset[Tag]
    variant_label: str | None
    extension: str

    @property
    def is_variant(self) -> bool:
        return self.variant_label is not None

    @property
    def is_null_variant(self) -> bool:
        return self.variant_label == NULL_LABEL

    @property
    def is_wheel2(self) -> bool:
        """True for the ``.whlx`` extension PEP 777 reserves for future wheel versions."""
        return self.extension == ".whlx"


@functools.lru_cache(maxsize=4096)
def parse_wheel_name(filename: str) -> WheelFilename:
    """Parse a ``.whl`` or ``.whlx`` filename, with or without a variant label.

    Memoized: the parts are immutable, and one resolution asks for the same names again
    and again (about 1 500 calls for the 60 wheels of a 30-project tree).
    """
    for extension in WHEEL_EXTENSIONS:
        if filename.endswith(extension):
            break
    else:
        raise InvalidFilename(f"{filename}: not a wheel filename (expected .whl or .whlx)")
    stem = filename[: -len(extension)]
    parts = stem.split("-")
    label: str | None = None
    if len(parts) == 7 or (len(parts) == 6 and not parts[2][:1].isdigit()):
        label = validate_variant_label(parts.pop())
    elif len(parts) not in (5, 6):
        raise InvalidFilename(f"{filename}: wrong number of '-'-separated parts")
    if len(parts) == 6 and not BUILD_TAG_RE.match(parts[2]):
        raise InvalidFilename(
            f"{filename}: build tag {parts[2]!r} must be digits followed by [A-Za-z0-9_.]"
        )
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        name, version, build, tags = parse_wheel_filename("-".join(parts) + ".whl")
    except InvalidWheelFilename as exc:
        raise InvalidFilename(f"{filename}: {exc}") from None
    return WheelFilename(name, version, build, tags, label, extension)


def parse_sdist_name(filename: str) -> tuple[NormalizedName, Version]:
    """Parse a ``.tar.gz`` or ``.zip`` source distribution filename."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    try:
        return parse_sdist_filename(filename)
    except InvalidSdistFilename as exc:
        raise InvalidFilename(f"{filename}: {exc}") from None


def escape_name(name: str) -> str:
    """The distribution name as a filename component (binary distribution format)."""
    return re.sub(r"[-_.]+", "_", name).lower()


#: PEP 825 "Index-level metadata": the ``{name}-{version}-variants.json`` file's suffix.
VARIANTS_JSON_SUFFIX = "-variants.json"


def variants_filename(name: str, version: str | Version) -> str:
    """PEP 825 "Index-level metadata": "The ``{name}`` and ``{version}`` placeholders
    correspond to the package name and version, normalized according to the same rules as
    wheel files".

    Here, not in the index server, so the installer reads the name without importing the
    server (starlette, uvicorn: about 350 ms)."""
    from packaging.version import Version

    return f"{escape_name(name)}-{Version(str(version))}{VARIANTS_JSON_SUFFIX}"


def parse_variants_filename(filename: str) -> tuple[str, str] | None:
    """(escaped name, version) of a ``-variants.json`` filename, or None."""
    if not filename.endswith(VARIANTS_JSON_SUFFIX):
        return None
    name, sep, version = filename[: -len(VARIANTS_JSON_SUFFIX)].partition("-")
    if not sep or not name or not version or "-" in version:
        return None
    return name, version


def wheel_name(
    name: str,
    version: str | Version,
    tag: str,
    *,
    build: str | None = None,
    variant_label: str | None = None,
    extension: str = ".whl",
) -> str:
    """Compose a wheel filename; *tag* is ``python-abi-platform`` (compressed sets allowed)."""
    from packaging.version import Version

    if extension not in WHEEL_EXTENSIONS:
        raise InvalidFilename(f"extension {extension!r}: expected .whl or .whlx")
    parts = [escape_name(name), str(Version(str(version)))]
    if build:
        parts.append(build)
    parts.append(tag)
    if variant_label is not None:
        parts.append(validate_variant_label(variant_label))
    filename = "-".join(parts) + extension
    parse_wheel_name(filename)
    return filename


def sdist_name(name: str, version: str | Version) -> str:
    """The source distribution filename for *name* and *version* (``.tar.gz``)."""
    from packaging.version import Version

    return f"{escape_name(name)}-{Version(str(version))}.tar.gz"


def short(text: str, limit: int = 80) -> str:
    """*text* cut to *limit* characters for an error line (names from archives or indexes
    can be megabytes long)."""
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} characters)"


def check_file_component(filename: str) -> str:
    """Return *filename* if it can name one file inside a folder: no separators, NUL or
    control characters, not hidden (so never ``.`` or ``..``), at most 255 characters."""
    if (not filename or len(filename) > MAX_FILENAME_LENGTH or _UNSAFE_NAME_RE.search(filename)
            or filename.startswith(".")):
        raise InvalidFilename(f"{short(filename)!r}: not a safe file name")
    return filename


def check_index_filename(filename: str) -> str:
    """Return *filename* if it is a safe file name (:func:`check_file_component`) and a valid
    wheel or sdist name: a name from an index is untrusted input that later names a file."""
    check_file_component(filename)
    if not is_distribution_filename(filename):
        raise InvalidFilename(f"{short(filename)!r}: not a wheel or sdist filename")
    try:
        project_of(filename)
    except ValueError as exc:
        raise InvalidFilename(f"{short(filename)!r}: {short(str(exc), 200)}") from None
    return filename


def is_distribution_filename(filename: str) -> bool:
    """True for anything an index serves as a distribution file."""
    return filename.endswith((*WHEEL_EXTENSIONS, ".tar.gz", ".zip"))


def project_of(filename: str) -> NormalizedName:
    """The normalized project name a distribution filename belongs to."""
    from packaging.utils import canonicalize_name

    if filename.endswith(WHEEL_EXTENSIONS):
        return parse_wheel_name(filename).name
    return canonicalize_name(parse_sdist_name(filename)[0])
