"""Expected-failure lists: one TOML file per adapter configuration, strict.

.. code-block:: toml

   installer = "pip"          # the column it applies to (optional: any)
   [expected-failures]
   pep766-no-surprise-update = "pip merges indexes (version priority)"
   pep777-warn-on-skip = { reason = "no warning before 26", versions = "<26" }

An entry is a reason, or a table of a ``reason`` and ``versions``, a version
specifier (PEP 440) of the installer versions it applies to: a result of a
version outside it is not annotated.

A listed scenario that fails (or warns: a SHOULD, SHOULD NOT or MAY not met)
is an *expected failure*; one that passes is an *unexpected pass*, reported
and counted like an unexpected failure, so the lists never rot. Annotations
never change what was observed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from wheelnext import inputs
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.record import DEFAULT_PERSONALITY, Record
from wheelnext.errors import WheelnextError

EXPECTED_FAILURE = "expected failure"
#: The statuses a listed scenario is expected to have.
NOT_MET = (Status.FAIL, Status.WARN)
UNEXPECTED_PASS = "unexpected pass"


class XfailError(WheelnextError):
    """An expected-failure list is malformed."""


@dataclass(frozen=True)
class XfailList:
    """The expected failures of one installer configuration (or of any)."""

    installer: str | None
    reasons: Mapping[str, str]
    path: Path
    #: Scenario -> the installer versions its entry applies to (absent: every version).
    versions: Mapping[str, SpecifierSet] = field(default_factory=dict)

    def applies(self, scenario: str, installer: str, version: str | None = None) -> bool:
        """Whether the list expects *scenario* to fail in column *installer* at *version*.

        An entry limited to versions does not apply when the version is unknown or is
        not a PEP 440 version.
        """
        if scenario not in self.reasons or self.installer not in (None, installer):
            return False
        specifier = self.versions.get(scenario)
        if specifier is None:
            return True
        try:
            return version is not None and specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            return False


def load_xfail(path: Path) -> XfailList:
    data = inputs.read_toml(path, what="expected-failure list", error=XfailError)
    unknown = sorted(set(data) - {"installer", "expected-failures"})
    if unknown:
        raise XfailError(f"{path}: unknown key {unknown[0]!r}")
    installer = data.get("installer")
    if installer is not None and not isinstance(installer, str):
        raise XfailError(f"{path}: installer must be a string")
    entries = data.get("expected-failures", {})
    if not isinstance(entries, dict):
        raise XfailError(f"{path}: [expected-failures] maps scenario ids to reasons")
    reasons, versions = {}, {}
    for scenario, entry in entries.items():
        where = f"{path}: expected-failures.{scenario}"
        if isinstance(entry, str):
            reasons[scenario] = entry
            continue
        if not isinstance(entry, dict) or set(entry) != {"reason", "versions"}:
            raise XfailError(f"{where}: a reason, or a table of 'reason' and 'versions'")
        if not isinstance(entry["reason"], str) or not isinstance(entry["versions"], str):
            raise XfailError(f"{where}: 'reason' and 'versions' must be strings")
        try:
            versions[scenario] = SpecifierSet(entry["versions"])
        except InvalidSpecifier:
            raise XfailError(
                f"{where}.versions: not a version specifier: {entry['versions']!r}"
            ) from None
        reasons[scenario] = entry["reason"]
    return XfailList(installer, reasons, path, versions)


def reasons_for(
    lists: Sequence[XfailList], scenario: str, installer: str, version: str | None = None
) -> list[str]:
    """Why *scenario* is expected to fail in column *installer* (at installer *version*),
    one reason per list whose entry applies."""
    return [x.reasons[scenario] for x in lists if x.applies(scenario, installer, version)]


def annotate(results: Iterable[Result], lists: Sequence[XfailList]) -> list[Result]:
    """Mark expected failures and unexpected passes; the list's reason becomes the result's."""
    annotated = []
    for result in results:
        reasons = reasons_for(
            lists, result.scenario.id, result.installer, result.installer_version
        )
        if reasons and result.status in NOT_MET:
            result = replace(result, annotation=EXPECTED_FAILURE, reason=reasons[0])
        elif reasons and result.status is Status.PASS:
            reason = f"listed as an expected failure: {reasons[0]}"
            result = replace(result, annotation=UNEXPECTED_PASS, reason=reason)
        annotated.append(result)
    return annotated


def exit_status(results: Iterable[Result]) -> int:
    """0 nothing failed unexpectedly, 1 an unexpected fail or pass, 3 a harness error.

    A ``warn`` never makes the status non-zero by itself (docs/design.rst, "Results").
    """
    results = list(results)
    if any(r.status is Status.ERROR for r in results):
        return 3
    for r in results:
        if r.status is Status.FAIL and r.annotation != EXPECTED_FAILURE:
            return 1
        if r.annotation == UNEXPECTED_PASS:
            return 1
    return 0


# -- the shipped lists -----------------------------------------------------------------------

#: The folder of the shipped lists, one ``<column>.toml`` per adapter configuration.
SHIPPED = Path(__file__).parent / "xfail_lists"


def shipped_path(installer: str) -> Path:
    """The shipped list of one column (``uv:first-index`` -> ``uv-first-index.toml``)."""
    return SHIPPED / f"{installer.replace(':', '-')}.toml"


def shipped_installers() -> list[str]:
    """The columns that have a shipped list."""
    return sorted(load_xfail(p).installer or p.stem for p in SHIPPED.glob("*.toml"))


def load_shipped(installers: Iterable[str]) -> list[XfailList]:
    """The shipped lists of *installers* (columns without one have none)."""
    paths = [shipped_path(i) for i in sorted(set(installers))]
    return [load_xfail(p) for p in paths if p.is_file()]


# -- deriving lists from a saved run --------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """One column's expected failures as derived from a saved run."""

    installer: str
    versions: tuple[str, ...]
    reasons: Mapping[str, str]
    #: Scenarios that fail with some of the run's versions and pass with others: not listed,
    #: since a strict list would then report an unexpected pass for the other versions.
    mixed: tuple[str, ...] = ()
    #: Scenario -> the version specifier of a reviewed entry limited to versions, kept
    #: when the run fails it with exactly the versions the specifier contains.
    limits: Mapping[str, str] = field(default_factory=dict)
    kept: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


