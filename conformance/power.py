"""The suite's power to fail: each installer rule knocked out, and the scenarios that notice.

A verdict is only as good as its power to fail. For every rule of the reference installer
(:data:`wheelnext.install.rules.DEFAULT_RULES`) the suite runs against the reference
installer with that one rule removed (a *knockout*, run by :mod:`wheelnext.conformance.knockout`
in a process of its own). A scenario *kills* a knockout when its result with the knockout is
worse than with the full installer: ``pass`` to ``warn`` (a SHOULD no longer met) or to
``fail``, ``warn`` to ``fail``. Per rule the table says which scenarios kill it,
and whether one of them traces to the rule's own requirements (``scenarios/_requirements.toml``
ids the rule names); a rule no scenario kills is a hole in the suite.

The index side works the same way with the reference index's features
(:mod:`wheelnext.index.features`): the scenarios that exercise a feature run against the
default personality and against the one without that feature (served by
:mod:`wheelnext.conformance.index_knockout` in a process of its own), with the reference
installer. A scenario kills an index knockout by the same rule (:func:`kills`): an
index-side ``[[fetch]]`` scenario tests a SHOULD as a warn. A feature no scenario can
separate says why (``Feature.unseparable``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from wheelnext.conformance.adapters.protocol import InstallRequest, Invocation, Unsupported
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.index_run import run_index_suite
from wheelnext.conformance.power_known import known
from wheelnext.conformance.run import needed_index_features, run_suite
from wheelnext.conformance.runners.protocol import Runner
from wheelnext.conformance.scenario import Scenario
from wheelnext.index.features import (
    DEFAULT,
    FEATURES,
    REQUIRES_PYTHON,
    VARIANTS_FILE,
    YANKED,
    Feature,
    Personality,
    UnknownPersonality,
)
from wheelnext.install.rules import DEFAULT_RULES, Rule, without

#: How far a result is from meeting its scenario: a knockout shows when its result is further
#: than the full installer's. ``warn`` is a SHOULD (or weaker) not met, so a SHOULD scenario
#: kills with ``pass`` -> ``warn``; a MUST scenario with ``pass`` or ``warn`` -> ``fail``.
SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


def kills(baseline: Status | None, knockout: Status | None) -> bool:
    """Whether a scenario notices the knockout: both ran, and the knockout did worse."""
    if baseline not in SEVERITY or knockout not in SEVERITY:
        return False
    return SEVERITY[knockout] > SEVERITY[baseline]


@dataclass(frozen=True)
class KnockoutInstaller:
    """The reference installer with one rule removed, named ``wheelnext-without-RULE``."""

    rule: str

    @property
    def name(self) -> str:
        return f"wheelnext-without-{self.rule}"

    @property
    def version(self) -> str:
        return WheelnextInstaller().version

    def invocation(self, request: InstallRequest) -> Invocation | Unsupported:
        made = WheelnextInstaller().invocation(request)
        if isinstance(made, Unsupported):
            return made
        argv = list(made.argv)
        start = argv.index("-m")
        if argv[:start] != [sys.executable] or argv[start + 1] != "wheelnext":
            raise AssertionError(f"unexpected reference invocation {argv[:3]}")
        argv[start + 1:start + 2] = ["wheelnext.conformance.knockout", self.rule]
        return Invocation(argv=tuple(argv), env=made.env, files=made.files)


@dataclass(frozen=True)
class RulePower:
    """One rule's row: the scenarios that kill its knockout, and those that trace to it."""

    rule: str
    spec: str
    requirement_ids: tuple[str, ...]
    killed_by: tuple[str, ...]
    traced_killers: tuple[str, ...]
    #: Scenarios that trace to the rule's requirements but do not kill its knockout.
    traced_survivors: tuple[str, ...]
    #: Where the rule applies, for one applied in place (``Rule.at``).
    at: str = ""
    #: Why no tracing scenario kills the knockout, for a known hole (power_exceptions.toml).
    known_hole: str = ""

    @property
    def verdict(self) -> str:
        """``killed`` (by a scenario tracing to the rule), ``killed elsewhere`` or ``hole``."""
        if self.traced_killers:
            return "killed"
        if self.killed_by:
            return "killed elsewhere"
        return "hole"

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "spec": self.spec,
                "requirement_ids": list(self.requirement_ids),
                "killed_by": list(self.killed_by), "traced_killers": list(self.traced_killers),
                "traced_survivors": list(self.traced_survivors), "verdict": self.verdict,
                "at": self.at, "known_hole": self.known_hole}


