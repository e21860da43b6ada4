"""A compact Markdown summary for CI job pages (``--summary-md``).

Totals, then every failure, error and warning with its rule (the spec level
and requirement ids, or the PEP section) and a one-line reason, then the
command that reproduces them. A CI system shows it as the job's summary
(GitHub's ``$GITHUB_STEP_SUMMARY``), so it stays short: one line per result.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from wheelnext.conformance.record import Record
from wheelnext.conformance.report import totals

#: Statuses listed one by one, and the heading of each.
LISTED = (("fail", "Failures"), ("error", "Harness errors"), ("warn", "Warnings"))
REASON_WIDTH = 160


def rule(r: Record) -> str:
    """The rule a record is about: PEP, level and requirement ids (or the section)."""
    spec = r.spec
    where = f"PEP {spec.pep}" if spec.pep else (spec.document or "")
    what = ", ".join(spec.requirements) if spec.requirements else spec.section
    return " ".join(part for part in (where, spec.level, what and f"({what})") if part) or "—"


def reason(r: Record) -> str:
    """The first line of what went wrong, cut to :data:`REASON_WIDTH` characters."""
    text = (r.failures[0] if r.failures else r.reason) or str(r.status)
    line = text.strip().splitlines()[0] if text.strip() else str(r.status)
    if len(line) > REASON_WIDTH:
        line = line[: REASON_WIDTH - 1] + "…"
    return line


def reproduce(
    meta: Mapping[str, Any], scenarios: Sequence[str], installers: Sequence[str] = ()
) -> str:
    """The ``wheelnext conformance run`` command line that runs *scenarios* again.

    The installer specs come from the run's meta; a merge of unrelated saved
    runs has none, and names the *installers* its records name instead.
    """
    argv = ["wheelnext", "conformance", "run"]
    for spec in meta.get("installer_specs") or installers or ["pip"]:
        argv += ["--installer", str(spec)]
    runner, _, target = str(meta.get("runner") or "venv").partition("+")
    if runner != "venv":
        argv += ["--runner", runner]
    if target and target != "reference":
        argv += ["--index-target", target]
    for folder in meta.get("scenario_dirs") or []:
        argv += ["--scenarios", str(folder)]
    for pattern in scenarios or meta.get("select") or []:
        argv += ["--select", str(pattern)]
    for python in meta.get("python_specs") or []:
        if python:
            argv += ["--python", str(python)]
    for arg in meta.get("installer_args") or []:
        argv += [f"--installer-arg={arg}"]
    return shlex.join(argv)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(records: Sequence[Record], meta: Mapping[str, Any]) -> str:
    columns = sorted({f"{r.installer} {r.installer_version} · py{r.python}" for r in records})
    counts = totals(records)
    lines = [
        f"## wheelnext conformance: {', '.join(columns) or 'no results'}",
        "",
        f"**{len(records)} results**: "
        + (", ".join(f"{n} {status}" for status, n in counts.items()) or "none"),
    ]
    if meta.get("merged_from"):
        lines.append(f"(merged from {len(meta['merged_from'])} saved runs)")
    listed: list[str] = []
    for status, heading in LISTED:
        chosen = [r for r in records if str(r.status) == status]
        if not chosen:
            continue
        lines += ["", f"### {heading} ({len(chosen)})", "", "| scenario | rule | reason |",
                  "|---|---|---|"]  # fmt: skip
        for r in chosen:
            note = f" ({r.annotation})" if r.annotation else ""
            where = f"`{r.scenario}` {r.installer} py{r.python}{note}"
            lines.append(f"| {_cell(where)} | {_cell(rule(r))} | {_cell(reason(r))} |")
            if r.scenario not in listed:
                listed.append(r.scenario)
    if not listed:
        lines += ["", "No failures, errors or warnings."]
    lines += ["", "Reproduce:" if listed else "Run again:", "", "```sh",
              reproduce(meta, listed, sorted({r.installer for r in records})), "```",
              ""]  # fmt: skip
    return "\n".join(lines)