def observed_reason(record: Record) -> str:
    """A first reason for a new entry: the failed expectations, as the run reported them."""
    return "observed: " + ("; ".join(record.failures) or record.reason)


def derive(
    records: Iterable[Record],
    *,
    runner: str = "venv",
    previous: Mapping[str, XfailList] | None = None,
) -> list[Derived]:
    """Each column's expected failures in *records* of *runner*.

    A scenario is listed when it fails with every version of the column in the
    run. An entry of *previous* (the lists as reviewed) that still fails keeps its
    reason; a new one gets :func:`observed_reason` to be reviewed. A reviewed entry
    limited to versions is kept, with its specifier, when the run's versions that fail
    the scenario are exactly those the specifier contains. The lists describe
    installers against the default index personality: records of others are left out.
    """
    by_column: dict[str, dict[str, dict[str, Record]]] = {}
    for r in records:
        if r.runner != runner:
            continue
        if r.index_personality != DEFAULT_PERSONALITY:
            continue
        by_column.setdefault(r.installer, {}).setdefault(r.installer_version, {})[r.scenario] = r
    previous = previous or {}
    derived = []
    for column, versions in sorted(by_column.items()):
        failing = [
            {s for s, r in v.items() if r.status in NOT_MET} for v in versions.values()
        ]
        always = set.intersection(*failing)
        sometimes = set.union(*failing) - always
        old = previous.get(column)
        old_reasons = dict(old.reasons) if old else {}
        limited = [
            (scenario, str(old.versions[scenario]))
            for scenario in sorted(sometimes | always)
            if old and scenario in old.versions
            and all(
                old.applies(scenario, column, version) == (scenario in fails)
                for version, fails in zip(versions, failing, strict=True)
            )
        ]
        always -= {scenario for scenario, _ in limited}
        sometimes -= {scenario for scenario, _ in limited}
        reasons = {}
        for scenario in sorted(always):
            first = next(v[scenario] for v in versions.values() if scenario in v)
            reasons[scenario] = old_reasons.get(scenario) or observed_reason(first)
        reasons.update((scenario, old_reasons[scenario]) for scenario, _ in limited)
        reasons = dict(sorted(reasons.items()))
        listed = always | {scenario for scenario, _ in limited}
        derived.append(
            Derived(
                installer=column,
                versions=tuple(sorted(versions)),
                reasons=reasons,
                mixed=tuple(sorted(sometimes)),
                limits=dict(limited),
                kept=tuple(sorted(listed & set(old_reasons))),
                added=tuple(sorted(listed - set(old_reasons))),
                dropped=tuple(sorted(set(old_reasons) - listed)),
            )
        )
    return derived


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, plus DEL, which TOML (not JSON) forbids raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def render(derived: Derived, *, source: str, runner: str) -> str:
    """The TOML text of one list (no TOML writer among the dependencies: written by hand)."""

    def plain(text: str) -> str:
        """Text for a comment, which allows no control character."""
        return toml_string(text)[1:-1]

    lines = [
        f"# Expected failures of {plain(derived.installer)} ({plain(runner)} runner), strict: a",
        "# listed scenario that passes is an unexpected pass. Derived from the published run",
        f"# {plain(source)} (versions {plain(', '.join(derived.versions))}) with",
        "#   wheelnext conformance xfail --from docs/conformance/results.json \\",
        "#       --out conformance/xfail_lists",
        "# which keeps the reviewed reasons below; each says what the installer does instead.",
    ]
    if derived.mixed:
        lines.append(f"# Not listed, version-dependent: {plain(', '.join(derived.mixed))}")
    lines += [f"installer = {toml_string(derived.installer)}", "", "[expected-failures]"]
    for scenario, reason in derived.reasons.items():
        bare = scenario.replace("-", "").replace("_", "").isalnum() and scenario.isascii()
        key = scenario if bare else toml_string(scenario)
        value = toml_string(reason)
        if scenario in derived.limits:
            value = f"{{ reason = {value}, versions = {toml_string(derived.limits[scenario])} }}"
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"
