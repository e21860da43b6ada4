"""The resolvelib provider: identifiers, preferences and PEP 771's node expansion.

Identifiers: ``name`` (the distribution), ``name[extra]`` (one extra of it) and
``name[:default:]`` (its PEP 771 default extras). A requirement without brackets adds the
``:default:`` node; ``name[]`` adds only ``name``; ``name[a,b]`` adds ``name[a]`` and
``name[b]``. An extra or default node depends on exactly the same file as its distribution
node. So PEP 771's union ("the default extras must be installed if any of the instances of the
package are specified without extras") is the presence of one ``:default:`` node anywhere in
the tree; explicit extras never add it; unknown extras are ignored with a warning.

Which files a project offers, and in which order, is :class:`~wheelnext.install.candidates.
Candidates`' work (the index plan and the :mod:`rules <wheelnext.install.rules>`).
Dependencies are read from the selected wheel's metadata, variant markers evaluated with that
wheel's properties (PEP 825 "Evaluating variant markers": after selection).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider
from resolvelib.structs import RequirementInformation

from wheelnext.default_extras import (
    choose_extras,
    parse_requirement,
    requested_extras,
    warn_unknown,
)
from wheelnext.errors import WheelnextError
from wheelnext.index_priority import IndexPlan
from wheelnext.install.artifact import Artifact
from wheelnext.install.candidates import Candidates
from wheelnext.install.finder import Finder
from wheelnext.install.log import LOG
from wheelnext.install.options import ResolveOptions
from wheelnext.install.rules import (
    DEFAULT_EXTRAS,
    DEFAULT_RULES,
    EMPTY_EXTRAS,
    EXPLICIT_EXTRAS,
    UNKNOWN_EXTRAS,
    Rule,
    applies,
)
from wheelnext.install.target import TargetPython
from wheelnext.metadata import CoreMetadata
from wheelnext.variants.markers import parse_name_part, requirement_applies

DEFAULT = ":default:"
BASE, EXTRA, DEFAULTS = "base", "extra", "default"


class UnsupportedRequirement(WheelnextError):
    """A requirement form this installer does not handle (direct URLs in metadata, ...)."""


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
class ParsedRequirement:
    """A requirement's text before its marker, parsed once: what :func:`expand` needs."""

    name: NormalizedName
    specifier: SpecifierSet
    #: PEP 771: None when no brackets are given, ``frozenset()`` for ``name[]``.
    extras: frozenset[NormalizedName] | None
    #: The normalized text (no marker), as failure messages quote it.
    text: str


@functools.lru_cache(maxsize=4096)
def parse_dependency(text: str) -> ParsedRequirement:
    """Parse the part of *text* before ``;`` (the marker, which may use PEP 825 variant
    markers that ``packaging`` cannot parse, is evaluated by the caller). Cached: the same
    ``Requires-Dist`` strings come back for every candidate version of a project."""
    text = text.split(";", 1)[0].strip()
    requirement = parse_requirement(text)
    if requirement.url:
        raise UnsupportedRequirement(f"requirement {text!r}: direct URL requirements are not "
                                     "supported; give the wheel file's path instead")
    return ParsedRequirement(canonicalize_name(requirement.name), requirement.specifier,
                             requested_extras(text, requirement),
                             str(Requirement(str(requirement))))


def expand(text: str, parent: str | None, rules: Sequence[Rule] = DEFAULT_RULES) -> list[Req]:
    """The identifier nodes one ``Requires-Dist`` / command-line requirement adds.

    Its marker must have been evaluated by the caller (it may use PEP 825 variant markers,
    which ``packaging`` cannot parse), so only the part before ``;`` is read. The
    ``empty-extras`` and ``explicit-extras`` rules (:mod:`wheelnext.install.rules`) are
    applied here.
    """
    parsed = parse_dependency(text)
    name, specifier, clean = parsed.name, parsed.specifier, parsed.text
    extras = parsed.extras
    if extras is not None and not extras and not applies(EMPTY_EXTRAS, rules):
        extras = None
    base = Req(name, specifier, BASE, text=clean, parent=parent)
    defaults = Req(name, specifier, DEFAULTS, text=clean, parent=parent)
    if extras is None:
        return [base, defaults]
    nodes = [base, *(Req(name, specifier, EXTRA, extra, text=clean, parent=parent)
                     for extra in sorted(extras))]
    if extras and not applies(EXPLICIT_EXTRAS, rules):
        nodes.append(defaults)
    return nodes


