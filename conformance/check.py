"""Check: compare an observation with a scenario's expected outcomes.

Results are the five categories of docs/design.rst, plus ``warn``: "A SHOULD, SHOULD
NOT or MAY not met is reported apart, never as a fail" (docs/design.rst, "Results").
A rule a PEP states in plain words counts as a MUST. A scenario with several
acceptable outcomes (``[[expect.one-of]]``) passes when one holds in full, and
the result names the one observed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext.conformance.errors import RecordError
from wheelnext.conformance.fields import Fields
from wheelnext.conformance.observe import Observation
from wheelnext.conformance.scenario import (
    ABSENT,
    Installed,
    Outcome,
    RequestsExpectation,
    Scenario,
)
from wheelnext.errors import WheelnextError
from wheelnext.filenames import is_distribution_filename, project_of


class Status(enum.StrEnum):
    """The result categories (docs/design.rst, "Results"); ``warn`` is a weaker rule not met."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNSUPPORTED = "unsupported"
    NOT_APPLICABLE = "not applicable"
    ERROR = "error"


@dataclass(frozen=True)
class Result:
    """One scenario for one installer configuration on one Python version."""

    scenario: Scenario
    installer: str
    installer_version: str
    python: str
    status: Status
    outcome: str = ""
    failures: tuple[str, ...] = ()
    reason: str = ""
    observation: Observation | None = None
    annotation: str = ""
    #: What decided the result (:func:`evidence`).
    evidence: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    #: The index personality that served the packages (``wheelnext.index.features``).
    index_personality: str = "json-full"

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.scenario.id, self.installer, self.python, self.index_personality)


def _same_version(observed: str, expected: str) -> bool:
    try:
        return Version(observed) == Version(expected)
    except InvalidVersion:
        return observed == expected


def _installed_failures(outcome: Outcome, observation: Observation) -> list[str]:
    assert outcome.installed is not None
    failures = []
    seen = observation.installed
    for project, want in sorted(outcome.installed.items()):
        got = seen.get(project)
        if got is None:
            if ABSENT not in want.versions:
                failures.append(f"{project}: expected {want.describe()}, observed not installed")
            continue
        if not any(v != ABSENT and _same_version(got.version, v) for v in want.versions):
            failures.append(f"{project}: expected {want.describe()}, observed {got.version}")
        elif want.variants is not None and _variant(got.variant) not in want.variants:
            failures.append(
                f"{project}: expected variant {_labels(want)}, observed "
                f"{'non-variant' if got.variant is None else got.variant}"
            )
    if outcome.installed_exact:
        expected = {p for p, w in outcome.installed.items() if w.versions != {ABSENT}}
        for project in sorted(set(seen) - expected):
            failures.append(f"{project}: not expected, observed {seen[project].version} installed")
    return failures


def _variant(label: str | None) -> str | bool:
    return False if label is None else label


def _labels(want: Installed) -> str:
    assert want.variants is not None
    return " or ".join(sorted("non-variant" if v is False else str(v) for v in want.variants))


def _path_failures(outcome: Outcome, observation: Observation) -> list[str]:
    failures = []
    paths = observation.paths
    for path in outcome.files_present:
        if not paths.get(path) or not paths[path].exists:
            failures.append(f"{path}: expected present, observed absent")
    for path in outcome.files_absent:
        if paths.get(path) and paths[path].exists:
            failures.append(f"{path}: expected absent, observed present")
    for path, target in sorted(outcome.symlinks.items()):
        state = paths.get(path)
        if not state or not state.symlink:
            observed = "absent" if not state or not state.exists else "a regular file"
            failures.append(f"{path}: expected a symlink to {target}, observed {observed}")
        elif state.target != target:
            failures.append(f"{path}: expected a symlink to {target}, observed -> {state.target}")
    for path in outcome.not_symlinks:
        state = paths.get(path)
        if not state or not state.exists:
            failures.append(f"{path}: expected a file that is not a symlink, observed absent")
        elif state.symlink:
            failures.append(f"{path}: expected no symlink, observed -> {state.target}")
    return failures


