"""``wheelnext spec``: what an edit of a PEP text or of its variant JSON schema affects."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from wheelnext.conformance import spec_trace
from wheelnext.conformance.traceability import (
    coverage,
    load_requirements,
    load_results,
    shipped_coverage,
)

#: The published matrix and the traced texts, relative to a checkout's root.
RESULTS = Path("docs") / "conformance" / "results.json"
BASELINE = Path("..") / "shared" / "specs" / "peps"
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def spec() -> None:
    """Trace edits of the PEP texts to the requirements and scenarios they affect."""


@spec.command()
@click.option("--pep", "peps", multiple=True, type=_FILE, help="A PEP text (any revision).")
@click.option("--schema", type=_FILE, help="A variant JSON schema, compared with the bundled one.")
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=RESULTS,
    show_default=True,
    help="The published results matrix (absent: 'not yet run').",
)
@click.option(
    "--baseline",
    type=click.Path(file_okay=False, path_type=Path),
    default=BASELINE,
    show_default=True,
    help="Folder of the traced texts; sentences left untraced there are not reported again.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def trace(
    peps: tuple[Path, ...],
    schema: Path | None,
    results: Path,
    baseline: Path,
    as_json: bool,
) -> None:
    """Report, per traced requirement, whether the text still quotes it.

    Exit status 1 when anything is affected (a requirement changed or gone, a
    normative sentence no requirement quotes, a schema difference), 0 when
    nothing is, 2 on bad input.
    """
    if not peps and schema is None:
        raise click.UsageError("give --pep FILE and/or --schema FILE")
    requirements, excluded = load_requirements()
    named = coverage(requirements, shipped_coverage()[0]).scenarios
    matrix = load_results(results)
    traced = spec_trace.traced_revisions()
    texts = [spec_trace.read_pep(path) for path in peps]
    known = sorted({r.pep for r in requirements})
    for text in texts:
        if text.pep not in known:
            raise spec_trace.SpecTraceError(
                f"{text.path}: PEP {text.pep} has no traced requirement "
                f"(traced: {', '.join(map(str, known))})"
            )
    reports = [
        spec_trace.trace_pep(
            text,
            requirements,
            excluded,
            scenarios=named,
            results=matrix,
            traced=traced,
            baseline=_baseline(baseline, traced.get(text.pep), text),
        )
        for text in texts
    ]
    schema_report = (
        spec_trace.trace_schema(schema, requirements, scenarios=named, results=matrix)
        if schema is not None
        else None
    )
    affected = any(r.affected or r.untraced for r in reports) or bool(
        schema_report and schema_report.changes
    )
    if as_json:
        click.echo(json.dumps(_as_json(reports, schema_report, affected), indent=2))
    else:
        for line in _text(reports, schema_report):
            click.echo(line)
    raise SystemExit(1 if affected else 0)


def _baseline(
    folder: Path, traced: spec_trace.TracedRevision | None, text: spec_trace.PepText
) -> spec_trace.PepText | None:
    """The traced text: *text* itself when it is that revision, else *folder*'s copy of it."""
    if traced is None:
        return None
    if text.digest == traced.sha256:
        return text
    if not (folder / traced.file).is_file():
        return None
    found = spec_trace.read_pep(folder / traced.file)
    return found if found.digest == traced.sha256 else None


def _as_json(
    reports: Sequence[spec_trace.PepTrace],
    schema: spec_trace.SchemaTrace | None,
    affected: bool,
) -> dict[str, Any]:
    return {
        "affected": affected,
        "peps": [
            {
                **dataclasses.asdict(r),
                "requirements": [dataclasses.asdict(t) for t in r.requirements],
                "same_revision": r.same_revision,
            }
            for r in reports
        ],
        "schema": dataclasses.asdict(schema) if schema is not None else None,
        "select": _selects(reports, schema),
    }


def _selects(
    reports: Sequence[spec_trace.PepTrace], schema: spec_trace.SchemaTrace | None
) -> list[str]:
    ids = [t.id for r in reports for t in r.affected]
    ids += list(schema.requirements) if schema is not None else []
    return [f"req:{i}" for i in dict.fromkeys(ids)]


def _results(columns: dict[str, str] | Any) -> str:
    if not columns:
        return "not yet run"
    return ", ".join(f"{column} {status}" for column, status in sorted(columns.items()))


def _text(
    reports: Sequence[spec_trace.PepTrace], schema: spec_trace.SchemaTrace | None
) -> list[str]:
    lines: list[str] = []
    for report in reports:
        revision = (
            "the traced revision"
            if report.same_revision
            else (
                f"differs from the traced revision ({report.traced.revision}, "
                f"sha256 {report.traced.sha256[:12]})"
                if report.traced
                else "no traced revision recorded"
            )
        )
        unchanged = len(report.requirements) - len(report.affected)
        lines.append(f"PEP {report.pep} ({report.path}): {revision}")
        lines.append(f"  {unchanged} of {len(report.requirements)} requirements unchanged")
        for item in report.affected:
            lines.append(f"  {item.status}: {item.id}")
            lines.append(f"    quoted:  {item.sentence}")
            if item.nearest:
                lines.append(f"    nearest: {item.nearest}")
                lines.append(f"    diff:    {item.diff}")
            lines += _scenario_lines(item.scenarios)
        for sentence in report.untraced:
            lines.append(f"  untraced normative sentence: {sentence}")
    if schema is not None:
        lines.append(f"schema {schema.path} against bundled {schema.bundled}:")
        if not schema.changes:
            lines.append("  no differences")
        for change in schema.changes:
            lines.append(
                f"  {change.pointer}: {json.dumps(change.old)} -> {json.dumps(change.new)}"
            )
        for requirement, scenarios in schema.requirements.items():
            lines.append(f"  depends: {requirement}")
            lines += _scenario_lines(scenarios)
    selects = _selects(reports, schema)
    if selects:
        options = " ".join(f"--select {s}" for s in selects)
        lines.append(f"re-run the affected scenarios: wheelnext conformance run {options}")
    return lines


def _scenario_lines(scenarios: Any) -> list[str]:
    if not scenarios:
        return ["    scenarios: none"]
    return ["    scenarios:"] + [f"      {s}: {_results(c)}" for s, c in scenarios.items()]