def installers(rules: Sequence[Rule]) -> list[WheelnextInstaller | KnockoutInstaller]:
    """The full reference installer first, then one knockout per rule."""
    return [WheelnextInstaller(), *(KnockoutInstaller(rule.name) for rule in rules)]


def tabulate(scenarios: Sequence[Scenario], rules: Sequence[Rule],
             results: Sequence[Result]) -> list[RulePower]:
    """Compare each knockout's results with the full installer's, scenario by scenario."""
    by_key = {(r.scenario.id, r.installer): r.status for r in results}
    baseline = WheelnextInstaller().name
    rows = []
    for rule in rules:
        knockout = KnockoutInstaller(rule.name).name
        killed = tuple(
            s.id for s in scenarios
            if kills(by_key.get((s.id, baseline)), by_key.get((s.id, knockout))))
        own = set(rule.requirement_ids)
        tracing = [s.id for s in scenarios if own & set(s.spec.requirements)]
        rows.append(RulePower(
            rule=rule.name, spec=rule.spec, requirement_ids=rule.requirement_ids,
            killed_by=killed, traced_killers=tuple(s for s in tracing if s in killed),
            traced_survivors=tuple(s for s in tracing if s not in killed), at=rule.at,
            known_hole=known().holes.get(rule.name, "")))
    return rows


def measure(scenarios: Sequence[Scenario], runner: Runner, *,
            rules: Sequence[Rule] = DEFAULT_RULES,
            **options: Any) -> tuple[list[RulePower], list[Result]]:
    """Run *scenarios* with the full installer and every knockout; the table and the results."""
    results = run_suite(scenarios, installers(rules), runner, **options)
    return tabulate(scenarios, rules, results), results


def tracing(rule: Rule, scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios that trace to one of *rule*'s requirement ids."""
    own = set(rule.requirement_ids)
    return [s for s in scenarios if own & set(s.spec.requirements)]


def measure_tracing(scenarios: Sequence[Scenario], runner: Runner, *,
                    rules: Sequence[Rule] = DEFAULT_RULES,
                    also: Mapping[str, Sequence[str]] | None = None,
                    jobs: int = 1, progress: Callable[[Result], None] | None = None,
                    planned: Callable[[int], None] | None = None,
                    **options: Any) -> tuple[list[RulePower], list[Result]]:
    """Like :func:`measure`, but each knockout runs only its tracing scenarios (and those
    *also* names for it: for a rule without requirement ids, the scenarios known to kill it).

    The full installer runs once over all of them; then the knockouts run side by side, *jobs*
    at a time, each over its own scenarios.
    """
    by_id = {s.id: s for s in scenarios}
    chosen = {rule.name: [*tracing(rule, scenarios),
                          *(by_id[i] for i in (also or {}).get(rule.name, ()) if i in by_id)]
              for rule in rules}
    for name, picked in chosen.items():
        chosen[name] = list({s.id: s for s in picked}.values())
    union = list({s.id: s for picked in chosen.values() for s in picked}.values())
    if planned is not None:
        planned(len(union) + sum(len(picked) for picked in chosen.values()))
    results = run_suite(union, [WheelnextInstaller()], runner, jobs=jobs, progress=progress,
                        **options)

    def one(rule: Rule) -> list[Result]:
        if not chosen[rule.name]:
            return []
        return run_suite(chosen[rule.name], [KnockoutInstaller(rule.name)], runner, jobs=1,
                         progress=progress, **options)

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for found in pool.map(one, rules):
            results.extend(found)
    return tabulate(union, rules, results), results


def select_rules(names: Sequence[str]) -> list[Rule]:
    """The rules named (all of them when *names* is empty); an unknown name is an error."""
    if not names:
        return list(DEFAULT_RULES)
    without(*names)  # raises on an unknown name
    return [rule for rule in DEFAULT_RULES if rule.name in names]


@dataclass(frozen=True)
class FeaturePower:
    """One index feature's row: the scenarios run, those that kill its knockout."""

    feature: Feature
    exercised_by: tuple[str, ...]
    killed_by: tuple[str, ...]
    traced_killers: tuple[str, ...]
    traced_survivors: tuple[str, ...]

    @property
    def rule(self) -> str:
        return f"index:{self.feature.name}"

    @property
    def verdict(self) -> str:
        """``killed``, ``killed elsewhere``, ``cannot separate`` (with a reason) or ``hole``."""
        if self.traced_killers:
            return "killed"
        if self.killed_by:
            return "killed elsewhere"
        return "cannot separate" if self.feature.unseparable else "hole"

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "side": "index", "spec": self.feature.spec,
                "requirement_ids": list(self.feature.requirement_ids),
                "exercised_by": list(self.exercised_by), "killed_by": list(self.killed_by),
                "traced_killers": list(self.traced_killers),
                "traced_survivors": list(self.traced_survivors), "verdict": self.verdict,
                **({"reason": self.feature.unseparable}
                   if self.verdict == "cannot separate" else {})}