def _request_failures(outcome: Outcome, observation: Observation) -> list[str]:
    want = outcome.requests
    assert want is not None
    failures = []
    order: list[str] = []
    for request in observation.requests:
        if request.index not in order:
            order.append(request.index)
    for index in want.asked:
        if index not in order:
            failures.append(f"index {index}: expected to be asked, observed no request")
    for index in want.not_asked:
        if index in order:
            count = sum(r.index == index for r in observation.requests)
            failures.append(f"index {index}: expected no request, observed {count}")
    if want.order:
        seen = [i for i in order if i in want.order]
        if seen != list(want.order):
            failures.append(
                f"first requests: expected order {', '.join(want.order)}, "
                f"observed {', '.join(seen) or 'none'}"
            )
    for name in want.fetched:
        if not file_reads(observation, name):
            failures.append(
                f"{name}: expected to be read, observed no request for it or its metadata"
            )
    for name in want.not_fetched:
        if reads := file_reads(observation, name):
            failures.append(f"{name}: expected not to be read, observed {', '.join(reads)}")
    for index, projects in sorted(want.not_asked_for.items()):
        for request in observation.requests:
            if request.index != index:
                continue
            project = _project_of_path(request.path)
            if project in projects:
                failures.append(
                    f"index {index}: expected no request for {project}, observed {request.path}"
                )
    return failures


def file_reads(observation: Observation, name: str) -> list[str]:
    """The logged requests for file *name* or its PEP 658 ``.metadata``, as ``index:path``."""
    return [
        f"{r.index}:{r.path}"
        for r in observation.requests
        if r.path.rstrip("/").rsplit("/", 1)[-1] in (name, f"{name}.metadata")
    ]


def _project_of_path(path: str) -> str | None:
    """The project a logged request is for: the segment after ``simple`` (``+simple`` on
    devpi) in a page's path, or the file name a file's path ends with (each index lays out
    its file URLs its own way: ``files/``, pypiserver's ``packages/``, devpi's ``+f/...``)."""
    parts = [p for p in path.split("/") if p]
    for at, part in enumerate(parts[:-1]):
        if part in ("simple", "+simple"):
            return str(canonicalize_name(parts[at + 1]))
    if parts and is_distribution_filename(name := parts[-1].removesuffix(".metadata")):
        try:
            return str(project_of(name))
        except ValueError:
            return None
    return None


def fetch_failures(scenario: Scenario, observation: Observation) -> list[str]:
    """The ``[[fetch]]`` expectations the index did not meet."""
    failures = []
    fetched = list(observation.fetched or ())
    for i, want in enumerate(scenario.fetches):
        where = f"fetch {want.index}:{want.path}"
        if i >= len(fetched):
            failures.append(f"{where}: not fetched")
            continue
        got = fetched[i]
        if got.status not in want.status:
            expected = " or ".join(str(c) for c in sorted(want.status))
            failures.append(f"{where}: expected status {expected}, observed {got.status}")
            continue
        observed_type = (got.content_type or "").split(";")[0].strip()
        if want.content_type is not None and observed_type != want.content_type:
            failures.append(
                f"{where}: expected content type {want.content_type}, observed {observed_type}"
            )
        for needle in want.contains:
            if needle not in got.body:
                failures.append(f"{where}: expected to contain {needle!r}, it does not")
        for needle in want.excludes:
            if needle in got.body:
                failures.append(f"{where}: expected not to contain {needle!r}, it does")
    return failures


