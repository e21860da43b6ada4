"""The published conformance matrix, generated from ``docs/conformance/results.json``.

:mod:`wheelnext.conformance.matrix` (``tools/matrix.py``, ``tox -e matrix``) runs the
suite against every installer configuration with each runner and writes that file;
this module renders it,
so the page is never written by hand. The ``.. conformance-matrix::`` directive
places per-runner totals and the matrix (scenarios grouped by PEP down the side,
installer configurations across the top), and after them the index table (the
index scenarios down the side, each index target across the top, from the
installer-less index runs whose runner is ``httpx``); every cell links to its
expected-versus-observed detail on ``conformance/matrix.html``, the harness's
own HTML report of the same records, written into the HTML output when the
build finishes. The Sphinx extension (``docs/_ext/matrix.py``) is a thin caller of
:func:`setup`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wheelnext.conformance.record import DEFAULT_PERSONALITY, INDEX_RUNNER, Record
from wheelnext.conformance.report import column, group_key, html, personality_differences

#: The committed matrix, relative to the documentation's source folder.
RESULTS = Path("conformance") / "results.json"
#: Where the full HTML report lands in the output, relative to the output root.
REPORT = "conformance/matrix.html"
SHORT = {
    "pass": "pass",
    "warn": "warn",
    "fail": "fail",
    "unsupported": "unsup.",
    "not applicable": "n/a",
}
#: The index columns' section: installer-less index runs, one column per index target.
INDEX_TITLE = "Index targets (no installer)"
STATUSES = ("pass", "warn", "fail", "unsupported", "not applicable", "error")


def load(path: Path) -> dict[str, Any]:
    """The committed matrix document, or an empty one when it was never run."""
    if not path.is_file():
        return {"results": [], "runners": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def records_of(data: Mapping[str, Any], source: str = str(RESULTS)) -> list[Record]:
    """The matrix document's records, each parsed and checked (:meth:`Record.from_json`)."""
    return [
        Record.from_json(r, where=f"{source}: results[{i}]")
        for i, r in enumerate(data.get("results", []))
    ]


def columns(records: Sequence[Record]) -> list[tuple[str, str, str, str, str]]:
    """The columns in the order of the harness's HTML report (its anchors count on it)."""
    return sorted({column(r) for r in records})


def _literal(text: str) -> str:
    """*text* as inline literal (observed output holds any character), or nothing."""
    text = " ".join(text.split()).replace("``", "'")
    return f"``{text}``" if text else ""


def _label(col: Sequence[str]) -> str:
    name, _, config = col[0].partition(":")
    personality = f" [{col[4]}]" if len(col) > 4 and col[4] != DEFAULT_PERSONALITY else ""
    return f"{name} {col[1]}" + (f" {config}" if config else "") + personality


def _checked(
    scenario: str, cols: Sequence[tuple[str, ...]], cells: Mapping[tuple[str, Any], Record]
) -> bool:
    """Whether some column checked *scenario* (an index run marks the rest not applicable)."""
    return any(
        (scenario, col) in cells and cells[(scenario, col)].status != "not applicable"
        for col in cols
    )


