"""The installer's index and resolution options: typed values, parsed once, from the command
line or a ``--config`` TOML file (see docs/components/installer.rst).

:class:`IndexOptions` turns ``--index``/``--config``/``--index-for``/``--mirrors``/
``--index-deny``/``--index-strategy`` into the PEP 766 :class:`~wheelnext.index_priority.IndexPlan`;
:class:`ResolveOptions` holds the choices that change which files are acceptable or preferred.
Every malformed value raises :class:`~wheelnext.index_priority.IndexConfigError` naming the
option or the file and key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from wheelnext import inputs
from wheelnext.index_priority import Index, IndexConfigError, IndexPlan, Strategy
from wheelnext.providers.overrides import parse_text, read_file
from wheelnext.xdg import cache_home


def parse_index_option(text: str) -> Index:
    """``NAME=URL`` (``--index``); a bare URL gets the name ``index<N>`` from the caller."""
    name, sep, url = text.partition("=")
    if not sep or not name.strip() or "://" not in url or "://" in name:
        raise IndexConfigError(f"--index {text!r}: expected NAME=URL")
    return Index(name.strip(), url.strip())


def parse_project_pairs(option: str, values: Iterable[str]) -> dict[str, str]:
    """``PROJECT=VALUE`` pairs (``--index-for``, ``--variant``), keyed by normalized project."""
    pairs: dict[str, str] = {}
    for text in values:
        project, sep, value = text.partition("=")
        if not sep or not project.strip() or not value.strip():
            raise IndexConfigError(f"{option} {text!r}: expected PROJECT=VALUE")
        pairs[canonicalize_name(project.strip())] = value.strip()
    return pairs


def parse_deny(values: Iterable[str]) -> dict[str, frozenset[NormalizedName]]:
    """``--index-deny INDEX=PROJECT[,PROJECT...]`` into index name -> denied projects."""
    deny: dict[str, set[NormalizedName]] = {}
    for text in values:
        index, sep, projects = text.partition("=")
        names = [p.strip() for p in projects.split(",") if p.strip()]
        if not sep or not index.strip() or not names:
            raise IndexConfigError(f"--index-deny {text!r}: expected INDEX=PROJECT[,PROJECT...]")
        deny.setdefault(index.strip(), set()).update(canonicalize_name(n) for n in names)
    return {name: frozenset(projects) for name, projects in deny.items()}


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise IndexConfigError(f"{where}: expected a list of strings")
    return list(value)


@dataclass
class ConfigFile:
    """What a ``--config`` TOML file sets (see docs/components/installer.rst)."""

    indexes: list[Index] = field(default_factory=list)
    strategy: Strategy | None = None
    pins: dict[str, str] = field(default_factory=dict)
    mirrors: list[tuple[str, ...]] = field(default_factory=list)
    deny: dict[str, frozenset[NormalizedName]] = field(default_factory=dict)
    allow_fallthrough_on_error: bool | None = None


def load_config(path: Path) -> ConfigFile:
    """Read the installer's TOML configuration; every error names the file and key."""
    try:
        data = inputs.read_toml(path, what="config file")
    except inputs.InvalidInput as exc:
        raise IndexConfigError(f"cannot read config: {exc}") from None
    known = {"index", "index-strategy", "index-for", "mirrors", "allow-fallthrough-on-error"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise IndexConfigError(f"{path}: unknown key {unknown[0]!r}")
    config = ConfigFile()
    entries = data.get("index", [])
    if not isinstance(entries, list):
        raise IndexConfigError(f"{path}: [[index]] must be an array of tables")
    for position, entry in enumerate(entries):
        where = f"{path}: index[{position}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(
            entry.get("url"), str
        ):
            raise IndexConfigError(f"{where}: needs string keys 'name' and 'url'")
        extra = sorted(set(entry) - {"name", "url", "deny"})
        if extra:
            raise IndexConfigError(f"{where}: unknown key {extra[0]!r}")
        config.indexes.append(Index(entry["name"], entry["url"]))
        if "deny" in entry:
            denied = _str_list(entry["deny"], f"{where}.deny")
            config.deny[entry["name"]] = frozenset(canonicalize_name(n) for n in denied)
    if "index-strategy" in data:
        try:
            config.strategy = Strategy(data["index-strategy"])
        except ValueError:
            raise IndexConfigError(
                f"{path}: index-strategy {data['index-strategy']!r}: expected "
                "index-priority or version-priority"
            ) from None
    pins = data.get("index-for", {})
    if not isinstance(pins, dict) or not all(isinstance(v, str) for v in pins.values()):
        raise IndexConfigError(f"{path}: [index-for] must map project names to index names")
    config.pins = {canonicalize_name(k): v for k, v in pins.items()}
    mirrors = data.get("mirrors", [])
    if not isinstance(mirrors, list):
        raise IndexConfigError(f"{path}: mirrors must be a list of lists of index names")
    config.mirrors = [tuple(_str_list(group, f"{path}: mirrors")) for group in mirrors]
    fallthrough = data.get("allow-fallthrough-on-error")
    if fallthrough is not None and not isinstance(fallthrough, bool):
        raise IndexConfigError(f"{path}: allow-fallthrough-on-error must be true or false")
    config.allow_fallthrough_on_error = fallthrough
    return config