def outcome_failures(outcome: Outcome, observation: Observation) -> list[str]:
    """The expectations of *outcome* that *observation* breaks (empty: it holds)."""
    failures = []
    if observation.timed_out:
        failures.append("timed out")
    elif outcome.exit is not None:
        observed = "success" if observation.exit_code == 0 else "failure"
        if observed not in outcome.exit:
            failures.append(
                f"exit: expected {' or '.join(sorted(outcome.exit))}, "
                f"observed {observed} (status {observation.exit_code})"
            )
    if outcome.installed is not None:
        failures += _installed_failures(outcome, observation)
    failures += _path_failures(outcome, observation)
    text = observation.output.casefold()
    for needle in outcome.output_contains:
        if needle.casefold() not in text:
            failures.append(f"output: expected to contain {needle!r}, it does not")
    for needle in outcome.output_excludes:
        if needle.casefold() in text:
            failures.append(f"output: expected not to contain {needle!r}, it does")
    if not outcome.writes_outside and observation.written_outside:
        shown = ", ".join(observation.written_outside[:5])
        failures.append(f"wrote outside the environment: {shown}")
    if outcome.requests is not None:
        failures += _request_failures(outcome, observation)
    return failures


#: Levels whose sentence, not met, is a ``warn`` rather than a ``fail``.
WEAK_LEVELS = frozenset({"SHOULD", "SHOULD NOT", "MAY"})


def not_met(scenario: Scenario, observation: Observation) -> Status:
    """``warn`` for a SHOULD, SHOULD NOT or MAY not met, ``fail`` for anything stronger.

    A hang or a write outside the environment is a fail whatever the level:
    neither is a behaviour the weaker sentence leaves open.
    """
    if scenario.spec.level not in WEAK_LEVELS or observation.timed_out:
        return Status.FAIL
    if observation.written_outside and not any(o.writes_outside for o in scenario.outcomes):
        return Status.FAIL
    return Status.WARN


