"""A file the installer may install: one version of one project, with its variant context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext.errors import InvalidFilename
from wheelnext.filenames import WheelFilename, parse_sdist_name, parse_wheel_name
from wheelnext.install.finder import IndexFile
from wheelnext.variants.markers import NON_VARIANT, VariantEnvironment


@dataclass(frozen=True)
class Artifact:
    """The file chosen for one version of a project, with its variant context."""

    name: NormalizedName
    version: Version
    filename: str
    file: IndexFile | None = None
    path: Path | None = None
    variant_label: str | None = None
    variant: VariantEnvironment = NON_VARIANT
    variants_json: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Identity of the file: its URL on its index, or its local path."""
        if self.file is not None:
            return self.file.url
        return str(self.path)

    @property
    def index(self) -> str | None:
        return self.file.index if self.file is not None else None

    @property
    def is_sdist(self) -> bool:
        return not self.filename.endswith((".whl", ".whlx"))


def version_of(filename: str) -> tuple[NormalizedName, Version, WheelFilename | None] | None:
    """Project, version and (for a wheel) the parsed name of a distribution file; None for a
    name that is neither a valid wheel nor a valid sdist name."""
    try:
        if filename.endswith((".whl", ".whlx")):
            wheel = parse_wheel_name(filename)
            return wheel.name, wheel.version, wheel
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_name(filename)
            return canonicalize_name(name), version, None
    except (InvalidFilename, InvalidVersion):
        return None
    return None


__all__ = ["Artifact", "version_of"]
