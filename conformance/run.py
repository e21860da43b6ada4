"""The whole data flow for a run: materialize, serve, run, observe, check.

Results come back in a stable order (scenario id, then installer and Python
in the order given) whatever ``-j`` is, so two runs produce identical reports.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from packaging.version import Version

from wheelnext.conformance.adapters import Installer, Unsupported
from wheelnext.conformance.check import Result, Status, check, evidence
from wheelnext.conformance.materialize import default_cache, materialize_all
from wheelnext.conformance.observe import Observation
from wheelnext.conformance.runners.protocol import DEFAULT_TIMEOUT, Job, NotApplicable, Runner
from wheelnext.conformance.scenario import Scenario
from wheelnext.index.features import DEFAULT, JSON_API, VARIANTS_FILE, Personality
from wheelnext.index.variants_file import parse_variants_filename

__all__ = ["default_cache", "needed_features", "needed_index_features", "run_suite"]

#: What a session's run gives back.
Observed = Observation | Unsupported | NotApplicable


def run_suite(
    scenarios: Sequence[Scenario],
    installers: Sequence[Installer],
    runner: Runner,
    *,
    pythons: Sequence[str | None] = (None,),
    jobs: int = 1,
    timeout: float | None = None,
    cache: Path | None = None,
    progress: Callable[[Result], None] | None = None,
    extra_args: Sequence[str] = (),
    planned: Callable[[int], None] | None = None,
    personalities: Sequence[Personality] = (DEFAULT,),
    only: Collection[tuple[int, int, int]] | None = None,
) -> list[Result]:
    """Run every scenario with every installer on every Python against every index
    personality; one :class:`Result` each.

    A scenario that needs an index feature a named personality lacks
    (:func:`needed_index_features`) does not apply to it; a knockout
    (``Personality.knocked_out``) runs everything, since catching the missing
    feature is its point.

    Once every scenario's applicability is known, *planned* gets the number
    of installer runs that will happen; *progress* then gets each of their
    results as it comes (a result that does not apply never runs, so it is
    neither planned nor reported as progress). With *only* (a shard), just the
    combinations at those (scenario, installer, Python) positions run or are reported.
    """
    cache = cache or default_cache()
    wanted = {si for si, _, _ in only} if only is not None else range(len(scenarios))
    needed = [s for si, s in enumerate(scenarios) if si in wanted]
    built = materialize_all(needed, cache / "packages")
    results: dict[tuple[int, int, int, int], Result] = {}
    work: list[tuple[tuple[int, int, int, int], Job]] = []
    for si, scenario in enumerate(scenarios):
        for ii, installer in enumerate(installers):
            for pi, python in enumerate(pythons):
                if only is not None and (si, ii, pi) not in only:
                    continue
                version = runner.python_version(python)
                for xi, personality in enumerate(personalities):
                    base = Result(
                        scenario=scenario,
                        installer=installer.name,
                        installer_version=installer.version,
                        python=version or str(python),
                        status=Status.NOT_APPLICABLE,
                        index_personality=personality.name,
                    )
                    position = (si, ii, pi, xi)
                    reason = _not_applicable(
                        scenario, runner, python, version, personality
                    ) or runner.not_applicable(scenario, built[scenario.id])
                    if reason:
                        results[position] = _replace(base, reason=reason)
                    else:
                        # numbered by place in the whole run, so a shard's jobs keep their names
                        key = (((si * len(installers) + ii) * len(pythons) + pi)
                               * len(personalities) + xi + 1)
                        job_timeout = scenario.timeout or timeout or DEFAULT_TIMEOUT
                        job = Job(
                            key,
                            scenario,
                            installer,
                            python,
                            built[scenario.id],
                            job_timeout,
                            tuple(extra_args),
                            personality,
                            version,
                        )
                        work.append((position, job))
                        results[position] = base
    if planned:
        planned(len(work))
    if work:
        workdir = Path(tempfile.mkdtemp(prefix="wheelnext-conformance-"))
        try:
            with runner.open([job for _, job in work], workdir) as session:
                pool = ThreadPoolExecutor(max_workers=max(1, jobs))
                try:
                    futures: list[tuple[tuple[int, int, int, int], Job, Future[Observed]]] = [
                        (position, job, pool.submit(session.run, job)) for position, job in work
                    ]
                    for position, job, future in futures:
                        results[position] = _result(results[position], job, future)
                        if progress:
                            progress(results[position])
                except BaseException:
                    session.close()
                    raise
                finally:
                    pool.shutdown(wait=True, cancel_futures=True)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return [results[position] for position in sorted(results)]


def _not_applicable(
    scenario: Scenario,
    runner: Runner,
    python: str | None,
    version: str | None,
    personality: Personality,
) -> str | None:
    """Why *scenario* cannot run here (None: it can), before the runner's own reasons."""
    if not scenario.installs:
        return "an index scenario without an install: run --audience index"
    if version is None:
        return f"Python {python} is not installed"
    if scenario.python and not scenario.python.contains(Version(version), prereleases=True):
        return f"needs Python {scenario.python}, this is {version}"
    if missing := needed_features(scenario) - runner.features:
        return f"the {runner.name} runner cannot do {', '.join(sorted(missing))}"
    if personality != DEFAULT and "personalities" not in runner.features:
        return f"the {runner.name} runner serves the {DEFAULT.name} index personality only"
    if not personality.knocked_out and (
        lacking := needed_index_features(scenario) - personality.features
    ):
        return f"the {personality.name} index personality has no {', '.join(sorted(lacking))}"
    return None