def _folded(sentence: str) -> str:
    return " ".join(sentence.replace("*", "").replace("`", "").split())


def traces_to(scenario: Scenario, feature: Feature) -> bool:
    """Whether *scenario* traces to *feature*: a requirement id, or one of its sentences."""
    if set(feature.requirement_ids) & set(scenario.spec.requirements):
        return True
    return any(_folded(scenario.spec.sentence).startswith(start) for start in feature.traced_by)


def exercising(feature: Feature, scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios that can notice *feature* missing: every index-side ``[[fetch]]``
    scenario, those tracing to the feature, and those whose packages carry what it serves
    (a yank, a Requires-Python, variant wheels)."""

    def carries(scenario: Scenario) -> bool:
        if feature is YANKED:
            return any(index.yanked for index in scenario.indexes)
        if feature is REQUIRES_PYTHON:
            return any("requires-python" in package
                       for index in scenario.indexes for package in index.packages)
        if feature is VARIANTS_FILE:
            return VARIANTS_FILE.name in needed_index_features(scenario)
        return False

    return [s for s in scenarios if s.fetches or traces_to(s, feature) or carries(s)]


def select_features(names: Sequence[str]) -> list[Feature]:
    """The index features named (all of them when *names* is empty)."""
    for name in names:
        if name not in FEATURES:
            raise UnknownPersonality(
                f"--index-feature {name!r}: expected one of {', '.join(FEATURES)}")
    return [f for f in FEATURES.values() if not names or f.name in names]


def measure_index(scenarios: Sequence[Scenario], runner: Runner, *,
                  features: Sequence[Feature],
                  planned: Callable[[int], None] | None = None,
                  **options: Any) -> tuple[list[FeaturePower], list[Result]]:
    """Run the exercising scenarios with the reference installer against the full index and
    against each feature's knockout; one row per feature, and every result."""
    chosen = {f.name: exercising(f, scenarios) for f in features}
    union = [s for s in scenarios if any(s in run for run in chosen.values())]
    total = 0

    def count(n: int) -> None:
        nonlocal total
        total += n
        if planned:
            planned(total)

    reference = [WheelnextInstaller()]

    def run(chosen: Sequence[Scenario], personality: Personality) -> list[Result]:
        """Installer scenarios with the reference installer; index scenarios without an
        install by the harness's own fetches (:mod:`~wheelnext.conformance.index_run`)."""
        installs = [s for s in chosen if s.installs]
        fetches_only = [s for s in chosen if not s.installs]
        ran = run_suite(installs, reference, runner, planned=count,
                        personalities=[personality], **options) if installs else []
        if fetches_only:
            count(len(fetches_only))
            ran += run_index_suite(fetches_only, "reference", personality=personality,
                                   cache=options.get("cache"))
        return ran

    results = run(union, DEFAULT)
    baseline = {r.scenario.id: r.status for r in results}
    rows = []
    for feature in features:
        knockout = DEFAULT.without(feature.name)
        ran = run(chosen[feature.name], knockout)
        results += ran
        killed = tuple(r.scenario.id for r in ran if kills(baseline.get(r.scenario.id), r.status))
        tracing = [s.id for s in chosen[feature.name] if traces_to(s, feature)]
        rows.append(FeaturePower(
            feature, tuple(s.id for s in chosen[feature.name]), killed,
            tuple(s for s in tracing if s in killed), tuple(s for s in tracing if s not in killed)))
    return rows, results


__all__ = ["FeaturePower", "KnockoutInstaller", "RulePower", "exercising", "installers", "kills",
           "measure", "measure_index", "measure_tracing", "select_features", "select_rules",
           "tabulate", "traces_to", "tracing"]
