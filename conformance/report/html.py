"""The HTML matrix: scenarios grouped by PEP down the side, installers across the top.

Each cell is coloured by its result and links to a detail section holding the
expected outcome next to the observed one. One self-contained page, no script.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from wheelnext import __version__
from wheelnext.conformance.record import INDEX_RUNNER, Record
from wheelnext.conformance.report import column, column_label, group_key, totals
from wheelnext.conformance.report.rst import inline, section_url
from wheelnext.conformance.reproduce import command, needs_reproducing

#: What each level of a scenario's ``[spec]`` means for its result (docs: "Results").
LEGEND = (
    ("MUST, MUST NOT", "a requirement of the spec (RFC 2119): not met is a fail"),
    ("SHOULD, SHOULD NOT, MAY", "a recommendation or an option: not met is a warn, never a fail"),
    ("rule", "a rule of PEP 766 or 771 stated in plain words; counts as a MUST"),
    ("extension", "wheelnext's own prototype beyond the PEPs (Wheel 2.0 .whlx): not conformance"),
)
#: The run metadata shown in the page's head, in this order, when the run recorded it.
METADATA = (
    ("date", "date"),
    ("command", "command"),
    ("scenario_set", "scenario set"),
    ("machine", "machine"),
    ("runner", "runner"),
    ("merged_from", "merged from"),
)

CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem}
table.matrix{border-collapse:collapse;font-size:.85rem}
.matrix th,.matrix td{border:1px solid #c9d1d9;padding:.25rem .5rem}
.matrix th.col{writing-mode:horizontal-tb;background:#f3f4f6;max-width:12rem;
 overflow-wrap:anywhere;word-break:break-word;vertical-align:bottom}
.matrix tr.group th{background:#e5e7eb;text-align:left}
.matrix tr.totals th{font-weight:normal;font-size:.75rem;background:#f9fafb}
.matrix td.cell{text-align:center;white-space:nowrap}
.matrix td.scenario{white-space:nowrap}
.matrix td.cell a{color:inherit;text-decoration:none;display:block}
.pass{background:#c6f6d5} .warn{background:#d9f99d}
.fail{background:#fecaca} .unsupported{background:#e5e7eb}
.not-applicable{background:#f5f5f4;color:#6b7280} .error{background:#fde68a}
.xfail{background:#fed7aa} .xpass{background:#f9a8d4}
.level{color:#6b7280;font-size:.75rem}
section.detail{border-top:1px solid #c9d1d9;padding:.5rem 0}
section.detail:target{background:#fffbeb}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;max-height:24rem}
.cols{display:flex;gap:1rem} .cols>div{flex:1;min-width:0}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;font-size:.85rem}
dl.meta dt{color:#6b7280} dl.meta dd{margin:0;overflow-wrap:anywhere}
table.legend{font-size:.8rem;border-collapse:collapse;margin:.5rem 0 1rem}
.legend td,.legend th{padding:.1rem .5rem;text-align:left;vertical-align:top}
code.reproduce{display:block;background:#f6f8fa;padding:.25rem .5rem;overflow-wrap:anywhere}
blockquote{border-left:3px solid #c9d1d9;margin:0;padding-left:.75rem;color:#374151}
"""


def _css_class(r: Record) -> str:
    if r.annotation == "expected failure":
        return "xfail"
    if r.annotation == "unexpected pass":
        return "xpass"
    return str(r.status).replace(" ", "-")


def _cell_text(r: Record) -> str:
    if r.annotation == "expected failure":
        return "xfail"
    if r.annotation == "unexpected pass":
        return "XPASS"
    return str(r.status)


def _anchor(r: Record, col_index: int) -> str:
    return f"d-{r.scenario}-{col_index}"


def _metadata(meta: Mapping[str, Any]) -> list[str]:
    rows = []
    for key, label in METADATA:
        value = meta.get(key)
        if not value:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        shown = escape(text)
        if key in ("command", "scenario_set"):
            shown = f"<code>{shown}</code>"
        rows.append(f"<dt>{escape(label)}</dt><dd>{shown}</dd>")
    return ['<dl class="meta">', *rows, "</dl>"] if rows else []


def _legend() -> list[str]:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in LEGEND)
    return [f'<table class="legend" id="legend"><caption>Levels</caption>{rows}</table>']


