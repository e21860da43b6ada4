"""Finding the candidate files of a project: index pages through the rules, with the caches.

Candidates per project come from :func:`wheelnext.index_priority.search` over the index plan
(PEP 766); each index's files are filtered by version specifier and then by the context's
:mod:`rules <wheelnext.install.rules>` in order (yanking, ``Requires-Python``, the TARGET
interpreter's tags, PEP 825 variant selection, PEP 777 ``Wheel-Version``), noting why each
file was dropped for the failure message. PEP 766, "Ways that a request falls through": "All
distributions from higher priority index filtered out due to version specifier, compatible
Python version, platform tag, yanking or otherwise": a group whose every file is dropped gives
nothing, and the search moves on.

Reading pages and metadata is speculative: :meth:`Candidates.prefetch` starts the pages of a
dependency (and the metadata of its likely choice) before resolvelib asks for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext.errors import WheelnextError
from wheelnext.filenames import WheelFilename, variants_filename
from wheelnext.index_priority import IndexGroup, IndexPlan, Strategy, search
from wheelnext.install.artifact import Artifact, version_of
from wheelnext.install.finder import Finder, IndexFile, InvalidIndexJson, read_wheel_metadata
from wheelnext.install.log import LOG
from wheelnext.install.options import ResolveOptions
from wheelnext.install.rules import (
    DEFAULT_RULES,
    DENY_LIST,
    FALL_THROUGH_ABSENT,
    FALL_THROUGH_FILTERED,
    INDEX_ORDER,
    INDEX_PRIORITY,
    MIRROR_GROUPS,
    RESTART_PER_PACKAGE,
    UNREACHABLE_ABORTS,
    VERSION_PRIORITY,
    Rule,
    applies,
    best_across_indexes,
)
from wheelnext.install.target import TargetPython
from wheelnext.metadata import CoreMetadata, parse_metadata
from wheelnext.variants.markers import NON_VARIANT, parse_name_part, requirement_applies


class Candidates:
    """The viable files of each project, best first, under the plan and the rules."""

    def __init__(
        self,
        finder: Finder,
        plan: IndexPlan,
        target: TargetPython,
        options: ResolveOptions | None = None,
        *,
        rules: Sequence[Rule] = DEFAULT_RULES,
        local: Mapping[NormalizedName, Path] | None = None,
        build: Callable[[Artifact], Path] | None = None,
    ) -> None:
        self.finder = finder
        self.plan = plan
        self.target = target
        self.options = options or ResolveOptions()
        self.rules = tuple(rules)
        self.local = dict(local or {})
        self.build = build
        self.tag_rank: dict[Tag, int] = {tag: i for i, tag in enumerate(target.tags)}
        #: Why files or indexes gave nothing, per project (for failure messages).
        self.notes: dict[NormalizedName, list[str]] = {}
        self._metadata: dict[str, CoreMetadata] = {}
        self._built: dict[str, Path] = {}
        self._supported: dict[tuple[str, ...], Mapping[str, Mapping[str, list[str]]]] = {}
        self._warned: set[str] = set()
        self._installed: Mapping[str, Version] | None = None
        self._entries: dict[tuple[str, str, str], list[list[Artifact]]] = {}
        self._known: dict[str, Artifact] = {}
        self._prefetched: set[NormalizedName] = set()
        self._checked: dict[str, bool] = {}
        #: The index group the last search used (read only by the restart-per-package
        #: knockout).
        self._last_group: str | None = None
        self._lock = threading.Lock()

    # -- notes and warnings (the rules' RuleContext) ----------------------------------------

    def note(self, name: NormalizedName, text: str) -> None:
        notes = self.notes.setdefault(name, [])
        if text not in notes:
            notes.append(text)

    def warn_once(self, key: str, emit: Callable[[], None]) -> None:
        if key not in self._warned:
            self._warned.add(key)
            emit()

    def applies(self, rule: Rule) -> bool:
        return applies(rule, self.rules)

    # -- metadata ---------------------------------------------------------------------------

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

    def metadata_ok(self, artifact: Artifact) -> bool:
        """The rules' ``artifact`` stage (checks that need the file's metadata), in order.
        Memoized per file: resolvelib asks again for every requirement added."""
        known = self._checked.get(artifact.key)
        if known is None:
            known = all(rule.artifact(self, artifact) for rule in self.rules
                        if rule.artifact is not None)
            self._checked[artifact.key] = known
        return known

    def check_chosen(self, artifact: Artifact, meta: CoreMetadata) -> None:
        """The rules' ``dependencies`` stage: raise if the chosen file's metadata refuses."""
        for rule in self.rules:
            if rule.dependencies is not None:
                rule.dependencies(self, artifact, meta)

    # -- variants ---------------------------------------------------------------------------

    def supported_for(self, doc: Mapping[str, Any]) -> Mapping[str, Mapping[str, list[str]]]:
        """The supported properties for *doc*: the user's, else the providers' answers, with
        PEP 817's ``abi_dependency`` namespace from the target's installed versions."""
        found = self._provided_for(doc)
        from wheelnext.variants import abi_dependency

        abi = abi_dependency.supported(doc.get("variants") or {}, self._installed_versions())
        if not abi:
            return found
        given = found.get(abi_dependency.NAMESPACE, {})
        return {**found, abi_dependency.NAMESPACE: {**abi, **given}}

    def _installed_versions(self) -> Mapping[str, Version]:
        if self._installed is None:
            found: dict[str, Version] = {}
            for name, dist in self.target.installed().items():
                try:
                    found[str(name)] = Version(dist.version)
                except InvalidVersion:
                    continue
            self._installed = found
        return self._installed

    def _provided_for(self, doc: Mapping[str, Any]) -> Mapping[str, Mapping[str, list[str]]]:
        if self.options.supported is not None:
            return self.options.supported
        priorities = doc.get("default-priorities") or {}
        key = tuple(priorities.get("namespace", [])) + tuple(sorted(doc.get("providers") or {}))
        if key not in self._supported:
            # Only variant wheels need detection: 1.1 ms of start-up (-X importtime).
            import wheelnext.detect  # noqa: F401  (registers the built-in providers)
            from wheelnext.providers.query import QueryOptions, query_metadata

            # PEP 817 "Providers": "the installer MUST check the markers against the
            # environment to which wheels are going to be installed", the TARGET's.
            result = query_metadata(doc, QueryOptions.from_user(
                use_cache=self.options.detection_cache,
                index_urls=self.options.provider_indexes,
                environment=self.target.markers,
                enable_optional=self.options.enable_optional))
            for provider in result.results:
                LOG.debug("variant provider %s: %s (%s)", provider.namespace, provider.source,
                          provider.detail)
                notice = provider.notice
                if notice is not None:
                    # Why a provider was not used is said once per provider, without -v.
                    self.warn_once(f"provider {provider.namespace}",
                                   lambda text=notice: LOG.warning(text))  # type: ignore[misc]
            self._supported[key] = result.properties
        return self._supported[key]

    def variants_json(self, files: Sequence[IndexFile], name: str,
                      version: Version) -> Mapping[str, Any] | None:
        wanted = variants_filename(name, version)
        for file in files:
            if file.filename == wanted:
                try:
                    return self.finder.json_file(file)
                except InvalidIndexJson as exc:
                    # PEP 825: an installer "SHOULD prefer to degrade gracefully rather than
                    # fail outright, for example by ignoring the variant wheels".
                    message = f"{exc}; its variant wheels are ignored"
                    self.note(canonicalize_name(name), message)
                    self.warn_once(message, lambda text=message: LOG.warning(text))  # type: ignore[misc]
                    return None
        return None

    # -- finding ----------------------------------------------------------------------------

    def _select_wheels(self, name: NormalizedName, version: Version,
                       wheels: list[tuple[IndexFile, WheelFilename]],
                       files: Sequence[IndexFile]) -> list[Artifact]:
        """The rules' ``wheels`` stage: the first rule that answers orders the wheels."""
        for rule in self.rules:
            if rule.wheels is not None:
                chosen = rule.wheels(self, name, version, wheels, files)
                if chosen is not None:
                    return chosen
        return [Artifact(name, version, file.filename, file, variant_label=wheel.variant_label)
                for file, wheel in wheels]

    def _version_entries(self, name: NormalizedName, specifier: SpecifierSet,
                         group: IndexGroup) -> list[list[Artifact]]:
        """The viable artifacts of one index group, one list per version, newest first.

        Memoized per specifier: resolvelib asks again each time a requirement is added.
        """
        key = (name, str(specifier), group.name)
        if key not in self._entries:
            self._entries[key] = self._find_entries(name, specifier, group)
            for artifacts in self._entries[key]:
                for artifact in artifacts:
                    self._known.setdefault(artifact.key, artifact)
        return [list(artifacts) for artifacts in self._entries[key]]

    def known(self, key: str) -> Artifact | None:
        """An artifact found before, by :attr:`Artifact.key`."""
        return self._known.get(key)

    def start(self, names: Sequence[NormalizedName]) -> None:
        """Start reading the pages of the user's requirements (not of local wheels)."""
        for name in dict.fromkeys(names):
            if name not in self.local:
                self._prefetched.add(name)
                self.prefetch(name)

    def prefetch_dependency(self, name: NormalizedName) -> None:
        """:meth:`prefetch` once per project, from any resolver thread."""
        with self._lock:
            if name in self._prefetched or name in self.local:
                return
            self._prefetched.add(name)
        self.prefetch(name)

    def prefetch(self, name: NormalizedName) -> None:
        """Start reading the pages a dependency will need (first group, or all groups under
        version priority), and the metadata of its newest compatible wheel."""
        groups = self.plan.groups_for(name)
        if self.plan.strategy is Strategy.INDEX_PRIORITY:
            groups = groups[:1]

        def newest_metadata(files: list[IndexFile]) -> None:
            best: tuple[Version, IndexFile] | None = None
            for file in files:
                parsed = version_of(file.filename)
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
                    requirement = parse_name_part(text)
                    dependency = canonicalize_name(requirement.name)
                    if not any(requirement_applies(text, NON_VARIANT,
                                                   self.target.environment(extra),
                                                   parsed=requirement)
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

    def _find_entries(self, name: NormalizedName, specifier: SpecifierSet,
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
        # PEP 592: only "an exact pinned version via == (without any modifiers that make it a
        # range, such as .*)" or === selects a yanked file.
        pins = [s for s in specifier if s.operator == "==="
                or (s.operator == "==" and not s.version.endswith(".*"))]
        by_version: dict[Version, list[tuple[IndexFile, WheelFilename | None]]] = {}
        for file in files.values():
            parsed = version_of(file.filename)
            if parsed is None or parsed[0] != name:
                continue
            by_version.setdefault(parsed[1], []).append((file, parsed[2]))
        allowed = set(specifier.filter(by_version, prereleases=True if self.options.pre
                                       else None))
        for version in sorted(set(by_version) - allowed, reverse=True):
            self.note(name, f"index {group.name}: {name} {version} does not match "
                      f"{specifier or 'the request'}")
        file_rules = [rule.file for rule in self.rules if rule.file is not None]
        entries: list[list[Artifact]] = []
        for version in sorted(allowed, reverse=True):
            kept = [(file, wheel) for file, wheel in by_version[version]
                    if all(check(self, name, version, file, pins) for check in file_rules)]
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
            while first and not self.metadata_ok(first[0]):
                first.pop(0)
            if first:
                break
            entries.pop(0)
        return entries

    def artifacts(self, name: NormalizedName, specifier: SpecifierSet) -> list[list[Artifact]]:
        """The viable files of *name* matching *specifier*, one list per version, best first:
        the local wheel given for it, or the PEP 766 search over the plan's groups."""
        if name in self.local:
            path = self.local[name]
            parsed = version_of(path.name)
            assert parsed is not None
            version = parsed[1]
            wheel = parsed[2]
            if not all(rule.local(self, name, path, wheel) for rule in self.rules
                       if rule.local is not None):
                return []
            artifact = Artifact(name, version, path.name, path=path,
                                variant_label=wheel.variant_label if wheel else None)
            self._known[artifact.key] = artifact
            return [[artifact]]
        return self._search(name, specifier)

    def _search(self, name: NormalizedName, specifier: SpecifierSet) -> list[list[Artifact]]:
        """PEP 766's search over the plan's groups for *name*. The rules applied here are the
        search itself; each lacking one searches as a knockout of it says (see their ``at``)."""
        plan = self.plan
        if not self.applies(DENY_LIST):
            plan = replace(plan, deny={})
        if not self.applies(MIRROR_GROUPS):
            plan = replace(plan, mirrors=())
        groups = plan.groups_for(name)
        if not self.applies(INDEX_ORDER):
            groups.reverse()
        if not self.applies(RESTART_PER_PACKAGE) and self._last_group is not None:
            names = [group.name for group in groups]
            if self._last_group in names:
                groups = groups[names.index(self._last_group):]
        stop = [False]

        def viable(group: IndexGroup) -> list[list[Artifact]]:
            if stop[0]:
                return []
            if not self.applies(FALL_THROUGH_ABSENT):
                stop[0] = True
            found = self._version_entries(name, specifier, group)
            if not self.applies(FALL_THROUGH_FILTERED) and any(
                    self.finder.project_files(member, name) is not None
                    for member in group.members):
                stop[0] = True
            if found:
                self._last_group = group.name
            return found

        strategy = plan.strategy
        if strategy is Strategy.INDEX_PRIORITY and not self.applies(INDEX_PRIORITY):
            strategy = Strategy.VERSION_PRIORITY
        elif strategy is Strategy.VERSION_PRIORITY and not self.applies(VERSION_PRIORITY):
            strategy = Strategy.INDEX_PRIORITY
        return search(
            name,
            groups,
            viable,
            strategy,
            best_first=lambda entries: best_across_indexes(self, entries),
            allow_fallthrough_on_error=(plan.allow_fallthrough_on_error
                                        or not self.applies(UNREACHABLE_ABORTS)),
        )


__all__ = ["Candidates"]
