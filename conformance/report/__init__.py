"""Reports: one JSON record per result, and renderers that read only those records.

Renderers work on records rather than live results, so ``conformance report
A.json B.json`` can merge saved runs into one matrix.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext import __version__, inputs
from wheelnext.conformance.check import Result, describe_expected
from wheelnext.errors import WheelnextError

Record = dict[str, Any]
GROUP_ORDER = ("baseline", "PEP 766", "PEP 771", "PEP 777", "PEP 778", "PEP 825", "security")


class ReportError(WheelnextError):
    """A saved run cannot be read."""


def record(result: Result, *, runner: str = "venv") -> Record:
    """The JSON record of one result."""
    s = result.scenario
    return {
        "scenario": s.id,
        "title": s.title,
        "group": s.group,
        "spec": {
            "pep": s.spec.pep,
            "document": s.spec.document,
            "section": s.spec.section,
            "sentence": s.spec.sentence,
            "level": s.spec.level,
            "requirements": list(s.spec.requirements),
        },
        "installer": result.installer,
        "installer_version": result.installer_version,
        "python": result.python,
        "runner": runner,
        "index_personality": result.index_personality,
        "status": str(result.status),
        "annotation": result.annotation,
        "outcome": result.outcome,
        "failures": list(result.failures),
        "evidence": list(result.evidence),
        "reason": result.reason,
        "expected": describe_expected(s),
        "observed": result.observation.to_json() if result.observation else None,
    }


def document(records: Sequence[Record], meta: Mapping[str, Any]) -> dict[str, Any]:
    """A saved run: what ran, and its records."""
    return {"wheelnext": __version__, "format": 1, **meta, "results": list(records)}


def write_atomic(path: Path, text: str) -> None:
    """Write *path* whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, records: Sequence[Record], meta: Mapping[str, Any]) -> None:
    write_atomic(path, json.dumps(document(records, meta), indent=1, sort_keys=True) + "\n")


def load_runs(paths: Iterable[Path]) -> list[Record]:
    """Records of several saved runs, in order; a later run replaces the same cell."""
    merged: dict[tuple[str, ...], Record] = {}
    for path in paths:
        data = inputs.read_json_object(Path(path), what="conformance run (--json output)",
                                       error=ReportError)
        records = data.get("results")
        if not isinstance(records, list):
            raise ReportError(f"{path}: not a conformance run (--json output): no 'results' list")
        for number, r in enumerate(records):
            _check_record(r, f"{path}: results[{number}]")
            merged[(r["scenario"], *column(r))] = r
    return list(merged.values())


#: The fields every saved record carries as strings; the matrix is keyed by them.
RECORD_KEYS = ("scenario", "installer", "installer_version", "python", "runner", "status")


def _check_record(r: object, where: str) -> None:
    """Refuse a record that is not an object with the string fields :func:`column` reads."""
    if not isinstance(r, dict):
        raise ReportError(f"{where}: a record must be a JSON object")
    for key in RECORD_KEYS:
        if not isinstance(r.get(key), str):
            raise ReportError(f"{where}.{key}: missing or not a string")


#: The index personality of a record saved before records carried one.
DEFAULT_PERSONALITY = "json-full"


def personality_of(r: Record) -> str:
    """The index personality that served a record's packages (``wheelnext.index.features``)."""
    value = r.get("index_personality")
    return value if isinstance(value, str) and value else DEFAULT_PERSONALITY


def column(r: Record) -> tuple[str, str, str, str, str]:
    """The matrix column of a record: installer configuration, version, Python, runner,
    index personality."""
    return (r["installer"], r["installer_version"], r["python"], r["runner"], personality_of(r))


def column_label(col: Sequence[str]) -> str:
    label = f"{col[0]} {col[1]} · py{col[2]} · {col[3]}"
    return label + (f" · {col[4]}" if col[4] != DEFAULT_PERSONALITY else "")


@dataclass(frozen=True)
class PersonalityDifference:
    """One scenario and installer column whose status is not the same on every personality."""

    scenario: str
    #: The column less its personality: installer, version, Python, runner.
    column: tuple[str, str, str, str]
    #: Personality -> status, every personality the scenario ran against (not applicable too).
    statuses: dict[str, str]


def personality_differences(records: Iterable[Record]) -> list[PersonalityDifference]:
    """Where index personalities disagree: statuses that differ among those that applied."""
    cells: dict[tuple[str, tuple[str, str, str, str]], dict[str, str]] = {}
    for r in records:
        col = column(r)
        cells.setdefault((r["scenario"], col[:4]), {})[col[4]] = r["status"]
    return [
        PersonalityDifference(scenario, col, dict(sorted(statuses.items())))
        for (scenario, col), statuses in sorted(cells.items())
        if len({s for s in statuses.values() if s != "not applicable"}) > 1
    ]


def group_key(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


def totals(records: Iterable[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return dict(sorted(counts.items()))
