"""The terminal report: a rich table, one row per scenario, one column per configuration."""

from __future__ import annotations

import os
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wheelnext.conformance.record import DEFAULT_PERSONALITY, Record
from wheelnext.conformance.report import column, group_key, personality_differences, totals
from wheelnext.conformance.reproduce import command, needs_reproducing

STYLES = {
    "pass": "green",
    "warn": "dark_orange",
    "fail": "bold red",
    "unsupported": "dim",
    "not applicable": "dim",
    "error": "bold yellow",
}


#: The width given to output that is not a terminal: wide enough that no line is cut.
UNCUT = 10_000


def console(*, stderr: bool = False) -> Console:
    """A console for the reports: a terminal's width, else ``$COLUMNS``, else lines not cut.

    rich takes 80 columns when it writes to a file or a pipe; a matrix with
    several installer columns is wider than that, and a cut table loses results.
    """
    found = Console(stderr=stderr)
    if found.is_terminal or os.environ.get("COLUMNS"):
        return found
    return Console(stderr=stderr, width=UNCUT)


def _text(r: Record) -> str:
    if r.annotation == "expected failure":
        return "[yellow]xfail[/]"
    if r.annotation == "unexpected pass":
        return "[bold magenta]XPASS[/]"
    style = STYLES.get(r.status)
    return f"[{style}]{r.status}[/]" if style else escape(str(r.status))


def _where(r: Record) -> str:
    personality = r.index_personality
    shown = f" index {personality}" if personality != DEFAULT_PERSONALITY else ""
    return f"{r.scenario} [{r.where}{shown}]"


def render_differences(records: Sequence[Record], console: Console) -> None:
    """A table of the cells whose status depends on the index personality (none: nothing)."""
    differing = personality_differences(records)
    if not differing:
        return
    names = sorted({p for d in differing for p in d.statuses})
    table = Table(title="results that differ between index personalities")
    for heading in ("scenario", "installer", *names):
        table.add_column(heading, no_wrap=True)
    for d in differing:
        cells = [f"[{STYLES.get(d.statuses.get(n, ''), 'dim')}]{d.statuses.get(n, '—')}[/]"
                 for n in names]
        table.add_row(d.scenario, f"{d.column[0]} {d.column[1]}", *cells)
    console.print(table)


def why_of(r: Record) -> str:
    return "; ".join(r.failures) or r.reason


def summary(records: Sequence[Record]) -> str:
    """The totals line (all that ``-q`` prints)."""
    return ", ".join(f"{k}: {v}" for k, v in totals(records).items()) or "no results"


def observations(records: Sequence[Record], console: Console) -> None:
    """``-v``: what was observed for each record, one block per result."""
    for r in records:
        console.print(escape(f"{r.scenario} [{r.installer} {r.installer_version} py{r.python} "
                             f"{r.runner}]: {r.status}"), soft_wrap=True)  # fmt: skip
        o = r.observed
        if o is None:
            console.print(escape(f"  not run: {r.reason}"), soft_wrap=True)
            continue
        lines = [f"  command: {' '.join(o.argv)}",
                 f"  exit code: {'timed out' if o.timed_out else o.exit_code}",
                 "  installed: " + (", ".join(f"{k} {v.version}" + (f" ({v.variant})" if v.variant
                                             else "") for k, v in sorted(o.installed.items()))
                                    or "nothing")]  # fmt: skip
        lines += [f"  request: {q.index} {q.path} {q.status}" for q in o.requests]
        lines += [f"  written outside the environment: {w}" for w in o.written_outside]
        lines += [f"  evidence: {e}" for e in r.evidence]
        for line in lines:
            console.print(escape(line), soft_wrap=True)


def render(records: Sequence[Record], console: Console, scenario_dirs: Sequence[str] = ()) -> None:
    """The matrix, each failure with its reproduce command, then the totals."""
    columns = sorted({column(r) for r in records})
    cells = {(r.scenario, column(r)): r for r in records}
    table = Table(title="wheelnext conformance", show_lines=False)
    table.add_column("group", no_wrap=True)
    table.add_column("scenario", no_wrap=True)
    varying = [len({c[i] for c in columns}) > 1 for i in range(5)]
    for col in columns:
        label = f"{col[0]}\n{col[1]}"
        label += f"\npy{col[2]}" if varying[2] else ""
        label += f"\n{col[3]}" if varying[3] else ""
        label += f"\n{col[4]}" if varying[4] else ""
        table.add_column(label, no_wrap=True)
    seen: dict[str, Record] = {}
    for r in records:
        seen.setdefault(r.scenario, r)
    for sid, first in sorted(seen.items(), key=lambda kv: (group_key(kv[1].group), kv[0])):
        row = [first.group, sid]
        for col in columns:
            cell = cells.get((sid, col))
            row.append(_text(cell) if cell else "—")
        table.add_row(*row)
    console.print(table)
    render_differences(records, console)
    for r in records:
        if r.status in ("fail", "error") and r.annotation != "expected failure":
            why = why_of(r)
            where = escape(_where(r))
            console.print(f"[red]{r.status}[/] {where}: {escape(why)}")
        elif r.status == "warn" and r.annotation != "expected failure":
            level = r.spec.level
            where = escape(_where(r))
            console.print(f"[dark_orange]warn[/] {where}: {level} not met: {escape(why_of(r))}")
        elif r.annotation == "unexpected pass":
            where = escape(_where(r))
            console.print(f"[red]unexpected pass[/] {where}: {escape(r.reason)}")
        if needs_reproducing(r):
            console.print(f"  reproduce: {escape(command(r, scenario_dirs))}", soft_wrap=True)
    for r in records:
        survivors = (r.observed.survivors if r.observed else None) or ()
        if survivors:
            where = escape(_where(r))
            left = "; ".join(survivors)
            console.print(f"[yellow]left running, killed[/] {where}: {escape(left)}")
    console.print(summary(records))
