"""The one resolvelib provider that carries every domain rule of the reference installer.

Identifiers: ``name`` (the distribution), ``name[extra]`` (one extra of it) and
``name[:default:]`` (its PEP 771 default extras). A requirement without brackets adds the
``:default:`` node; ``name[]`` adds only ``name``; ``name[a,b]`` adds ``name[a]`` and
``name[b]``. An extra or default node depends on exactly the same file as its distribution
node. So PEP 771's union ("the default extras must be installed if any of the instances of the
package are specified without extras") is the presence of one ``:default:`` node anywhere in
the tree; explicit extras never add it; unknown extras are ignored with a warning.

Candidates per project come from :func:`wheelnext.index_priority.search` over the index plan
(PEP 766); each index's files are filtered by version specifier, yanking (PEP 592),
``Requires-Python``, the TARGET interpreter's tags, and, for the wheels of one version, PEP 825
variant selection (``wheelnext.variants.select``); the best file of a version is then checked
against PEP 777's ``Wheel-Version`` ("Resolvers ... MUST check a candidate wheel's
``Wheel-Version``, and ignore incompatible wheel files"), with a warning for each skipped file.
Dependencies are read from the selected wheel's metadata, variant markers evaluated with that
wheel's properties (PEP 825 "Evaluating variant markers": after selection).
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider
from resolvelib.structs import RequirementInformation

from wheelnext.default_extras import (
    choose_extras,
    parse_requirement,
    requested_extras,
    warn_unknown,
)
from wheelnext.errors import InvalidFilename, WheelnextError
from wheelnext.filenames import WheelFilename, parse_sdist_name, parse_wheel_name
from wheelnext.index_priority import LOG, IndexGroup, IndexPlan, Strategy, search
from wheelnext.install.finder import Finder, IndexFile, read_wheel_metadata
from wheelnext.install.target import TargetPython
from wheelnext.metadata import CoreMetadata, parse_metadata
from wheelnext.variants.markers import (
    NON_VARIANT,
    VariantEnvironment,
    requirement_applies,
    variant_environment,
)
from wheelnext.wheel_version import (
    WheelVersion,
    filter_compatible,
    metadata_wheel_version,
)

DEFAULT = ":default:"
BASE, EXTRA, DEFAULTS = "base", "extra", "default"


class UnsupportedRequirement(WheelnextError):
    """A requirement form this installer does not handle (direct URLs in metadata, ...)."""


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


@dataclass(frozen=True)
class Req:
    """One requirement on one identifier, remembering who asked and in which words."""

    name: NormalizedName
    specifier: SpecifierSet
    kind: str = BASE
    extra: NormalizedName | None = None
    exact: str | None = None
    text: str = ""
    parent: str | None = None

    @property
    def identifier(self) -> str:
        if self.kind == BASE:
            return self.name
        return f"{self.name}[{DEFAULT if self.kind == DEFAULTS else self.extra}]"


@dataclass(frozen=True)
class Candidate:
    """A version of a project (or of one of its extra nodes) backed by one artifact."""

    artifact: Artifact
    kind: str = BASE
    extra: NormalizedName | None = None

    @property
    def name(self) -> NormalizedName:
        return self.artifact.name

    @property
    def version(self) -> Version:
        return self.artifact.version

    @property
    def identifier(self) -> str:
        return Req(self.name, SpecifierSet(), self.kind, self.extra).identifier

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


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


def expand(text: str, parent: str | None) -> list[Req]:
    """The identifier nodes one ``Requires-Dist`` / command-line requirement adds.

    Its marker must have been evaluated by the caller (it may use PEP 825 variant markers,
    which ``packaging`` cannot parse), so only the part before ``;`` is read.
    """
    text = text.split(";", 1)[0].strip()
    requirement = parse_requirement(text)
    if requirement.url:
        raise UnsupportedRequirement(f"requirement {text!r}: direct URL requirements are not "
                                     "supported; give the wheel file's path instead")
    name = canonicalize_name(requirement.name)
    bare = Requirement(str(requirement))
    bare.marker = None
    clean = str(bare)
    base = Req(name, requirement.specifier, BASE, text=clean, parent=parent)
    extras = requested_extras(text)
    if extras is None:
        return [base, Req(name, requirement.specifier, DEFAULTS, text=clean, parent=parent)]
    return [base, *(Req(name, requirement.specifier, EXTRA, extra, text=clean, parent=parent)
                    for extra in sorted(extras))]


def _version_of(filename: str) -> tuple[NormalizedName, Version, WheelFilename | None] | None:
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


class Provider(AbstractProvider[Req, Candidate, str]):
    """resolvelib's provider: finding, filtering, selecting and reading dependencies."""

    def __init__(
        self,
        finder: Finder,
        plan: IndexPlan,
        target: TargetPython,
        options: ResolveOptions | None = None,
        *,
        local: Mapping[NormalizedName, Path] | None = None,
        build: Callable[[Artifact], Path] | None = None,
    ) -> None:
        self.finder = finder
        self.plan = plan
        self.target = target
        self.options = options or ResolveOptions()
        self.local = dict(local or {})
        self.build = build
        self.tag_rank = {tag: i for i, tag in enumerate(target.tags)}
        #: Why files or indexes gave nothing, per project (for failure messages).
        self.notes: dict[NormalizedName, list[str]] = {}
        self._metadata: dict[str, CoreMetadata] = {}
        self._built: dict[str, Path] = {}
        self._supported: dict[tuple[str, ...], Mapping[str, Mapping[str, list[str]]]] = {}
        self._warned: set[str] = set()
        self._entries: dict[tuple[str, str, str], list[list[Artifact]]] = {}
        self._known: dict[str, Artifact] = {}
        self._prefetched: set[NormalizedName] = set()
        #: (id of a requirement, artifact key) -> (the requirement, whether it is satisfied).
        self._satisfied: dict[tuple[int, str], tuple[Req, bool]] = {}
        self._checked: dict[str, bool] = {}
        self._lock = threading.Lock()

    # -- notes and warnings -------------------------------------------------------------

    def note(self, name: NormalizedName, text: str) -> None:
        notes = self.notes.setdefault(name, [])
        if text not in notes:
            notes.append(text)

    def _warn_once(self, key: str, emit: Callable[[], None]) -> None:
        if key not in self._warned:
            self._warned.add(key)
            emit()

    # -- metadata -------------------------------------------------------------------------

    def built_wheel(self, artifact: Artifact) -> Path | None:
        return self._built.get(artifact.key)

    def metadata(self, artifact: Artifact) -> CoreMetadata:
        """Core metadata of the artifact (PEP 658 file, wheel, or a wheel built from sdist)."""
        cached = self._metadata.get(artifact.key)
        if cached is not None:
            return cached
        if artifact.path is not None:
            data = read_wheel_metadata(artifact.path)
        elif artifact.is_sdist:
            if self.build is None:
                raise WheelnextError(f"{artifact.filename}: cannot build source distributions")
            wheel = self.build(artifact)
            self._built[artifact.key] = wheel
            data = read_wheel_metadata(wheel)
        else:
            assert artifact.file is not None
            data = self.finder.metadata(artifact.file)
        meta = parse_metadata(data, source=f"{artifact.filename}: METADATA")
        self._metadata[artifact.key] = meta
        return meta

    def _wheel_version(self, artifact: Artifact) -> WheelVersion | None:
        if artifact.is_sdist:
            return None
        meta = self.metadata(artifact)
        if meta.wheel_version is None:
            return None
        return metadata_wheel_version(f"Wheel-Version: {meta.wheel_version}\n",
                                      where=f"{artifact.filename}: METADATA")

    def _metadata_ok(self, artifact: Artifact) -> bool:
        """The checks that need the file's metadata: PEP 777 ``Wheel-Version``, then the
        metadata's own ``Requires-Python`` (an index may not list it on the page).
        Memoized per file: resolvelib asks again for every requirement added."""
        known = self._checked.get(artifact.key)
        if known is None:
            known = self._wheel_version_ok(artifact) and (
                artifact.is_sdist
                or self._requires_python_ok(artifact, self.metadata(artifact).requires_python))
            self._checked[artifact.key] = known
        return known

    def _wheel_version_ok(self, artifact: Artifact) -> bool:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kept = filter_compatible([artifact], self._wheel_version,
                                     describe=lambda a: f"{a.filename} (index {a.index})")
        for warning in caught:
            message = str(warning.message)
            self.note(artifact.name, message)
            self._warn_once(message, lambda w=warning: warnings.warn_explicit(  # type: ignore[misc]
                w.message, w.category, w.filename, w.lineno))
        return bool(kept)

    def _requires_python_ok(self, artifact: Artifact, requires: str | None) -> bool:
        if not requires:
            return True
        try:
            ok = SpecifierSet(requires).contains(self.target.python_version, prereleases=True)
        except InvalidSpecifier:
            ok = True
        if not ok:
            self.note(artifact.name, f"{artifact.filename} (index {artifact.index}): "
                      f"Requires-Python {requires} excludes Python "
                      f"{self.target.python_version}")
        return ok

    # -- variants -------------------------------------------------------------------------

    def _supported_for(self, doc: Mapping[str, Any]) -> Mapping[str, Mapping[str, list[str]]]:
        if self.options.supported is not None:
            return self.options.supported
        priorities = doc.get("default-priorities") or {}
        key = tuple(priorities.get("namespace", [])) + tuple(sorted(doc.get("providers") or {}))
        if key not in self._supported:
            from wheelnext.variants.providers.query import QueryOptions, query_metadata

            result = query_metadata(doc, QueryOptions.from_user(
                use_cache=self.options.detection_cache,
                index_urls=self.options.provider_indexes))
            for provider in result.results:
                LOG.debug("variant provider %s: %s (%s)", provider.namespace, provider.source,
                          provider.detail)
                notice = provider.notice
                if notice is not None:
                    # Why a provider was not used is said once per provider, without -v.
                    self._warn_once(f"provider {provider.namespace}",
                                    lambda text=notice: LOG.warning(text))  # type: ignore[misc]
            self._supported[key] = result.properties
        return self._supported[key]

    def _variants_json(self, files: Sequence[IndexFile], name: str,
                       version: Version) -> Mapping[str, Any] | None:
        from wheelnext.index.variants_file import variants_filename

        wanted = variants_filename(name, version)
        for file in files:
            if file.filename == wanted:
                return self.finder.json_file(file)
        return None

    # -- finding --------------------------------------------------------------------------

    def _select_wheels(self, name: NormalizedName, version: Version,
                       wheels: list[tuple[IndexFile, WheelFilename]],
                       files: Sequence[IndexFile]) -> list[Artifact]:
        by_name = {file.filename: file for file, _ in wheels}
        labels = {wheel.variant_label for _, wheel in wheels if wheel.variant_label is not None}
        if not labels:
            return self._order_by_tags(name, version, wheels)
        from wheelnext.variants.ordering import OrderingOptions
        from wheelnext.variants.select import select_wheels

        doc = self._variants_json(files, name, version) if labels else None
        supported = self._supported_for(doc) if doc is not None else {}
        options = OrderingOptions(
            use_variants=not self.options.no_variants,
            only_labels=([self.options.variant_labels[name]]
                         if name in self.options.variant_labels else ()),
        )
        selection = select_wheels(list(by_name), doc, supported, tags=self.target.tags,
                                  options=options)
        for filename, reason in selection.rejected:
            self.note(name, f"{filename} (index {by_name[filename].index}): {reason}")
        artifacts = []
        for candidate in selection.ordered:
            label = candidate.wheel.variant_label
            props = (doc or {}).get("variants", {}).get(label) if label is not None else None
            artifacts.append(Artifact(
                name, version, candidate.filename, by_name[candidate.filename],
                variant_label=label,
                variant=variant_environment(label, props, supported),
                variants_json=doc,
            ))
        # PEP 777 "Constraints on dual-published wheels": "installers should prefer the
        # newest-available wheel format, with all other factors held constant".
        rank = {a.filename: i for i, a in enumerate(artifacts)}

        def same_choice(artifact: Artifact) -> tuple[int, int]:
            wheel = parse_wheel_name(artifact.filename)
            twin = min(rank[a.filename] for a in artifacts
                       if parse_wheel_name(a.filename).tags == wheel.tags
                       and a.variant_label == artifact.variant_label)
            return twin, 0 if wheel.is_wheel2 else 1

        return sorted(artifacts, key=same_choice)

    def _order_by_tags(self, name: NormalizedName, version: Version,
                       wheels: list[tuple[IndexFile, WheelFilename]]) -> list[Artifact]:
        """Without variant wheels, selection is tag order alone: ``select_wheels``'s order
        (best tag, highest build tag, listing order) with the Wheel 2.0 twin first, using the
        tag ranks this provider computed once instead of once per call."""
        keyed: list[tuple[tuple[int, int, int, int], Artifact]] = []
        for position, (file, wheel) in enumerate(wheels):
            ranks = [self.tag_rank[tag] for tag in wheel.tags if tag in self.tag_rank]
            if not ranks:
                self.note(name, f"{file.filename} (index {file.index}): no supported platform "
                          "compatibility tag")
                continue
            build = -wheel.build[0] if wheel.build else 0
            # PEP 777: the newest wheel format first "with all other factors held constant".
            key = (min(ranks), 0 if wheel.is_wheel2 else 1, build, position)
            keyed.append((key, Artifact(name, version, file.filename, file)))
        keyed.sort(key=lambda item: item[0])
        return [artifact for _, artifact in keyed]

    def _version_entries(self, name: NormalizedName, reqs: Sequence[Req],
                         group: IndexGroup) -> list[list[Artifact]]:
        """The viable artifacts of one index group, one list per version, newest first.

        Memoized per specifier: resolvelib asks again each time a requirement is added.
        """
        specifier = SpecifierSet()
        for req in reqs:
            specifier &= req.specifier
        key = (name, str(specifier), group.name)
        if key not in self._entries:
            self._entries[key] = self._find_entries(name, reqs, group)
            for artifacts in self._entries[key]:
                for artifact in artifacts:
                    self._known.setdefault(artifact.key, artifact)
        return [list(artifacts) for artifacts in self._entries[key]]

    def prefetch(self, name: NormalizedName) -> None:
        """Start reading the pages a dependency will need (first group, or all groups under
        version priority), and the metadata of its newest compatible wheel."""
        groups = self.plan.groups_for(name)
        if self.plan.strategy is Strategy.INDEX_PRIORITY:
            groups = groups[:1]

        def newest_metadata(files: list[IndexFile]) -> None:
            best: tuple[Version, IndexFile] | None = None
            for file in files:
                parsed = _version_of(file.filename)
                if parsed is None or parsed[2] is None or file.yanked is not None:
                    continue
                if parsed[2].variant_label is not None or parsed[1].is_prerelease:
                    continue
                if not any(tag in self.tag_rank for tag in parsed[2].tags):
                    continue
                if best is None or parsed[1] > best[0]:
                    best = (parsed[1], file)
            if best is None:
                return
            # Speculative and transitive: the dependencies of the likely choice are fetched
            # too, so a deep tree costs about one round trip per level, not two per package.
            meta = parse_metadata(self.finder.metadata(best[1]))
            extras = ["", *meta.default_extra]
            for text in meta.requires_dist:
                try:
                    dependency = canonicalize_name(Requirement(text.split(";")[0]).name)
                    if not any(requirement_applies(text, NON_VARIANT,
                                                   self.target.environment(extra))
                               for extra in extras):
                        continue
                except (ValueError, WheelnextError):
                    continue
                with self._lock:
                    if dependency in self._prefetched:
                        continue
                    self._prefetched.add(dependency)
                self.prefetch(dependency)

        for group in groups:
            for member in group.members:
                self.finder.prefetch(member, name, newest_metadata)

    def _find_entries(self, name: NormalizedName, reqs: Sequence[Req],
                      group: IndexGroup) -> list[list[Artifact]]:
        files: dict[str, IndexFile] = {}
        absent = 0
        for member in group.members:
            listed = self.finder.project_files(member, name)
            if listed is None:
                absent += 1
                continue
            for file in listed:
                files.setdefault(file.filename, file)
        if absent == len(group.members):
            self.note(name, f"index {group.name}: no project named {name!r}")
            return []
        specifier = SpecifierSet()
        for req in reqs:
            specifier &= req.specifier
        # PEP 592: only "an exact pinned version via == (without any modifiers that make it a
        # range, such as .*)" or === selects a yanked file.
        pins = [s for s in specifier if s.operator == "==="
                or (s.operator == "==" and not s.version.endswith(".*"))]
        by_version: dict[Version, list[tuple[IndexFile, WheelFilename | None]]] = {}
        for file in files.values():
            parsed = _version_of(file.filename)
            if parsed is None or parsed[0] != name:
                continue
            by_version.setdefault(parsed[1], []).append((file, parsed[2]))
        allowed = set(specifier.filter(by_version, prereleases=True if self.options.pre
                                       else None))
        for version in sorted(set(by_version) - allowed, reverse=True):
            self.note(name, f"index {group.name}: {name} {version} does not match "
                      f"{specifier or 'the request'}")
        entries: list[list[Artifact]] = []
        for version in sorted(allowed, reverse=True):
            kept: list[tuple[IndexFile, WheelFilename | None]] = []
            for file, wheel in by_version[version]:
                if file.yanked is not None and not (
                        pins and all(pin.contains(version, prereleases=True) for pin in pins)):
                    # PEP 592: a yanked file is only used when pinned with == or ===.
                    self.note(name, f"{file.filename} (index {file.index}): yanked"
                              + (f" ({file.yanked})" if file.yanked else ""))
                    continue
                artifact = Artifact(name, version, file.filename, file)
                if not self._requires_python_ok(artifact, file.requires_python):
                    continue
                kept.append((file, wheel))
            wheels = [(f, w) for f, w in kept if w is not None]
            artifacts = self._select_wheels(name, version, wheels, list(files.values())) \
                if wheels else []
            if not artifacts:
                sdists = [f for f, w in kept if w is None]
                if sdists and self.options.only_binary:
                    self.note(name, f"{sdists[0].filename} (index {sdists[0].index}): source "
                              "distribution refused by --only-binary")
                elif sdists:
                    artifacts = [Artifact(name, version, sdists[0].filename, sdists[0])]
            if artifacts:
                entries.append(artifacts)
        # PEP 777: a wheel the installer cannot install is ignored; check the best files
        # until one passes, so an index whose every file is too new falls through.
        while entries:
            first = entries[0]
            while first and not self._metadata_ok(first[0]):
                first.pop(0)
            if first:
                break
            entries.pop(0)
        return entries

    def _artifacts(self, name: NormalizedName, reqs: Sequence[Req]) -> list[list[Artifact]]:
        if name in self.local:
            path = self.local[name]
            parsed = _version_of(path.name)
            assert parsed is not None
            version = parsed[1]
            wheel = parsed[2]
            if wheel is not None and not any(t in self.tag_rank for t in wheel.tags):
                self.note(name, f"{path.name}: no tag supported by the target interpreter")
                return []
            artifact = Artifact(name, version, path.name, path=path,
                                variant_label=wheel.variant_label if wheel else None)
            self._known[artifact.key] = artifact
            return [[artifact]]
        return search(
            name,
            self.plan.groups_for(name),
            lambda group: self._version_entries(name, reqs, group),
            self.plan.strategy,
            best_first=lambda entries: sorted(entries, key=lambda e: e[0].version, reverse=True),
            allow_fallthrough_on_error=self.plan.allow_fallthrough_on_error,
        )

    # -- resolvelib protocol --------------------------------------------------------------

    def identify(self, requirement_or_candidate: Req | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[Req, Candidate]],
    ) -> Any:
        infos = list(information[identifier])
        pinned = any(info.requirement.exact for info in infos)
        from_user = any(info.parent is None for info in infos)
        return (not pinned, "[" in identifier, not from_user, identifier)

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[RequirementInformation[Req, Candidate]]],
        backtrack_causes: Sequence[RequirementInformation[Req, Candidate]],
    ) -> Iterable[str]:
        """An extra or default node pinned to its distribution's file has one possible
        candidate: pin it next without ranking every open identifier. ``get_preference``
        ranks pinned nodes first too, and the order of forced choices changes nothing."""
        names = list(identifiers)
        for identifier in names:
            if "[" in identifier and any(info.requirement.exact
                                         for info in information[identifier]):
                return [identifier]
        return names

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Req]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Callable[[], Iterator[Candidate]]:
        reqs = list(requirements[identifier])
        first = reqs[0]
        name, kind, extra = first.name, first.kind, first.extra
        bad = {candidate.artifact.key for candidate in incompatibilities[identifier]}
        exact = {req.exact for req in reqs if req.exact}
        if exact:
            # An extra or default node follows the file its distribution node chose, from
            # whichever index that was.
            entries = [[self._known[key]] for key in sorted(exact) if key in self._known]
        else:
            # An extra or default node searches with its distribution's requirements too, so
            # both land on the same index and version (PEP 766: one source per request).
            search_reqs = list(reqs)
            if kind != BASE:
                with contextlib.suppress(KeyError):
                    search_reqs += [req for req in requirements[name] if not req.exact]
            entries = self._artifacts(name, search_reqs)

        def matches() -> Iterator[Candidate]:
            for artifacts in entries:
                for artifact in artifacts:
                    if artifact.key in bad or (exact and artifact.key not in exact):
                        continue
                    if not all(req.specifier.contains(artifact.version, prereleases=True)
                               for req in reqs):
                        continue
                    if not self._metadata_ok(artifact):
                        continue
                    yield Candidate(artifact, kind, extra)
                    break

        return matches

    def is_satisfied_by(self, requirement: Req, candidate: Candidate) -> bool:
        """Memoized: resolvelib checks every pin against every requirement in each round."""
        if requirement.exact is not None:
            return candidate.artifact.key == requirement.exact
        key = (id(requirement), candidate.artifact.key)
        known = self._satisfied.get(key)
        if known is None or known[0] is not requirement:
            known = (requirement,
                     requirement.specifier.contains(candidate.version, prereleases=True))
            self._satisfied[key] = known
        return known[1]

    def _applies(self, text: str, artifact: Artifact, extra: str) -> bool:
        return requirement_applies(text, artifact.variant, self.target.environment(extra))

    def get_dependencies(self, candidate: Candidate) -> Iterable[Req]:
        dependencies = list(self._dependencies(candidate))
        artifact = candidate.artifact
        if (self.options.download_ahead and candidate.kind == BASE
                and artifact.file is not None and not artifact.is_sdist):
            self.finder.prefetch_download(artifact.file)
        for req in dependencies:
            with self._lock:
                if req.name in self._prefetched or req.name in self.local:
                    continue
                self._prefetched.add(req.name)
            self.prefetch(req.name)
        return dependencies

    def _dependencies(self, candidate: Candidate) -> Iterable[Req]:
        artifact = candidate.artifact
        meta = self.metadata(artifact)
        if canonicalize_name(meta.name) != candidate.name:
            raise WheelnextError(f"{artifact.filename}: METADATA names {meta.name!r}, not "
                                 f"{candidate.name!r}")
        if not self._requires_python_ok(artifact, meta.requires_python):
            raise WheelnextError(f"{artifact.filename}: Requires-Python {meta.requires_python} "
                                 f"excludes Python {self.target.python_version}")
        who = f"{candidate.name} {candidate.version}"
        pin = Req(candidate.name, SpecifierSet(f"=={candidate.version}"), exact=artifact.key,
                  text=f"{candidate.name}=={candidate.version}", parent=who)
        if candidate.kind == DEFAULTS:
            choice = choose_extras(None, meta.provides_extra, meta.default_extra)
            if choice.extras:
                LOG.debug("%s: default extras %s (PEP 771)", who, ", ".join(sorted(choice.extras)))
            return [pin, *(Req(candidate.name, SpecifierSet(f"=={candidate.version}"), EXTRA,
                               extra, exact=artifact.key, text=f"{candidate.name}[{extra}]",
                               parent=who) for extra in sorted(choice.extras))]
        if self.options.no_deps:
            return [pin] if candidate.kind == EXTRA else []
        if candidate.kind == EXTRA:
            assert candidate.extra is not None
            choice = choose_extras(frozenset({candidate.extra}), meta.provides_extra, ())
            if choice.unknown:
                self._warn_once(f"extra {who} {candidate.extra}",
                                lambda: warn_unknown(candidate.name, str(candidate.version),
                                                     choice.unknown))
                return [pin]
            deps = [text for text in meta.requires_dist
                    if self._applies(text, artifact, candidate.extra)
                    and not self._applies(text, artifact, "")]
            parent = f"{who}[{candidate.extra}]"
            return [pin, *(req for text in deps for req in expand(text, parent))]
        deps = [text for text in meta.requires_dist if self._applies(text, artifact, "")]
        return [req for text in deps for req in expand(text, who)]


__all__ = [
    "BASE",
    "DEFAULTS",
    "EXTRA",
    "Artifact",
    "Candidate",
    "Provider",
    "Req",
    "ResolveOptions",
    "UnsupportedRequirement",
    "expand",
]
