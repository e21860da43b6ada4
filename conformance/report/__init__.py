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
from pathlib import Path
from typing import Any

from wheelnext import __version__, inputs
from wheelnext.conformance.record import INDEX_RUNNER, Record
from wheelnext.errors import WheelnextError

GROUP_ORDER = ("baseline", "PEP 766", "PEP 771", "PEP 777", "PEP 778", "PEP 825", "security")


class ReportError(WheelnextError):
    """A saved run cannot be read."""


#: The JSON record of one result (:meth:`Record.of`).
record = Record.of


def document(records: Sequence[Record], meta: Mapping[str, Any]) -> dict[str, Any]:
    """A saved run: what ran, and its records."""
    return {
        "wheelnext": __version__,
        "format": 1,
        **meta,
        "results": [r.to_json() for r in records],
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
        for number, data in enumerate(records):
            r = Record.from_json(data, where=f"{path}: results[{number}]", error=ReportError)
            merged[(r.scenario, *r.column)] = r
    return list(merged.values())


def column(r: Record) -> tuple[str, str, str, str]:
    """The matrix column of a record: installer configuration, version, Python, runner."""
    return r.column


def column_label(col: Sequence[str]) -> str:
    if col[3] == INDEX_RUNNER:  # an index run: the column is the index target, no installer
        return f"{col[0]} {col[1]} · index"
    return f"{col[0]} {col[1]} · py{col[2]} · {col[3]}"


def group_key(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


def totals(records: Iterable[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    return dict(sorted(counts.items()))
