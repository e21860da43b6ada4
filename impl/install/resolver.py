"""Resolving the user's requirements into one file per distribution, or saying why not.

A failure is explained in terms of the request: which requirement (and who asked for it),
which indexes were searched, and which rule excluded which file (version specifier,
``Requires-Python``, tags, yanking, ``Wheel-Version``, variant selection, ``--only-binary``),
from the notes the provider keeps while filtering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver

from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name
from wheelnext.index_priority import IndexPlan
from wheelnext.install.artifact import Artifact
from wheelnext.install.finder import Finder
from wheelnext.install.options import ResolveOptions
from wheelnext.install.provider import BASE, Candidate, Provider, Req, expand
from wheelnext.install.rules import DEFAULT_RULES, Rule
from wheelnext.install.target import TargetPython
from wheelnext.variants.markers import NON_VARIANT, requirement_applies


class ResolutionFailed(WheelnextError):
    """No set of files satisfies the request; the message says which rule stood in the way."""


@dataclass
class Resolved:
    """One distribution of the result."""

    name: NormalizedName
    artifact: Artifact
    extras: set[str] = field(default_factory=set)
    requested: bool = False

    @property
    def version(self) -> str:
        return str(self.artifact.version)


@dataclass
class Resolution:
    """The resolved distributions in a stable order (by name), and the provider that chose."""

    dists: list[Resolved]
    provider: Provider

    def wheel_path(self, dist: Resolved) -> Path | None:
        """For an sdist, the wheel built from it during resolution."""
        return self.provider.built_wheel(dist.artifact)


def user_requirements(
    texts: Sequence[str], environment: dict[str, str] | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> tuple[list[Req], dict[NormalizedName, Path]]:
    """Parse command-line requirements; an existing ``.whl``/``.whlx`` path is a local wheel.

    A requirement whose marker is false in *environment* (the target's) is dropped.
    """
    reqs: list[Req] = []
    local: dict[NormalizedName, Path] = {}
    for text in texts:
        path = Path(text)
        if text.endswith((".whl", ".whlx")) and ("/" in text or path.exists()):
            if not path.is_file():
                raise ResolutionFailed(f"{text}: no such wheel file")
            wheel = parse_wheel_name(path.name)
            local[wheel.name] = path.absolute()
            reqs.extend(expand(f"{wheel.name}=={wheel.version}", None, rules))
            continue
        if environment is not None and not requirement_applies(text, NON_VARIANT, environment):
            continue
        reqs.extend(expand(text, None, rules))
    return reqs, local


def _explain(provider: Provider, error: ResolutionImpossible[Req, Candidate]) -> str:
    parts: list[str] = []
    seen: set[str] = set()
    for cause in error.causes:
        req: Req = cause.requirement
        asked = req.text or req.name
        who = f"required by {cause.parent}" if cause.parent is not None else "your request"
        key = f"{asked}|{who}"
        if key in seen:
            continue
        seen.add(key)
        notes = provider.notes.get(req.name, [])
        searched = ", ".join(group.name for group in provider.plan.groups_for(req.name))
        if provider.local.get(req.name):
            where = f"local file {provider.local[req.name].name}"
        else:
            where = f"searched {searched or 'no index'}"
        reason = "; ".join(notes[-6:]) if notes else "no file matches"
        parts.append(f"{asked} ({who}): {where}: {reason}")
    return "cannot resolve: " + " | ".join(parts)


def resolve(
    requirements: Sequence[str],
    finder: Finder,
    plan: IndexPlan,
    target: TargetPython,
    options: ResolveOptions | None = None,
    *,
    rules: Sequence[Rule] = DEFAULT_RULES,
    build: Callable[[Artifact], Path] | None = None,
    reporter: BaseReporter[Req, Candidate, str] | None = None,
) -> Resolution:
    """Resolve *requirements* (strings or local wheel paths) against *plan*'s indexes,
    choosing files under *rules* (:data:`~wheelnext.install.rules.DEFAULT_RULES`)."""
    reqs, local = user_requirements(requirements, target.environment(), rules)
    provider = Provider(finder, plan, target, options, rules=rules, local=local, build=build)
    provider.candidates.start([req.name for req in reqs])
    resolver: Resolver[Req, Candidate, str] = Resolver(provider, reporter or BaseReporter())
    try:
        result = resolver.resolve(reqs, max_rounds=2000)
    except ResolutionImpossible as exc:
        raise ResolutionFailed(_explain(provider, exc)) from None
    except ResolutionTooDeep:
        raise ResolutionFailed("cannot resolve: too many rounds of backtracking") from None
    requested = {req.name for req in reqs}
    dists: dict[NormalizedName, Resolved] = {}
    for candidate in result.mapping.values():
        if candidate.kind == BASE:
            dists[candidate.name] = Resolved(candidate.name, candidate.artifact,
                                             requested=candidate.name in requested)
    for candidate in result.mapping.values():
        if candidate.kind != BASE and candidate.extra is not None:
            meta = provider.metadata(candidate.artifact)
            provided = {canonicalize_name(e) for e in meta.provides_extra}
            if candidate.extra in provided:
                dists[candidate.name].extras.add(candidate.extra)
    return Resolution([dists[name] for name in sorted(dists)], provider)


__all__ = ["Resolution", "ResolutionFailed", "Resolved", "resolve", "user_requirements"]