class Verdict(NamedTuple):
    """What :func:`check` decided: the status, the outcome that held, what did not hold.

    A named tuple, so that it unpacks as ``status, outcome, failures`` too.
    """

    status: Status
    #: The name of the outcome that held (``""`` for an unnamed one, or when none held).
    outcome: str
    #: The expectations that did not hold (empty for a pass).
    failures: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``status``, ``outcome`` and ``failures`` fields of a saved record."""
        return {
            "status": str(self.status),
            "outcome": self.outcome,
            "failures": list(self.failures),
        }

    @classmethod
    def from_json(
        cls, data: object, *, where: str = "verdict", error: type[WheelnextError] = RecordError
    ) -> Verdict:
        """The verdict in *data* (a saved record); ``outcome`` and ``failures`` may be absent."""
        fields = Fields(data, where, error=error)
        status = fields.named("status")
        try:
            parsed = Status(status)
        except ValueError:
            known = ", ".join(repr(str(s)) for s in Status)
            raise fields.fail("status", f"unknown status {status!r} (expected {known})") from None
        return cls(parsed, fields.string("outcome", ""), fields.strings("failures", ()))


def check(scenario: Scenario, observation: Observation) -> Verdict:
    """Pass with the name of the outcome that held, or fail (or warn) with what did not hold."""
    fetches = fetch_failures(scenario, observation) if scenario.fetches else []
    per_outcome = [(o.name, fetches + outcome_failures(o, observation)) for o in scenario.outcomes]
    for name, failures in per_outcome:
        if not failures:
            return Verdict(Status.PASS, name, ())
    status = not_met(scenario, observation)
    if len(per_outcome) == 1:
        return Verdict(status, "", tuple(per_outcome[0][1]))
    return Verdict(status, "", tuple(f"[{name}] {f}" for name, fs in per_outcome for f in fs))


def evidence(
    scenario: Scenario,
    status: Status,
    outcome: str,
    failures: Sequence[str],
    observation: Observation,
) -> tuple[str, ...]:
    """What decided a result, one observation a line, so that a reader sees why.

    A fail or a warn is decided by the expectations that did not hold (its
    failures); a pass by every expectation of the outcome that held, each with
    the observed value that met it.
    """
    if status is not Status.PASS:
        return tuple(failures)
    held = next(o for o in scenario.outcomes if o.name == outcome)
    lines = [f"outcome {outcome!r} held" if outcome else "the expected outcome held"]
    if held.exit is not None:
        observed = "success" if observation.exit_code == 0 else "failure"
        lines.append(f"exit: {observed} (status {observation.exit_code})")
    for project, want in sorted((held.installed or {}).items()):
        got = observation.installed.get(project)
        if got is None:
            lines.append(f"{project}: not installed")
        else:
            label = "" if want.variants is None else f" (variant {got.variant or 'non-variant'})"
            lines.append(f"{project}: {got.version} installed{label}")
    lines += [f"{p}: present" for p in held.files_present]
    lines += [f"{p}: absent" for p in held.files_absent]
    lines += [f"{p}: a symlink to {t}" for p, t in sorted(held.symlinks.items())]
    lines += [f"{p}: not a symlink" for p in held.not_symlinks]
    lines += [f"output contains {n!r}" for n in held.output_contains]
    lines += [f"output does not contain {n!r}" for n in held.output_excludes]
    if held.requests is not None:
        lines += _request_evidence(held.requests, observation)
    for fetch in scenario.fetches:
        shown = ", ".join(repr(n) for n in fetch.contains) or "its status"
        lines.append(f"fetch {fetch.index}:{fetch.path}: served as expected ({shown})")
    return tuple(lines)


def _request_evidence(want: RequestsExpectation, observation: Observation) -> list[str]:
    counts: dict[str, int] = {}
    for request in observation.requests:
        counts[request.index] = counts.get(request.index, 0) + 1
    lines = [f"request log: index {i} asked ({counts.get(i, 0)} requests)" for i in want.asked]
    lines += [f"request log: no request to index {i}" for i in want.not_asked]
    if want.order:
        lines.append(f"request log: indexes first asked in order {', '.join(want.order)}")
    for index, projects in sorted(want.not_asked_for.items()):
        lines.append(f"request log: index {index} not asked for {', '.join(projects)}")
    for name in want.fetched:
        lines.append(f"request log: {name} read ({', '.join(file_reads(observation, name))})")
    for name in want.not_fetched:
        lines.append(f"request log: {name} never requested, nor its metadata")
    return lines


def describe_expected(scenario: Scenario) -> list[dict[str, Any]]:
    """The expected outcomes as JSON-ready data, for reports."""
    result = []
    for outcome in scenario.outcomes:
        entry: dict[str, Any] = {}
        if outcome.name:
            entry["name"] = outcome.name
        if outcome.exit is not None:
            entry["exit"] = sorted(outcome.exit)
        if outcome.installed is not None:
            entry["installed"] = {p: w.describe() for p, w in sorted(outcome.installed.items())}
            entry["installed-exact"] = outcome.installed_exact
        for key in (
            "files_present",
            "files_absent",
            "not_symlinks",
            "output_contains",
            "output_excludes",
        ):
            if getattr(outcome, key):
                entry[key.replace("_", "-")] = list(getattr(outcome, key))
        if outcome.symlinks:
            entry["symlinks"] = dict(sorted(outcome.symlinks.items()))
        if not outcome.writes_outside:
            entry["writes-outside"] = False
        if outcome.requests is not None:
            r = outcome.requests
            entry["requests"] = {
                k: v
                for k, v in {
                    "asked": list(r.asked),
                    "not-asked": list(r.not_asked),
                    "order": list(r.order),
                    "not-asked-for": {k: list(v) for k, v in r.not_asked_for.items()},
                    "fetched": list(r.fetched),
                    "not-fetched": list(r.not_fetched),
                }.items()
                if v
            }
        result.append(entry)
    if scenario.fetches:
        result.append(
            {
                "fetch": [
                    {
                        "index": f.index,
                        "path": f.path,
                        "accept": f.accept,
                        "status": sorted(f.status),
                        "content-type": f.content_type,
                        "contains": list(f.contains),
                        "excludes": list(f.excludes),
                    }
                    for f in scenario.fetches
                ]
            }
        )
    return result
