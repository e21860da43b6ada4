"""PEP 777 ``Wheel-Version`` rules, as functions any installer or resolver can call.

PEP 777 (status: draft) does not define a Wheel 2.0; it fixes how a tool must treat the
``Wheel-Version`` of the ``WHEEL`` file and of the core metadata. Each function cites the
sentence it implements. Errors are :class:`WheelVersionError`, a ``WheelnextError``;
warnings are :class:`NewerWheelVersionWarning` through :mod:`warnings`.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from wheelnext.errors import InvalidMetadata

#: The newest wheel format this implementation installs: 1.x wheels and our Wheel 2.0
#: prototype (``.whlx``, Zstandard payload, ``LINKS``).
SUPPORTED_WHEEL_VERSION = (2, 0)

#: The newest minor version known for each older major (PEP 427 defines 1.0): a 1.9 wheel
#: gets the "newer minor" warning from an installer that knows 1.0 and 2.0.
KNOWN_MINORS = {1: 0}

#: PEP 777, "Add Wheel-Version Metadata Field to Core Metadata": "If ``Wheel-Version`` is
#: absent from the metadata file, then tools **MUST** infer the wheel file major version as 1."
ABSENT_WHEEL_VERSION = (1, 0)

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")

T = TypeVar("T")


class WheelVersionError(InvalidMetadata):
    """A ``Wheel-Version`` is malformed, disagrees between files, or is too new to install."""


class NewerWheelVersionWarning(UserWarning):
    """A wheel's minor version is newer than the installer supports (PEP 427 / PEP 777)."""


class SkippedWheelWarning(UserWarning):
    """A resolver skipped a wheel whose ``Wheel-Version`` it cannot install (PEP 777)."""


@dataclass(frozen=True, order=True)
class WheelVersion:
    """A ``major.minor`` wheel format version."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def parse_wheel_version(value: str, *, where: str = "Wheel-Version") -> WheelVersion:
    """Parse ``"2.0"``; *where* names the file for the error message."""
    match = _VERSION_RE.match(value.strip())
    if not match:
        raise WheelVersionError(f"{where}: Wheel-Version {value!r} is not 'major.minor'")
    return WheelVersion(int(match.group(1)), int(match.group(2)))


def _headers(text: str) -> email.message.Message:
    return email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)


def _single_field(text: str, where: str) -> str | None:
    values = _headers(text).get_all("Wheel-Version") or []
    if len(values) > 1:
        # PEP 777: "This field is single use".
        raise WheelVersionError(f"{where}: Wheel-Version appears {len(values)} times")
    return str(values[0]) if values else None


def wheel_file_version(wheel_text: str, *, where: str = "WHEEL") -> WheelVersion:
    """The ``Wheel-Version`` of a ``WHEEL`` file; the binary distribution format requires it."""
    value = _single_field(wheel_text, where)
    if value is None:
        raise WheelVersionError(f"{where}: no Wheel-Version field")
    return parse_wheel_version(value, where=where)


def metadata_wheel_version(metadata_text: str, *, where: str = "METADATA") -> WheelVersion | None:
    """The core metadata ``Wheel-Version``, or ``None`` when absent."""
    value = _single_field(metadata_text, where)
    return None if value is None else parse_wheel_version(value, where=where)


def effective_version(metadata_version: WheelVersion | None) -> WheelVersion:
    """PEP 777: "If ``Wheel-Version`` is absent, assume the version is 1.0." (MUST, step 2)."""
    return metadata_version if metadata_version is not None else WheelVersion(*ABSENT_WHEEL_VERSION)


def check_agreement(
    wheel_text: str, metadata_text: str, *, filename: str = "wheel"
) -> WheelVersion:
    """Step 1 of installing (MUST): the two ``Wheel-Version`` values match.

    PEP 777: "Check that the values of ``Wheel-Version`` in both the core metadata file and
    wheel metadata file match. If they do not match, installers **MUST** abort installation.
    Neither value takes precedence." An absent metadata field counts as 1.0 ("tools **MUST**
    infer the wheel file major version as 1"), and "for wheels of version 2 or higher, the
    metadata file **MUST** include ``Wheel-Version``".
    """
    in_wheel = wheel_file_version(wheel_text, where=f"{filename}: WHEEL")
    in_metadata = metadata_wheel_version(metadata_text, where=f"{filename}: METADATA")
    if in_metadata is None:
        if in_wheel.major >= 2:
            raise WheelVersionError(
                f"{filename}: WHEEL says Wheel-Version {in_wheel} but METADATA has no "
                "Wheel-Version (required for version 2 or higher, PEP 777)"
            )
        return in_wheel
    if in_metadata != in_wheel:
        raise WheelVersionError(
            f"{filename}: Wheel-Version differs: WHEEL says {in_wheel}, METADATA says "
            f"{in_metadata} (PEP 777: installers MUST abort)"
        )
    return in_wheel


def check_compatible(
    version: WheelVersion,
    *,
    supported: tuple[int, int] = SUPPORTED_WHEEL_VERSION,
    filename: str = "wheel",
) -> None:
    """Step 2 of installing (MUST): abort on a newer major version, warn on a newer minor
    (of the current major, or of an older one: see ``KNOWN_MINORS``).

    PEP 777: "Warn if minor version is greater, abort if major version is greater. This
    procedure is identital to that in :pep:`427`."
    """
    major, minor = supported
    if version.major > major:
        raise WheelVersionError(
            f"{filename}: Wheel-Version {version} is newer than the supported {major}.{minor}"
        )
    limit = minor if version.major == major else KNOWN_MINORS.get(version.major)
    if limit is not None and version.minor > limit:
        warnings.warn(
            f"{filename}: Wheel-Version {version} is newer than the supported "
            f"{version.major}.{limit}; installing anyway",
            NewerWheelVersionWarning,
            stacklevel=2,
        )


def check_before_install(
    wheel_text: str,
    metadata_text: str,
    *,
    supported: tuple[int, int] = SUPPORTED_WHEEL_VERSION,
    filename: str = "wheel",
) -> WheelVersion:
    """Steps 1 and 2 of PEP 777's "When installing a wheel, installers **MUST**" list."""
    version = check_agreement(wheel_text, metadata_text, filename=filename)
    check_compatible(version, supported=supported, filename=filename)
    return version


