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
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 14 12 20 27 27", "",
             "   * - rule", "     - verdict", "     - requirement ids", "     - killed by",
             "     - tracing scenarios that survive"]
    for row in rows:
        verdict = row["verdict"] + (f": {row['reason']}" if row.get("reason") else "")
        cells = [f"``{row['rule']}``", verdict,
                 ", ".join(f"``{i}``" for i in row["requirement_ids"]) or "none listed",
                 ", ".join(f"``{s}``" for s in row["killed_by"]) or "**none (a hole)**",
                 ", ".join(f"``{s}``" for s in row["traced_survivors"]) or "—"]
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {cell}" for cell in cells[1:])
    return lines


try:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import SphinxDirective

    from wheelnext.conformance.matrix_page import generated
except ImportError:  # pragma: no cover - the data functions above work without Sphinx
    pass
else:

    class PowerDirective(SphinxDirective):
        """``.. conformance-power::``: the generated power table, in place."""

        def run(self) -> list[Any]:
            data = Path(self.env.srcdir) / POWER
            if data.is_file():
                self.env.note_dependency(str(data))
            return generated(self, render(load(data)))

    def setup(app: Sphinx) -> dict[str, Any]:
        app.add_directive("conformance-power", PowerDirective)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
