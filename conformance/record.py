"""Records: the saved form of one result, as ``run --json`` writes it and every report reads it.

A record is parsed once, where a saved run is read (:meth:`Record.from_json`);
the renderers, certificates, the differential mode and the expected-failure
lists read its typed fields. :meth:`Record.to_json` writes the JSON a record
has always had, field for field, so saved runs and the published
``docs/conformance/results.json`` read back and write out unchanged. A run
saved before a field existed still loads: the field takes its default. The index
personality (``index_personality``) is written only when it is not the default one,
so a run against the default index reads and writes exactly as it did before records
carried it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wheelnext.conformance.check import Result, Status, Verdict, describe_expected
from wheelnext.conformance.errors import RecordError
from wheelnext.conformance.fields import Fields
from wheelnext.conformance.observe import Fetched, InstalledDist, LoggedRequest, PathState
from wheelnext.conformance.scenario import SpecRef
from wheelnext.errors import WheelnextError
from wheelnext.index.features import DEFAULT

__all__ = ["DEFAULT_PERSONALITY", "Observed", "Record"]

#: The index personality of a record saved without one (``wheelnext.index.features``).
DEFAULT_PERSONALITY = DEFAULT.name

#: The spec reference of a record saved without one.
NO_SPEC = SpecRef(pep=None, document=None, section="", sentence="", level="")


@dataclass(frozen=True)
class Observed:
    """What a record keeps of an observation: :meth:`Observation.to_json`, read back."""

    argv: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    output: str
    installed: Mapping[str, InstalledDist] = field(default_factory=dict)
    paths: Mapping[str, PathState] = field(default_factory=dict)
    requests: tuple[LoggedRequest, ...] = ()
    written_outside: tuple[str, ...] = ()
    #: None: the runner does not probe indexes.
    fetched: tuple[Fetched, ...] | None = None
    uploads: str = ""
    #: None (here and in ``survivors``): saved by a harness that did not record it yet.
    output_truncated: bool | None = None
    survivors: tuple[str, ...] | None = None
    #: Seconds the installer ran (None: saved before durations were), for balancing shards.
    duration: float | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"uploads": self.uploads} if self.uploads else {}
        data |= {
            "argv": list(self.argv),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "output": self.output,
        }
        if self.output_truncated is not None:
            data["output_truncated"] = self.output_truncated
        if self.survivors is not None:
            data["survivors"] = list(self.survivors)
        if self.duration is not None:
            data["duration"] = self.duration
        return data | {
            "installed": {
                k: {"version": v.version, "variant": v.variant} for k, v in self.installed.items()
            },
            "paths": {
                k: {"exists": v.exists, "symlink": v.symlink, "target": v.target}
                for k, v in self.paths.items()
            },
            "requests": [[r.index, r.path, r.status] for r in self.requests],
            "written_outside": list(self.written_outside),
            "fetched": None
            if self.fetched is None
            else [
                {
                    "index": f.index,
                    "path": f.path,
                    "status": f.status,
                    "content_type": f.content_type,
                    "body": f.body,
                }
                for f in self.fetched
            ],
        }

    @classmethod
    def from_json(
        cls, data: object, *, where: str = "observed", error: type[WheelnextError] = RecordError
    ) -> Observed:
        f = Fields(data, where, error=error)
        f.only(
            ("uploads", "argv", "exit_code", "timed_out", "output", "output_truncated",
             "survivors", "duration", "installed", "paths", "requests", "written_outside",
             "fetched")
        )  # fmt: skip
        installed = {
            name: InstalledDist(d.string("version"), d.optional_string("variant", None))
            for name, d in f.mapping("installed", {}).items()
        }
        paths = {
            path: PathState(s.boolean("exists"), s.boolean("symlink", False),
                            s.optional_string("target", None))
            for path, s in f.mapping("paths", {}).items()
        }  # fmt: skip
        fetched = None
        if not f.is_null("fetched"):
            fetched = tuple(
                Fetched(
                    g.string("index"),
                    g.string("path"),
                    _integer(g, "status"),
                    g.optional_string("content_type", None),
                    g.string("body", ""),
                )
                for g in f.objects("fetched")
            )
        return cls(
            argv=f.strings("argv", ()),
            exit_code=f.optional_int("exit_code", None),
            timed_out=f.boolean("timed_out", False),
            output=f.string("output", ""),
            installed=installed,
            paths=paths,
            requests=_requests(f),
            written_outside=f.strings("written_outside", ()),
            fetched=fetched,
            uploads=f.string("uploads", ""),
            output_truncated=f.boolean("output_truncated") if f.has("output_truncated") else None,
            survivors=f.strings("survivors") if f.has("survivors") else None,
            duration=f.optional_number("duration", None),
        )


def _integer(f: Fields, key: str) -> int:
    value = f.optional_int(key)
    if value is None:
        raise f.fail(key, "expected an integer, got null")
    return value


def _requests(f: Fields) -> tuple[LoggedRequest, ...]:
    """``[[index, path, status], ...]``: the index server's log, as a record keeps it."""
    raw = f.data.get("requests", [])
    if not isinstance(raw, list):
        raise f.fail("requests", "expected a list of [index, path, status]")
    found = []
    for i, item in enumerate(raw):
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            and isinstance(item[2], int)
            and not isinstance(item[2], bool)
        ):
            raise f.fail(f"requests[{i}]", "expected [index, path, status]")
        found.append(LoggedRequest(item[0], item[1], item[2]))
    return tuple(found)


