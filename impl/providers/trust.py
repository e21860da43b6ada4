"""The user's allow-list of provider packages: the only third-party plugins ever installed or run.

PEP 817 "Providers": tools "MUST NOT install or run provider packages, unless
they can determine the particular provider package version to be trusted. The
exact mechanism used to do that is implementation-specific." Ours: a TOML file
the user writes, naming each trusted distribution by name, version and the
sha256 of its wheel; pip then installs it in hash-checking mode, so nothing else
can be installed under that name. Built-in providers need no entry.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wheelnext.providers.errors import ProviderError, UntrustedProvider
from wheelnext.providers.metadata import canonical_name

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class TrustedDistribution:
    """One allow-list entry: exactly this wheel of this project version."""

    name: str
    version: str
    sha256: str

    def requirement_line(self) -> str:
        """A pip requirements line pinning the version and the hash."""
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/wheelnext/trusted-providers.toml`` (``~/.config`` by default)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "wheelnext" / "trusted-providers.toml"


@dataclass(frozen=True)
class AllowList:
    """Trusted provider distributions, from :func:`load_allow_list` or built in code."""

    entries: tuple[TrustedDistribution, ...] = ()

    def trusted(self, requirement: str) -> TrustedDistribution:
        """The newest entry satisfying *requirement*; else :class:`UntrustedProvider`."""
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Requirement(requirement)
        except InvalidRequirement as exc:
            raise ProviderError(f"requires {requirement!r}: {exc}") from None
        name = canonical_name(parsed.name)
        candidates = []
        for entry in self.entries:
            if canonical_name(entry.name) != name:
                continue
            try:
                if parsed.specifier.contains(Version(entry.version), prereleases=True):
                    candidates.append((Version(entry.version), entry))
            except InvalidVersion:
                continue
        if not candidates:
            raise UntrustedProvider(
                f"provider package {requirement!r} is not on the allow-list "
                "(add name, version and sha256 to trusted-providers.toml)"
            )
        return max(candidates, key=lambda pair: pair[0])[1]


def load_allow_list(path: Path | None = None) -> AllowList:
    """Read the allow-list; a missing file trusts nothing."""
    path = path or default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AllowList()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProviderError(f"{path}: cannot read the provider allow-list: {exc}") from None
    entries = []
    for index, item in enumerate(data.get("provider", [])):
        where = f"{path}: provider[{index}]"
        if not isinstance(item, dict):
            raise ProviderError(f"{where}: expected a table")
        name, version, sha256 = item.get("name"), item.get("version"), item.get("sha256")
        if not all(isinstance(v, str) and v for v in (name, version, sha256)):
            raise ProviderError(f"{where}: needs string keys name, version and sha256")
        assert isinstance(name, str) and isinstance(version, str) and isinstance(sha256, str)
        if not _SHA256_RE.match(sha256.lower()):
            raise ProviderError(f"{where}: sha256 must be 64 hex digits")
        entries.append(TrustedDistribution(name, version, sha256.lower()))
    return AllowList(tuple(entries))