def render(
    records: Sequence[Record],
    *,
    title: str = "wheelnext conformance",
    meta: Mapping[str, Any] | None = None,
) -> str:
    """The page; *meta* is the run's (date, command, scenario-set hash, machine, ...)."""
    columns = sorted({column(r) for r in records})
    cells = {(r.scenario, column(r)): r for r in records}
    scenarios: dict[str, Record] = {}
    for r in records:
        scenarios.setdefault(r.scenario, r)
    groups: dict[str, list[str]] = {}
    for sid, first_record in sorted(scenarios.items()):
        groups.setdefault(first_record.group, []).append(sid)

    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>wheelnext {escape(__version__)} · {len(scenarios)} scenarios · "
        + " · ".join(f"{escape(k)}: {v}" for k, v in totals(records).items())
        + "</p>",
        *_metadata(meta or {}),
        *_legend(),
        '<table class="matrix" id="matrix"><thead><tr><th>scenario</th>',
    ]
    out += [f'<th class="col">{escape(column_label(c))}</th>' for c in columns]
    out.append("</tr>")
    out.append('<tr class="totals"><th>totals</th>')
    for col in columns:
        counts = totals(r for r in records if column(r) == col)
        out.append(
            '<th class="col">' + " · ".join(f"{escape(k)} {v}" for k, v in counts.items()) + "</th>"
        )
    out.append("</tr></thead><tbody>")
    for group in sorted(groups, key=group_key):
        out.append(f'<tr class="group"><th colspan="{len(columns) + 1}">{escape(group)}</th></tr>')
        for sid in groups[group]:
            first = scenarios[sid]
            out.append(
                f'<tr data-scenario="{escape(sid)}"><td class="scenario">{escape(sid)} '
                f'<span class="level">{escape(first.spec.level)}</span></td>'
            )
            for i, col in enumerate(columns):
                cell = cells.get((sid, col))
                if cell is None:
                    out.append('<td class="cell">—</td>')
                    continue
                out.append(
                    f'<td class="cell {_css_class(cell)}" data-status="{escape(cell.status)}">'
                    f'<a href="#{escape(_anchor(cell, i))}">{escape(_cell_text(cell))}</a></td>'
                )
            out.append("</tr>")
    out.append("</tbody></table>")
    out.append("<h2>Details</h2>")
    dirs = (meta or {}).get("scenario_dirs", ())
    for group in sorted(groups, key=group_key):
        for sid in groups[group]:
            for i, col in enumerate(columns):
                found = cells.get((sid, col))
                if found is not None:
                    out.append(_detail(found, col, i, dirs))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _detail(
    r: Record, col: tuple[str, ...], index: int, scenario_dirs: Sequence[str]
) -> str:
    spec = r.spec
    where = escape(f"PEP {spec.pep}" if spec.pep else str(spec.document))
    section = f"“{inline(spec.section)}”"
    url = section_url(spec.pep, spec.document, spec.section)
    if url:
        section = f'<a href="{escape(url)}">{section}</a>'
    parts = [
        f'<section class="detail" id="{escape(_anchor(r, index))}">',
        f"<h3>{escape(r.scenario)} — {escape(column_label(col))}: "
        f'<span class="{_css_class(r)}">{escape(_cell_text(r))}</span></h3>',
        f"<p>{escape(r.title)}</p>",
        f"<blockquote>{where}, {section} ({escape(spec.level)}): "
        f"{inline(spec.sentence)}</blockquote>",
    ]
    if needs_reproducing(r):
        again = escape(command(r, scenario_dirs))
        parts.append(f'<p>Reproduce it alone:</p><code class="reproduce">{again}</code>')
    if r.outcome:
        parts.append(f"<p>Observed outcome: <b>{escape(r.outcome)}</b></p>")
    if r.reason:
        parts.append(f"<p>Reason: {escape(r.reason)}</p>")
    if r.failures:
        parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in r.failures) + "</ul>")
    if r.evidence and r.status == "pass":
        parts.append(
            '<p>Decided by:</p><ul class="evidence">'
            + "".join(f"<li>{escape(e)}</li>" for e in r.evidence)
            + "</ul>"
        )
    observed = r.observed
    shown = None
    if observed:
        shown = {k: v for k, v in observed.to_json().items() if k not in ("output", "uploads")}
    parts.append(
        '<div class="cols"><div><h4>Expected</h4><pre class="expected">'
        + escape(json.dumps([dict(e) for e in r.expected], indent=1))
        + '</pre></div><div><h4>Observed</h4><pre class="observed">'
        + escape(json.dumps(shown, indent=1))
        + "</pre></div></div>"
    )
    if observed:
        parts.append(
            f"<details><summary>{_output_title(r)}</summary><pre>"
            + escape(observed.output[-6000:])
            + "</pre></details>"
        )
    if observed and observed.uploads:
        parts.append(
            "<details><summary>upload command output (--index-target url)</summary><pre>"
            + escape(observed.uploads[-6000:])
            + "</pre></details>"
        )
    parts.append('<p><a href="#matrix">back to the matrix</a></p></section>')
    return "\n".join(parts)


def _output_title(r: Record) -> str:
    """An index run shows the harness's requests; an installer run, the installer's output."""
    return "requests to the index" if r.runner == INDEX_RUNNER else "installer output"