def _spec_to_json(spec: SpecRef) -> dict[str, Any]:
    return {
        "pep": spec.pep,
        "document": spec.document,
        "section": spec.section,
        "sentence": spec.sentence,
        "level": spec.level,
        "requirements": list(spec.requirements),
    }


def _spec_from_json(f: Fields) -> SpecRef:
    f.only(("pep", "document", "section", "sentence", "level", "requirements"))
    return SpecRef(
        pep=f.optional_int("pep", None),
        document=f.optional_string("document", None),
        section=f.string("section", ""),
        sentence=f.string("sentence", ""),
        level=f.string("level", ""),
        requirements=f.strings("requirements", ()),
    )


#: Every field of a saved record, in the order :meth:`Record.to_json` writes them.
FIELDS = (
    "scenario", "title", "group", "spec", "installer", "installer_version", "python", "runner",
    "index_personality", "status", "annotation", "outcome", "failures", "evidence", "reason",
    "expected", "observed",
)  # fmt: skip
#: Fields a saved run may add to a record, derived from the others and not read back
#: (``reproduce``: :func:`wheelnext.conformance.reproduce.command`).
DERIVED = ("reproduce",)
#: Fields written only when they differ from their default, so older files read back unchanged.
OPTIONAL_FIELDS = ("audience",)
#: The runner an index run's records name: the harness's own HTTP client, no installer
#: (:mod:`wheelnext.conformance.index_run`).
INDEX_RUNNER = "httpx"

#: The fields every saved record carries as strings; the matrix is keyed by them.
KEYS = ("scenario", "installer", "installer_version", "python", "runner", "status")


