"""The terminal report: a rich table, one row per scenario, one column per configuration."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wheelnext.conformance.record import Record
from wheelnext.conformance.report import column, group_key, totals

STYLES = {
    "pass": "green",
    "warn": "dark_orange",
    "fail": "bold red",
    "unsupported": "dim",
    "not applicable": "dim",
    "error": "bold yellow",
}


def _text(r: Record) -> str:
    if r.annotation == "expected failure":
        return "[yellow]xfail[/]"
    if r.annotation == "unexpected pass":
        return "[bold magenta]XPASS[/]"
    style = STYLES.get(r.status)
    return f"[{style}]{r.status}[/]" if style else escape(str(r.status))


def why_of(r: Record) -> str:
    return "; ".join(r.failures) or r.reason


def render(records: Sequence[Record], console: Console) -> None:
    columns = sorted({column(r) for r in records})
    cells = {(r.scenario, column(r)): r for r in records}
    table = Table(title="wheelnext conformance", show_lines=False)
    table.add_column("group", no_wrap=True)
    table.add_column("scenario", no_wrap=True)
    varying = [len({c[i] for c in columns}) > 1 for i in range(4)]
    for col in columns:
        label = f"{col[0]}\n{col[1]}"
        label += f"\npy{col[2]}" if varying[2] else ""
        label += f"\n{col[3]}" if varying[3] else ""
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
    for r in records:
        if r.status in ("fail", "error") and r.annotation != "expected failure":
            why = why_of(r)
            where = escape(f"{r.scenario} [{r.where}]")
            console.print(f"[red]{r.status}[/] {where}: {escape(why)}")
        elif r.status == "warn" and r.annotation != "expected failure":
            level = r.spec.level
            where = escape(f"{r.scenario} [{r.where}]")
            console.print(f"[dark_orange]warn[/] {where}: {level} not met: {escape(why_of(r))}")
        elif r.annotation == "unexpected pass":
            where = escape(f"{r.scenario} [{r.where}]")
            console.print(f"[red]unexpected pass[/] {where}: {escape(r.reason)}")
    for r in records:
        survivors = (r.observed.survivors if r.observed else None) or ()
        if survivors:
            where = escape(f"{r.scenario} [{r.where}]")
            left = "; ".join(survivors)
            console.print(f"[yellow]left running, killed[/] {where}: {escape(left)}")
    console.print(", ".join(f"{k}: {v}" for k, v in totals(records).items()))
