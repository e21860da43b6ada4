"""Reports: one record per result (:mod:`wheelnext.conformance.record`), and renderers
that read only those records.

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
from wheelnext.conformance.record import DEFAULT_PERSONALITY, INDEX_RUNNER, Record
from wheelnext.conformance.reproduce import command, needs_reproducing
from wheelnext.errors import WheelnextError

GROUP_ORDER = ("baseline", "PEP 766", "PEP 771", "PEP 777", "PEP 778", "PEP 825", "security")


class ReportError(WheelnextError):
    """A saved run cannot be read."""


#: The JSON record of one result (:meth:`Record.of`).
record = Record.of


def saved(r: Record, scenario_dirs: Sequence[str] = ()) -> dict[str, Any]:
    """A record as a saved run holds it: a failure carries the command that reproduces it."""
    data = r.to_json()
    if needs_reproducing(r):
        data["reproduce"] = command(r, scenario_dirs)
    return data


def document(records: Sequence[Record], meta: Mapping[str, Any]) -> dict[str, Any]:
    """A saved run: what ran, and its records."""
    return {
        "wheelnext": __version__,
        "format": 1,
        **meta,
        "results": [saved(r, meta.get("scenario_dirs", ())) for r in records],
    }


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


def json_text(records: Sequence[Record], meta: Mapping[str, Any]) -> str:
    """A saved run as ``run --json`` writes it."""
    return json.dumps(document(records, meta), indent=1, sort_keys=True) + "\n"


def write_json(path: Path, records: Sequence[Record], meta: Mapping[str, Any]) -> None:
    write_atomic(path, json_text(records, meta))


def load_run(path: Path) -> tuple[dict[str, Any], list[Record]]:
    """One saved run: its meta (everything but the records) and its records, in order."""
    data = inputs.read_json_object(Path(path), what="conformance run (--json output)",
                                   error=ReportError)
    records = data.get("results")
    if not isinstance(records, list):
        raise ReportError(f"{path}: not a conformance run (--json output): no 'results' list")
    parsed = [
        Record.from_json(item, where=f"{path}: results[{number}]", error=ReportError)
        for number, item in enumerate(records)
    ]
    return {k: v for k, v in data.items() if k != "results"}, parsed


def load_runs(paths: Iterable[Path]) -> list[Record]:
    """Records of several saved runs, in order; a later run replaces the same cell."""
    merged: dict[tuple[str, ...], Record] = {}
    for path in paths:
        for r in load_run(path)[1]:
            merged[(r.scenario, *r.column)] = r
    return list(merged.values())


def column(r: Record) -> tuple[str, str, str, str, str]:
    """The matrix column of a record: installer configuration, version, Python, runner,
    index personality."""
    return r.column


def column_label(col: Sequence[str]) -> str:
    if col[3] == INDEX_RUNNER:  # an index run: the column is the index target, no installer
        return f"{col[0]} {col[1]} · index"
    label = f"{col[0]} {col[1]} · py{col[2]} · {col[3]}"
    return label + (f" · {col[4]}" if col[4] != DEFAULT_PERSONALITY else "")


@dataclass(frozen=True)
class PersonalityDifference:
    """One scenario and installer column whose status is not the same on every personality."""

    scenario: str
    #: The column less its personality: installer, version, Python, runner.
    column: tuple[str, ...]
    #: Personality -> status, every personality the scenario ran against (not applicable too).
    statuses: dict[str, str]


def personality_differences(records: Iterable[Record]) -> list[PersonalityDifference]:
    """Where index personalities disagree: statuses that differ among those that applied."""
    cells: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}
    for r in records:
        col = column(r)
        cells.setdefault((r.scenario, col[:4]), {})[col[4]] = str(r.status)
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
        counts[r.status] = counts.get(r.status, 0) + 1
    return dict(sorted(counts.items()))