@dataclass(frozen=True)
class Record:
    """One scenario's result for one installer configuration, Python and runner, as saved."""

    scenario: str
    installer: str
    installer_version: str
    python: str
    runner: str
    status: Status
    title: str = ""
    group: str = ""
    spec: SpecRef = NO_SPEC
    #: ``expected failure`` or ``unexpected pass`` from an expected-failure list, or empty.
    annotation: str = ""
    #: The name of the outcome that held (empty for an unnamed one, or when none held).
    outcome: str = ""
    failures: tuple[str, ...] = ()
    #: What decided the result (:func:`wheelnext.conformance.check.evidence`).
    evidence: tuple[str, ...] = ()
    reason: str = ""
    #: The expected outcomes as :func:`~wheelnext.conformance.check.describe_expected` gives them.
    expected: tuple[Mapping[str, Any], ...] = ()
    #: None: nothing was run (unsupported, not applicable, or an error before the installer).
    observed: Observed | None = None
    #: The index personality that served the packages (``wheelnext.index.features``).
    index_personality: str = DEFAULT_PERSONALITY
    #: Whom the scenario checks (installer, index...): reports filter on it.
    audience: tuple[str, ...] = ("installer",)

    @classmethod
    def of(cls, result: Result, *, runner: str = "venv") -> Record:
        """The record of one result."""
        s = result.scenario
        observation = result.observation
        return cls(
            scenario=s.id,
            title=s.title,
            group=s.group,
            spec=s.spec,
            installer=result.installer,
            installer_version=result.installer_version,
            python=result.python,
            runner=runner,
            index_personality=result.index_personality,
            status=Status(result.status),
            annotation=result.annotation,
            outcome=result.outcome,
            failures=tuple(result.failures),
            evidence=tuple(result.evidence),
            reason=result.reason,
            expected=tuple(describe_expected(s)),
            observed=Observed.from_json(observation.to_json()) if observation else None,
            audience=s.audience,
        )

    @property
    def verdict(self) -> Verdict:
        return Verdict(self.status, self.outcome, self.failures)

    @property
    def column(self) -> tuple[str, str, str, str, str]:
        """The matrix column: installer configuration, version, Python, runner, index
        personality."""
        return (
            self.installer, self.installer_version, self.python, self.runner,
            self.index_personality,
        )  # fmt: skip

    @property
    def where(self) -> str:
        """Who was checked, in a report's words: ``pip py3.11`` or ``pypiserver index``."""
        if self.runner == INDEX_RUNNER:
            return f"{self.installer} index"
        return f"{self.installer} py{self.python}"

    @property
    def output(self) -> str:
        """The installer's output (empty when nothing was run)."""
        return self.observed.output if self.observed else ""

    def to_json(self) -> dict[str, Any]:
        verdict = self.verdict.to_json()
        return {
            "scenario": self.scenario,
            "title": self.title,
            "group": self.group,
            "spec": _spec_to_json(self.spec),
            "installer": self.installer,
            "installer_version": self.installer_version,
            "python": self.python,
            "runner": self.runner,
            **(
                {"index_personality": self.index_personality}
                if self.index_personality != DEFAULT_PERSONALITY
                else {}
            ),
            "status": verdict["status"],
            "annotation": self.annotation,
            "outcome": verdict["outcome"],
            "failures": verdict["failures"],
            "evidence": list(self.evidence),
            "reason": self.reason,
            "expected": [dict(e) for e in self.expected],
            "observed": self.observed.to_json() if self.observed else None,
            **({"audience": list(self.audience)} if self.audience != ("installer",) else {}),
        }

    @classmethod
    def from_json(
        cls, data: object, *, where: str = "record", error: type[WheelnextError] = RecordError
    ) -> Record:
        """Parse and check one saved record; *where* (``run.json: results[3]``) leads errors."""
        f = Fields(data, where, what="a record", error=error)
        keys = {key: f.named(key) for key in KEYS if key != "status"}
        verdict = Verdict.from_json(data, where=where, error=error)
        f.only((*FIELDS, *DERIVED, *OPTIONAL_FIELDS))
        return cls(
            **keys,
            status=verdict.status,
            outcome=verdict.outcome,
            failures=verdict.failures,
            title=f.string("title", ""),
            group=f.string("group", ""),
            spec=_spec_from_json(f.child("spec")) if f.has("spec") else NO_SPEC,
            annotation=f.string("annotation", ""),
            evidence=f.strings("evidence", ()),
            reason=f.string("reason", ""),
            index_personality=f.string("index_personality", DEFAULT_PERSONALITY),
            expected=tuple(e.data for e in f.objects("expected", ())),
            observed=None
            if f.is_null("observed")
            else Observed.from_json(f.data["observed"], where=f"{where}.observed", error=error),
            audience=f.strings("audience", ("installer",)),
        )

    def redacted(self, redact: Callable[[Any], Any]) -> Record:
        """This record with *redact* (``Redactor.data``) applied to all of its JSON."""
        return Record.from_json(redact(self.to_json()))