@dataclass(frozen=True)
class IndexOptions:
    """The index options as given: config file first, then each command-line option on top."""

    indexes: Sequence[str] = ()
    config_file: Path | None = None
    index_strategy: str | None = None
    index_for: Sequence[str] = ()
    mirrors: Sequence[str] = ()
    index_deny: Sequence[str] = ()
    #: None: take the config file's value (default false).
    allow_fallthrough_on_error: bool | None = None

    @property
    def given(self) -> bool:
        return bool(self.indexes or self.config_file)

    def plan(self) -> IndexPlan:
        """The PEP 766 plan; an error when no index is configured."""
        config = load_config(self.config_file) if self.config_file else None
        indexes: list[Index] = list(config.indexes) if config else []
        for position, text in enumerate(self.indexes):
            if text.startswith(("http://", "https://", "file://")):
                indexes.append(Index(f"index{position + 1}", text))
            else:
                indexes.append(parse_index_option(text))
        if not indexes:
            raise IndexConfigError("--index: no index configured (give --index NAME=URL or "
                                   "--config FILE)")
        pins = dict(config.pins) if config else {}
        pins.update(parse_project_pairs("--index-for", self.index_for))
        mirrors = list(config.mirrors) if config else []
        mirrors += [tuple(n.strip() for n in text.split(",") if n.strip())
                    for text in self.mirrors]
        deny = dict(config.deny) if config else {}
        for name, projects in parse_deny(self.index_deny).items():
            deny[name] = deny.get(name, frozenset()) | projects
        strategy = self.index_strategy or (config.strategy if config else None)
        fallthrough = self.allow_fallthrough_on_error
        if fallthrough is None:
            fallthrough = bool(config and config.allow_fallthrough_on_error)
        return IndexPlan(
            tuple(indexes),
            Strategy(strategy) if strategy else Strategy.INDEX_PRIORITY,
            pins={canonicalize_name(k): v for k, v in pins.items()},
            mirrors=tuple(mirrors),
            deny=deny,
            allow_fallthrough_on_error=fallthrough,
        )


@dataclass(frozen=True)
class ResolveOptions:
    """User choices that change which files are acceptable or preferred."""

    only_binary: bool = False
    no_deps: bool = False
    pre: bool = False
    no_variants: bool = False
    variant_labels: Mapping[str, str] = field(default_factory=dict)
    #: User-provided supported properties (None: detect with the built-in providers).
    supported: Mapping[str, Mapping[str, list[str]]] | None = None
    #: Start downloading each chosen wheel while resolving (off for ``lock``, ``--dry-run``).
    download_ahead: bool = True
    #: Read and write cached provider-plugin answers (off under ``--no-cache``).
    detection_cache: bool = True
    #: The user's index URLs, highest priority first: where trusted provider packages come from.
    provider_indexes: tuple[str, ...] = ()
    #: PEP 817 "Providers": optional providers the user enabled (True: every one). "If a
    #: provider is marked optional, then the installer MUST NOT query said provider by
    #: default [...] It SHOULD provide an option to enable optional providers."
    enable_optional: bool | frozenset[str] = False

    @classmethod
    def from_options(
        cls,
        *,
        only_binary: bool = False,
        no_deps: bool = False,
        pre: bool = False,
        no_variants: bool = False,
        variant_choices: Iterable[str] = (),
        variant_properties: Sequence[str] = (),
        variant_properties_file: Path | None = None,
        detection_cache: bool = True,
        enable_optional: Iterable[str] = (),
    ) -> ResolveOptions:
        """From the command-line spellings (``--variant PROJECT=LABEL``,
        ``--variant-property``, ``--variant-properties-file``, ``--enable-optional
        NAMESPACE`` where ``all`` enables every optional provider)."""
        supported = None
        if variant_properties_file is not None:
            supported = read_file(variant_properties_file)
        if variant_properties:
            given = parse_text("\n".join(variant_properties), "--variant-property")
            supported = {**(supported or {}), **given}
        return cls(
            only_binary=only_binary,
            no_deps=no_deps,
            pre=pre,
            no_variants=no_variants,
            variant_labels=parse_project_pairs("--variant", variant_choices),
            supported=supported,
            detection_cache=detection_cache,
            enable_optional=optional_providers(enable_optional),
        )


def optional_providers(names: Iterable[str]) -> bool | frozenset[str]:
    """``--enable-optional`` values: ``all`` enables every optional provider, else those named."""
    chosen = frozenset(name.strip() for name in names)
    return True if "all" in chosen else chosen


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/wheelnext/install`` (``~/.cache`` when unset)."""
    return cache_home() / "wheelnext" / "install"


def cache_folder(cache_dir: str | os.PathLike[str] | None, no_cache: bool) -> Path | None:
    """The run's cache folder: *cache_dir*, else :func:`default_cache`; None with
    *no_cache* (a throw-away cache)."""
    if no_cache:
        return None
    return Path(cache_dir) if cache_dir is not None else default_cache()


__all__ = [
    "ConfigFile",
    "IndexOptions",
    "ResolveOptions",
    "cache_folder",
    "default_cache",
    "load_config",
    "optional_providers",
    "parse_deny",
    "parse_index_option",
    "parse_project_pairs",
]
