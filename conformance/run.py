"""The whole data flow for a run: materialize, serve, run, observe, check.

Results come back in a stable order (scenario id, then installer and Python
in the order given) whatever ``-j`` is, so two runs produce identical reports.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from packaging.version import Version

from wheelnext.conformance.adapters import Installer, Unsupported
from wheelnext.conformance.check import Result, Status, check, evidence
from wheelnext.conformance.materialize import default_cache, materialize_all
from wheelnext.conformance.observe import Observation
from wheelnext.conformance.runners.protocol import DEFAULT_TIMEOUT, Job, Runner
from wheelnext.conformance.scenario import Scenario

__all__ = ["default_cache", "needed_features", "run_suite"]

#: What a session's run gives back.
Observed = Observation | Unsupported


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
) -> list[Result]:
    """Run every scenario with every installer on every Python; one :class:`Result` each.

    Once every scenario's applicability is known, *planned* gets the number
    of installer runs that will happen; *progress* then gets each of their
    results as it comes (a result that does not apply never runs, so it is
    neither planned nor reported as progress).
    """
    cache = cache or default_cache()
    built = materialize_all(scenarios, cache / "packages")
    results: dict[tuple[int, int, int], Result] = {}
    work: list[tuple[tuple[int, int, int], Job]] = []
    key = 0
    for si, scenario in enumerate(scenarios):
        for ii, installer in enumerate(installers):
            for pi, python in enumerate(pythons):
                version = runner.python_version(python)
                base = Result(
                    scenario=scenario,
                    installer=installer.name,
                    installer_version=installer.version,
                    python=version or str(python),
                    status=Status.NOT_APPLICABLE,
                )
                if not scenario.installs:
                    results[si, ii, pi] = _replace(
                        base, reason="an index scenario without an install: run --audience index"
                    )
                elif version is None:
                    results[si, ii, pi] = _replace(base, reason=f"Python {python} is not installed")
                elif scenario.python and not scenario.python.contains(
                    Version(version), prereleases=True
                ):
                    results[si, ii, pi] = _replace(
                        base, reason=f"needs Python {scenario.python}, this is {version}"
                    )
                elif missing := needed_features(scenario) - runner.features:
                    results[si, ii, pi] = _replace(
                        base,
                        reason=f"the {runner.name} runner cannot do {', '.join(sorted(missing))}",
                    )
                elif reason := runner.not_applicable(scenario, built[scenario.id]):
                    results[si, ii, pi] = _replace(base, reason=reason)
                else:
                    key += 1
                    job_timeout = scenario.timeout or timeout or DEFAULT_TIMEOUT
                    job = Job(
                        key,
                        scenario,
                        installer,
                        python,
                        built[scenario.id],
                        job_timeout,
                        tuple(extra_args),
                    )
                    work.append(((si, ii, pi), job))
                    results[si, ii, pi] = base
    if planned:
        planned(len(work))
    if work:
        workdir = Path(tempfile.mkdtemp(prefix="wheelnext-conformance-"))
        try:
            with runner.open([job for _, job in work], workdir) as session:
                pool = ThreadPoolExecutor(max_workers=max(1, jobs))
                try:
                    futures: list[tuple[tuple[int, int, int], Job, Future[Observed]]] = [
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