def render(data: Mapping[str, Any], *, link: str | None = None) -> list[str]:
    """reStructuredText lines for the matrix; *link* is the report's URL from the page."""
    records = records_of(data)
    if not records:
        return ["The matrix has not been run yet (no ``docs/conformance/results.json``).", ""]
    every = columns(records)
    index = {col: i for i, col in enumerate(every)}
    cells = {(r.scenario, column(r)): r for r in records}
    scenarios: dict[str, Record] = {}
    for r in records:
        scenarios.setdefault(r.scenario, r)
    lines: list[str] = []
    runs = sorted(data.get("runners", {}).items(), key=lambda kv: (kv[0] == INDEX_RUNNER, kv[0]))
    for runner, meta in runs:
        cols = [c for c in every if c[3] == runner]
        title = INDEX_TITLE if runner == INDEX_RUNNER else runner + " runner"
        lines += [title, "-" * len(title), ""]
        lines += [
            f"Run on {meta.get('date', '?')} with ``{meta.get('command', '?')}`` in "
            f"{meta.get('seconds', '?')} s on {meta.get('cores', '?')} cores "
            f"({meta.get('cpu', '?')}); Python {cols[0][2] if cols else '?'}; "
            f"write detection: {meta.get('write_detection') or 'n/a'}.",
            "",
        ]
        for skipped in meta.get("skipped", []):
            lines += [f"* Not run: {skipped}"]
        lines += ["", ".. list-table:: Totals", "   :header-rows: 1", ""]
        lines += ["   * - configuration"] + [f"     - {s}" for s in STATUSES]
        for col in cols:
            counts = {s: 0 for s in STATUSES}
            for r in records:
                if column(r) == col:
                    counts[r.status] = counts.get(r.status, 0) + 1
            lines += [f"   * - {_label(col)}"] + [f"     - {counts[s]}" for s in STATUSES]
        lines += ["", ".. list-table:: Results", "   :header-rows: 1", ""]
        lines += ["   * - scenario"] + [f"     - {_label(c)}" for c in cols]
        groups: dict[str, list[str]] = {}
        for sid, first in sorted(scenarios.items()):
            if runner == INDEX_RUNNER and not _checked(sid, cols, cells):
                continue
            groups.setdefault(first.group, []).append(sid)
        for group in sorted(groups, key=group_key):
            lines += [f"   * - **{group}**"] + ["     -" for _ in cols]
            for sid in groups[group]:
                lines.append(f"   * - ``{sid}``")
                for col in cols:
                    cell = cells.get((sid, col))
                    if cell is None:
                        lines.append("     - —")
                        continue
                    text = SHORT.get(cell.status, cell.status.upper())
                    if link:
                        anchor = f"d-{sid}-{index[col]}"
                        lines.append(f"     - `{text} <{link}#{anchor}>`__")
                    else:
                        lines.append(f"     - {text}")
        lines += ["", "Failures", "~" * 8, ""]
        for col in cols:
            failed = [
                cells[(sid, col)]
                for sid in sorted(scenarios)
                if (sid, col) in cells and cells[(sid, col)].status in ("fail", "error")
            ]
            lines += [f"**{_label(col)}** ({len(failed)})", ""]
            for r in failed:
                why = (r.failures or (r.reason,))[0]
                lines.append(f"* ``{r.scenario}``: {_literal(why)}")
            lines.append("")
    return lines + personality_lines(records)


def personality_lines(records: Sequence[Record]) -> list[str]:
    """The cells whose status depends on the index personality (none: no section)."""
    differing = personality_differences(records)
    if not differing:
        return []
    names = sorted({p for d in differing for p in d.statuses})
    lines = ["Results that differ between index personalities", "-" * 47, ""]
    lines += [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - scenario", "     - configuration"] + [f"     - {n}" for n in names]
    for d in differing:
        lines += [f"   * - ``{d.scenario}``", f"     - {_label(d.column)} · {d.column[3]}"]
        lines += [f"     - {SHORT.get(d.statuses.get(n, ''), d.statuses.get(n) or '—')}"
                  for n in names]
    return [*lines, ""]


try:
    from docutils import nodes  # type: ignore[import-untyped]
    from docutils.statemachine import StringList  # type: ignore[import-untyped]
    from sphinx.application import Sphinx
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles
except ImportError:  # pragma: no cover - the data functions above work without Sphinx
    pass
else:

    def generated(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
        """Parse generated reStructuredText *lines* in place of *directive* (titles allowed)."""
        container = nodes.section()
        container.document = directive.state.document
        nested_parse_with_titles(directive.state, StringList(lines, directive.name), container)
        return list(container.children)

    class MatrixDirective(SphinxDirective):
        """``.. conformance-matrix::``: the generated matrix, in place."""

        def run(self) -> list[nodes.Node]:
            results = Path(self.env.srcdir) / RESULTS
            if results.is_file():
                self.env.note_dependency(str(results))
            depth = self.env.docname.count("/")
            return generated(self, render(load(results), link="../" * depth + REPORT))

    def _write_report(app: Sphinx, exception: Exception | None) -> None:
        """The harness's HTML report of the same records, beside the site (HTML builds)."""
        if exception is not None or app.builder.format != "html":
            return
        found = records_of(load(Path(app.srcdir) / RESULTS))
        if not found:
            return
        target = Path(app.outdir) / REPORT
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html.render(found, title="wheelnext conformance matrix"), "utf-8")

    def setup(app: Sphinx) -> dict[str, Any]:
        app.add_directive("conformance-matrix", MatrixDirective)
        app.connect("build-finished", _write_report)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