class Provider(AbstractProvider[Req, Candidate, str]):
    """resolvelib's provider: identifiers, preference, matches and dependencies."""

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
        self.candidates = Candidates(finder, plan, target, options, rules=rules, local=local,
                                     build=build)
        self.finder = finder
        self.plan = plan
        self.target = target
        self.options = self.candidates.options
        self.local = self.candidates.local
        #: Why files or indexes gave nothing, per project (for failure messages).
        self.notes = self.candidates.notes
        #: (id of a requirement, artifact key) -> (the requirement, whether it is satisfied).
        self._satisfied: dict[tuple[int, str], tuple[Req, bool]] = {}

    def built_wheel(self, artifact: Artifact) -> Path | None:
        return self.candidates.built_wheel(artifact)

    def metadata(self, artifact: Artifact) -> CoreMetadata:
        return self.candidates.metadata(artifact)

    def _metadata_ok(self, artifact: Artifact) -> bool:
        return self.candidates.metadata_ok(artifact)

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
            known = (self.candidates.known(key) for key in sorted(exact))
            entries = [[artifact] for artifact in known if artifact is not None]
        else:
            # An extra or default node searches with its distribution's requirements too, so
            # both land on the same index and version (PEP 766: one source per request).
            search_reqs = list(reqs)
            if kind != BASE:
                with contextlib.suppress(KeyError):
                    search_reqs += [req for req in requirements[name] if not req.exact]
            specifier = SpecifierSet()
            for req in search_reqs:
                specifier &= req.specifier
            entries = self.candidates.artifacts(name, specifier)

        def matches() -> Iterator[Candidate]:
            for artifacts in entries:
                for artifact in artifacts:
                    if artifact.key in bad or (exact and artifact.key not in exact):
                        continue
                    if not all(req.specifier.contains(artifact.version, prereleases=True)
                               for req in reqs):
                        continue
                    if not self.candidates.metadata_ok(artifact):
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

    def _applies(self, text: str, artifact: Artifact, extra: str,
                 parsed: Requirement | None = None) -> bool:
        return requirement_applies(text, artifact.variant, self.target.environment(extra),
                                   parsed=parsed)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Req]:
        dependencies = list(self._dependencies(candidate))
        artifact = candidate.artifact
        if (self.options.download_ahead and candidate.kind == BASE
                and artifact.file is not None and not artifact.is_sdist):
            self.finder.prefetch_download(artifact.file)
        for req in dependencies:
            self.candidates.prefetch_dependency(req.name)
        return dependencies

    def _dependencies(self, candidate: Candidate) -> Iterable[Req]:
        artifact = candidate.artifact
        meta = self.metadata(artifact)
        if canonicalize_name(meta.name) != candidate.name:
            raise WheelnextError(f"{artifact.filename}: METADATA names {meta.name!r}, not "
                                 f"{candidate.name!r}")
        self.candidates.check_chosen(artifact, meta)
        who = f"{candidate.name} {candidate.version}"
        pin = Req(candidate.name, SpecifierSet(f"=={candidate.version}"), exact=artifact.key,
                  text=f"{candidate.name}=={candidate.version}", parent=who)
        if candidate.kind == DEFAULTS:
            choice = choose_extras(None, meta.provides_extra,
                                   meta.default_extra if self._applies_rule(DEFAULT_EXTRAS)
                                   else ())
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
                if not self._applies_rule(UNKNOWN_EXTRAS):
                    raise WheelnextError(f"{who}: no extra named {candidate.extra!r}")
                self.candidates.warn_once(
                    f"extra {who} {candidate.extra}",
                    lambda: warn_unknown(candidate.name, str(candidate.version), choice.unknown))
                return [pin]
            # Two evaluations of one entry: its name part is parsed once for both.
            parsed = [(text, parse_name_part(text)) for text in meta.requires_dist]
            deps = [text for text, req in parsed
                    if self._applies(text, artifact, candidate.extra, req)
                    and not self._applies(text, artifact, "", req)]
            parent = f"{who}[{candidate.extra}]"
            return [pin, *(req for text in deps
                           for req in expand(text, parent, self.candidates.rules))]
        deps = [text for text in meta.requires_dist if self._applies(text, artifact, "")]
        return [req for text in deps for req in expand(text, who, self.candidates.rules)]

    def _applies_rule(self, rule: Rule) -> bool:
        return applies(rule, self.candidates.rules)


__all__ = [
    "BASE",
    "DEFAULTS",
    "EXTRA",
    "Artifact",
    "Candidate",
    "ParsedRequirement",
    "Provider",
    "Req",
    "ResolveOptions",
    "UnsupportedRequirement",
    "expand",
    "parse_dependency",
]