def needed_index_features(scenario: Scenario) -> frozenset[str]:
    """The index features (``wheelnext.index.features``) *scenario* cannot do without.

    A ``[[fetch]]`` asking for JSON needs the JSON API; a scenario with variant wheels,
    or one that fetches or expects a request for a ``*-variants.json``, needs PEP 825's
    file (without it no installer can tell the variants apart). Features whose absence
    an installer must cope with (metadata files, hashes, yanking, Requires-Python) are
    never needed: a personality without them is exactly what such a scenario should see.
    """
    needed = set()
    for fetch in scenario.fetches:
        if fetch.accept and "json" in fetch.accept:
            needed.add(JSON_API.name)
        if parse_variants_filename(fetch.path.rstrip("/").rpartition("/")[2]):
            needed.add(VARIANTS_FILE.name)
    for index in scenario.indexes:
        if index.variants_json_omit or any("variant" in p for p in index.packages):
            needed.add(VARIANTS_FILE.name)
    for outcome in scenario.outcomes:
        expected = outcome.requests
        paths = (*expected.asked, *expected.fetched) if expected else ()
        if any(parse_variants_filename(p.rstrip("/").rpartition("/")[2]) for p in paths):
            needed.add(VARIANTS_FILE.name)
    return frozenset(needed)


def needed_features(scenario: Scenario) -> frozenset[str]:
    """What a runner must do for *scenario* beyond one install (``Runner.features``)."""
    needed = set()
    if scenario.fetches:
        needed.add("fetch")
    if scenario.request.preinstall:
        needed.add("preinstall")
    return frozenset(needed)


def _replace(result: Result, **changes: object) -> Result:
    return dataclasses.replace(result, **changes)  # type: ignore[arg-type]


def _result(base: Result, job: Job, future: Future[Observed]) -> Result:
    try:
        observed = future.result()
        if isinstance(observed, Unsupported):
            return _replace(base, status=Status.UNSUPPORTED, reason=observed.reason)
        if isinstance(observed, NotApplicable):
            return _replace(base, status=Status.NOT_APPLICABLE, reason=observed.reason)
        if job.scenario.fetches and observed.fetched is None:
            reason = "this runner does not make the scenario's [[fetch]] requests"
            return _replace(base, status=Status.NOT_APPLICABLE, reason=reason)
        verdict = check(job.scenario, observed)
        decided = evidence(job.scenario, *verdict, observed)
    except Exception as exc:  # a harness failure is a result (error), never a crash
        return _replace(base, status=Status.ERROR, reason=f"{type(exc).__name__}: {exc}")
    return _replace(
        base,
        status=verdict.status,
        outcome=verdict.outcome,
        failures=verdict.failures,
        observation=observed,
        evidence=decided,
    )


def too_few_applied(results: Sequence[Result], minimum: int = 1) -> str | None:
    """Why a run proves too little: fewer than *minimum* results applied (None: enough did).

    A run in which nothing applied exits 0 on every other count, yet shows
    nothing about the installer; the message names the commonest reasons.
    """
    applied = sum(r.status is not Status.NOT_APPLICABLE for r in results)
    if applied >= max(1, minimum):
        return None
    reasons: dict[str, int] = {}
    for r in results:
        if r.status is Status.NOT_APPLICABLE:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    common = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = "; ".join(f"{reason} ({count})" for reason, count in common[:3])
    more = f"; {len(common) - 3} other reasons" if len(common) > 3 else ""
    need = "none" if applied == 0 else f"only {applied}"
    wanted = f" (--min-applicable {minimum})" if minimum > 1 else ""
    return (
        f"{need} of {len(results)} results applied{wanted}; "
        f"{len(results) - applied} not applicable: {shown}{more}"
    )
