"""The power table in the docs, generated from ``docs/conformance/power.json``.

``wheelnext conformance power --json > docs/conformance/power.json`` writes the data; the
``.. conformance-power::`` directive renders it, so the page is never written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The data file, relative to the Sphinx source folder.
POWER = Path("conformance") / "power.json"


def load(path: Path) -> list[dict[str, Any]]:
    """The rows of a saved power run (empty when there is none yet)."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else []


def render(rows: list[dict[str, Any]]) -> list[str]:
    """reStructuredText lines: one row per rule or index feature (``index:NAME``), its verdict
    (with the reason where the knockout cannot be separated) and the scenarios that kill it."""
    if not rows:
        return ["No power run has been saved yet."]
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 12 9 17 16 22 24", "",
             "   * - rule", "     - verdict", "     - requirement ids", "     - knockout",
             "     - killed by", "     - tracing scenarios that survive"]
    for row in rows:
        killed = ", ".join(f"``{s}``" for s in row["killed_by"])
        if not killed and row["verdict"] == "cannot separate":
            killed = "none"
        elif not killed:
            known = row.get("known_hole", "")
            killed = f"**none (a hole)**: {known}" if known else "**none (a hole)**"
        knockout = row.get("at", "").partition(": a knockout ")[2] or (
            "feature left out of the index" if row.get("side") == "index" else "rule removed")
        verdict = row["verdict"] + (f": {row['reason']}" if row.get("reason") else "")
        cells = [f"``{row['rule']}``", verdict,
                 ", ".join(f"``{i}``" for i in row["requirement_ids"]) or "none listed",
                 knockout, killed,
                 ", ".join(f"``{s}``" for s in row["traced_survivors"]) or "—"]
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {cell}" for cell in cells[1:])
    return lines


def render_unseparated(reasons: dict[str, str]) -> list[str]:
    """reStructuredText lines: the requirement ids without a knockout, grouped by reason."""
    grouped: dict[str, list[str]] = {}
    for requirement, reason in reasons.items():
        grouped.setdefault(reason, []).append(requirement)
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 40 60", "",
             "   * - requirement ids", "     - why no knockout of their own"]
    for reason, ids in grouped.items():
        lines.append(f"   * - {', '.join(f'``{i}``' for i in ids)}")
        lines.append(f"     - {reason}")
    return lines


try:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import SphinxDirective

    from wheelnext.conformance.matrix_page import generated
except ImportError:  # pragma: no cover - the data functions above work without Sphinx
    pass
else:

    class PowerDirective(SphinxDirective):
        """``.. conformance-power::``: the generated power table, in place;
        ``.. conformance-power:: unseparated``: the requirements without a knockout."""

        optional_arguments = 1

        def run(self) -> list[Any]:
            if self.arguments == ["unseparated"]:
                from wheelnext.conformance.power_known import EXCEPTIONS, known

                self.env.note_dependency(str(EXCEPTIONS))
                return generated(self, render_unseparated(known().unseparated))
            data = Path(self.env.srcdir) / POWER
            if data.is_file():
                self.env.note_dependency(str(data))
            return generated(self, render(load(data)))

    def setup(app: Sphinx) -> dict[str, Any]:
        app.add_directive("conformance-power", PowerDirective)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