def check_sdist_metadata(pkg_info_text: str, *, filename: str = "PKG-INFO") -> None:
    """Reject ``Wheel-Version`` in source distribution metadata.

    PEP 777: "``Wheel-Version`` **MUST NOT** be included in source distribution metadata
    (``PKG-INFO``) files. If a tool encounters ``Wheel-Version`` inside of a source
    distribution metadata file, it **SHOULD** raise an error."
    """
    if _headers(pkg_info_text).get_all("Wheel-Version"):
        raise WheelVersionError(
            f"{filename}: Wheel-Version must not appear in source distribution metadata (PEP 777)"
        )


def is_compatible(
    metadata_version: WheelVersion | None,
    *,
    supported: tuple[int, int] = SUPPORTED_WHEEL_VERSION,
) -> bool:
    """True when an installer supporting *supported* may select the wheel (newer minor is fine)."""
    return effective_version(metadata_version).major <= supported[0]


def filter_compatible(
    candidates: Iterable[T],
    version_of: Callable[[T], WheelVersion | None],
    *,
    supported: tuple[int, int] = SUPPORTED_WHEEL_VERSION,
    describe: Callable[[T], str] = str,
) -> list[T]:
    """The resolver filter: drop wheels this installer cannot install, warning for each.

    PEP 777, "Resolver Behavior Regarding Wheel-Version": "Resolvers ... **MUST** check a
    candidate wheel's ``Wheel-Version``, and ignore incompatible wheel files" and
    "installers **SHOULD** emit a warning if ... they come across an incompatible wheel and
    skip it." *version_of* reads the core metadata field (PEP 658 metadata), ``None`` if absent.
    """
    kept: list[T] = []
    for candidate in candidates:
        version = version_of(candidate)
        if is_compatible(version, supported=supported):
            kept.append(candidate)
        else:
            warnings.warn(
                f"skipping {describe(candidate)}: Wheel-Version {effective_version(version)} "
                f"is newer than the supported {supported[0]}.{supported[1]}",
                SkippedWheelWarning,
                stacklevel=2,
            )
    return kept


def prefer_newest_format(
    candidates: Sequence[T],
    version_of: Callable[[T], WheelVersion | None],
    *,
    supported: tuple[int, int] = SUPPORTED_WHEEL_VERSION,
) -> list[T]:
    """Order otherwise identical wheels newest compatible wheel format first.

    Not a MUST or SHOULD: PEP 777's "Discussion Topics" ("Constraints on dual-published
    wheels", a recommendation under discussion) says "installers should prefer the
    newest-available wheel format, with all other factors held constant", and
    "Resolver Behavior" says, in lower case, that resolvers "should prioritize the wheel of the
    highest compatible version". Incompatible candidates are dropped; the sort is stable.
    """
    compatible = [c for c in candidates if is_compatible(version_of(c), supported=supported)]
    return sorted(compatible, key=lambda c: effective_version(version_of(c)), reverse=True)
