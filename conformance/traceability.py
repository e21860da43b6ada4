"""The traceability table: each traced PEP sentence, the scenarios that cover it, their results.

The sentences come from ``scenarios/_requirements.toml``, the coverage from the
``[spec] requirements`` key of every shipped scenario (read with the harness's
own loader), and the results from the merged run committed as
``docs/conformance/results.json`` when it exists. A page places the table with
the ``.. traceability::`` directive. The build fails when a listed sentence has
no scenario, or when a scenario names a requirement id that is not listed.

The Sphinx extension (``docs/_ext/traceability.py``) is a thin caller of :func:`setup`;
the data functions work without Sphinx.

A requirement the harness cannot observe (PEP 817's plugin API contracts, its build
backend rules) names the unit tests that check it instead, in ``tests`` (pytest node
ids, ``path::function``); it counts as covered by them, and
``tests/conformance/test_traceability.py`` checks that each named test exists.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext import inputs
from wheelnext.conformance import matrix_page
from wheelnext.conformance.scenario import load_scenarios, shipped_dir

REQUIREMENTS = shipped_dir() / "_requirements.toml"
#: The merged run, relative to the documentation's source folder.
RESULTS = Path("conformance") / "results.json"
NOT_RUN = "not yet run"
PENDING = "pending"
#: The tools whose results a trace row or dossier shows, in this order (an installer record's name
#: before any ``:configuration``).
TOOLS = ("pip", "uv", "wheelnext")
#: Statuses from worst to best: a cell takes the colour of the worst it holds.
SEVERITY = ("error", "fail", "warn", "unsupported", "not applicable", "pass")
SHORT_SENTENCE = 90


@dataclass(frozen=True)
class Requirement:
    """One traced sentence (or one clause of a sentence) of a PEP."""

    id: str
    pep: int
    section: str
    sentence: str
    level: str
    audience: str
    clause: str = ""
    note: str = ""
    #: Unit tests (``path::function`` node ids) that check what no scenario can observe.
    tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class Excluded:
    """A keyword sentence deliberately not traced, with the reason."""

    pep: int
    section: str
    sentence: str
    level: str
    reason: str


@dataclass(frozen=True)
class Coverage:
    """Which scenarios name which requirement ids, and what went wrong."""

    scenarios: Mapping[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    unknown: Mapping[str, tuple[str, ...]]


def load_requirements(path: Path = REQUIREMENTS) -> tuple[list[Requirement], list[Excluded]]:
    """Read the requirements file; ids must be unique."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    requirements = [
        Requirement(**{**entry, "tests": tuple(entry.get("tests", ()))})
        for entry in data.get("requirement", [])
    ]
    excluded = [Excluded(**entry) for entry in data.get("excluded", [])]
    seen: set[str] = set()
    for requirement in requirements:
        if requirement.id in seen:
            raise ValueError(f"{path}: duplicate requirement id {requirement.id!r}")
        seen.add(requirement.id)
    return requirements, excluded


#: The "both" requirements no index scenario covers, each with the reason (issue #15).
INDEX_EXEMPT = Path(__file__).parent / "index_exempt.toml"


def load_index_exempt(path: Path = INDEX_EXEMPT) -> dict[str, str]:
    """Requirement id -> why no index scenario covers it; ids must be unique, reasons given."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    exempt: dict[str, str] = {}
    for number, entry in enumerate(data.get("exempt", [])):
        ident, reason = entry.get("id"), entry.get("reason")
        if not isinstance(ident, str) or not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{path}: exempt entry {number + 1} needs an id and a reason")
        if ident in exempt:
            raise ValueError(f"{path}: duplicate exempt id {ident!r}")
        exempt[ident] = reason
    return exempt


def index_gaps(
    requirements: Sequence[Requirement],
    index_named: Mapping[str, Sequence[str]],
    exempt: Mapping[str, str],
) -> list[str]:
    """What is wrong with the index side of the trace, one line each (empty: nothing).

    *index_named* maps each scenario whose audience is the index to the requirement ids it
    covers. A requirement whose audience is ``both`` needs an index scenario or an entry in
    *exempt*, never both; *exempt* names only such requirements.
    """
    covered = {i for ids in index_named.values() for i in ids}
    both = {r.id for r in requirements if r.audience == "both"}
    lines = [f"requirement {r!r} (audience both) has no index scenario and no exemption"
             for r in sorted(both - covered - set(exempt))]
    lines += [f"exempt {r!r} is not a requirement whose audience is both"
              for r in sorted(set(exempt) - both)]
    lines += [f"exempt {r!r} is covered by an index scenario: remove the exemption"
              for r in sorted(set(exempt) & covered)]
    return lines


def shipped_index_coverage() -> dict[str, tuple[str, ...]]:
    """Requirement ids per shipped scenario whose audience is the index."""
    return {s.id: tuple(s.spec.requirements) for s in load_scenarios() if "index" in s.audience}


def coverage(
    requirements: Sequence[Requirement], named: Mapping[str, Sequence[str]]
) -> Coverage:
    """Match requirement ids against ``named`` (scenario id -> requirement ids it covers).

    A requirement that names unit tests (:attr:`Requirement.tests`) is covered by them.
    """
    known = {r.id for r in requirements}
    by_requirement: dict[str, list[str]] = {r.id: [] for r in requirements}
    unknown: dict[str, tuple[str, ...]] = {}
    for scenario_id, ids in sorted(named.items()):
        bad = tuple(i for i in ids if i not in known)
        if bad:
            unknown[scenario_id] = bad
        for requirement_id in ids:
            if requirement_id in by_requirement:
                by_requirement[requirement_id].append(scenario_id)
    tested = {r.id for r in requirements if r.tests}
    return Coverage(
        scenarios={k: tuple(v) for k, v in by_requirement.items()},
        uncovered=tuple(k for k, v in by_requirement.items() if not v and k not in tested),
        unknown=unknown,
    )


def shipped_coverage() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Requirement ids and levels per shipped scenario, through the harness loader.

    A pending scenario (``_pending-*.toml``, skipped by the loader because the
    harness cannot build it yet) counts with the level ``pending: <reason>``
    taken from its first-line ``# pending:`` comment, so the page shows it as such.
    """
    named: dict[str, tuple[str, ...]] = {}
    levels: dict[str, str] = {}
    for scenario in load_scenarios():
        named[scenario.id] = tuple(scenario.spec.requirements)
        levels[scenario.id] = scenario.spec.level
    for path in sorted(shipped_dir().rglob("_pending-*.toml")):
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        reason = text.splitlines()[0].removeprefix("# pending:").strip()
        scenario_id = data["scenario"]["id"]
        named[scenario_id] = tuple(data["spec"].get("requirements", ()))
        levels[scenario_id] = f"{PENDING}: {reason}"
    return named, levels


def load_results(path: Path) -> dict[str, dict[str, str]]:
    """Scenario id -> {configuration: status} from a merged results file, {} when absent.

    Accepts a list of records or an object holding one under ``results``;
    a record names its scenario (``scenario`` or ``id``), its column
    (``configuration``, ``column`` or ``installer``, plus ``python`` and
    ``runner`` when given) and its ``status``.
    """
    if not path.exists() and not path.is_symlink():
        return {}
    data: Any = inputs.read_json(path, what="results file")
    records = data.get("results", []) if isinstance(data, dict) else data
    results: dict[str, dict[str, str]] = {}
    if not isinstance(records, list):
        raise inputs.InvalidInput(f"{path}: not a results file (no list of records)")
    for number, record in enumerate(records):
        if not isinstance(record, dict):
            raise inputs.InvalidInput(f"{path}: results[{number}] is not a record (an object)")
        scenario = record.get("scenario") or record.get("scenario_id") or record.get("id")
        if isinstance(scenario, dict):
            scenario = scenario.get("id")
        column = str(
            record.get("configuration") or record.get("column") or record.get("installer") or "?"
        )
        details = [f"py{record['python']}" if record.get("python") else ""]
        details.append(str(record["runner"]) if record.get("runner") else "")
        if any(details):
            column += f" ({', '.join(d for d in details if d)})"
        if isinstance(scenario, str):
            results.setdefault(scenario, {})[column] = str(record.get("status", "?"))
    return results


_ROLE = re.compile(r":[a-z:]+:`([^`<]*?)\s*(?:<[^`>]*>)?`")
_LINK = re.compile(r"`([^`<]+?)\s*(?:<[^`>]*>)?`__?")


def combine(cells: Iterable[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for cell in cells:
        total.update(cell)
    return total


def worst(cell: Counter[str]) -> str:
    """The status that colours a cell: the worst it holds."""
    for status in SEVERITY:
        if cell.get(status):
            return status
    return next(iter(cell), "not run")


def result_cell(cell: Counter[str], empty: str = "not yet run") -> str:
    """A coloured cell as inline markup: ``:result:`fail|2 fail · 14 pass```."""
    if not cell:
        return empty
    order = {s: i for i, s in enumerate(SEVERITY)}
    text = " · ".join(
        f"{cell[s]} {matrix_page.SHORT.get(s, s)}"
        for s in sorted(cell, key=lambda s: order.get(s, -1))
    )
    return f":result:`{worst(cell)}|{text}`"


def shorten(sentence: str, limit: int = SHORT_SENTENCE) -> str:
    """The sentence as plain text, cut at a word boundary to at most *limit* characters."""
    text = " ".join(re.sub(r"``|\*\*?(?=\S)|(?<=\S)\*\*?", "", plain_rst(sentence)).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def anchor(requirement_id: str) -> str:
    return f"req-{requirement_id}"


def plain_rst(text: str) -> str:
    """The sentence's inline markup kept, its cross-references turned into plain text.

    References to other documents (``:pep:``, ``:ref:``, `` `x`_ ``) would not
    resolve on this site; their text is what a reader needs.
    """
    text = _ROLE.sub(lambda m: m.group(1), text)
    return _LINK.sub(lambda m: m.group(1), text)


def render(
    requirements: Sequence[Requirement],
    excluded: Sequence[Excluded],
    cover: Coverage,
    results: Mapping[str, Mapping[str, str]],
    levels: Mapping[str, str] | None = None,
) -> list[str]:
    """The table as reStructuredText lines, one section per PEP.

    A row is readable at a glance: the sentence shortened, linking to its full text on the
    PEP's dossier page (the ``req-ID`` label there), and one coloured ``:result:`` cell per
    tool counting the records of the row's scenarios."""
    lines: list[str] = []
    total = len(requirements)
    covered = total - len(cover.uncovered)
    lines += [
        f"{covered} of {total} traced requirements are covered by at least one scenario "
        "or named unit test; "
        f"{len(excluded)} keyword sentences are listed as not concerning installers or "
        "indexes, with the reason. Each sentence links to its full text on the PEP's "
        "dossier page; a result cell counts the records of the row's scenarios for one tool.",
        "",
    ]
    if not results:
        lines += ["Results: *not yet run* (no ``docs/conformance/results.json``).", ""]
    for pep in sorted({r.pep for r in requirements}):
        title = f"PEP {pep}"
        lines += [title, "-" * len(title), ""]
        lines += [".. list-table::", "   :header-rows: 1", "   :class: dossier-trace",
                  "   :widths: 18 34 24" + " 8" * len(TOOLS), ""]
        lines += ["   * - Requirement", "     - Sentence", "     - Scenarios"]
        lines += [f"     - {tool}" for tool in TOOLS]
        for requirement in (r for r in requirements if r.pep == pep):
            scenarios = cover.scenarios.get(requirement.id, ())
            lines += _row(requirement, scenarios, results, levels or {})
        lines.append("")
        not_traced = [e for e in excluded if e.pep == pep]
        if not_traced:
            heading = f"PEP {pep}: sentences not traced"
            lines += [heading, "~" * len(heading), ""]
            lines += [".. list-table::", "   :header-rows: 1", "   :widths: 50 50", ""]
            lines += ["   * - Sentence", "     - Why not"]
            for entry in not_traced:
                lines += [
                    f"   * - {plain_rst(entry.sentence)} ({entry.level}; section: {entry.section})",
                    f"     - {plain_rst(entry.reason)}",
                ]
            lines.append("")
    extensions = sorted(s for s, level in (levels or {}).items() if level == "extension")
    if extensions:
        lines += ["Extensions", "----------", ""]
        lines += ["Scenarios for behaviour beyond any PEP, reported apart from conformance:", ""]
        lines += [".. list-table::", "   :header-rows: 1", "   :class: dossier-trace", ""]
        lines += ["   * - Scenario"] + [f"     - {tool}" for tool in TOOLS]
        for s in extensions:
            cells = tool_cells(results.get(s, {}))
            lines += [f"   * - ``{s}``"] + [f"     - {result_cell(cells[t])}" for t in TOOLS]
        lines.append("")
    return lines


def tool_cells(columns: Mapping[str, str]) -> dict[str, Counter[str]]:
    """Statuses by tool, from one scenario's ``{column: status}`` (a column such as
    ``uv:first-index (py3.11, venv)`` counts for ``uv``)."""
    cells: dict[str, Counter[str]] = {tool: Counter() for tool in TOOLS}
    for column, status in columns.items():
        tool = column.split(" (")[0].partition(":")[0].partition("==")[0]
        cells.setdefault(tool, Counter())[status] += 1
    return cells


def _link(requirement: Requirement) -> str:
    text = ("… " + shorten(requirement.clause, SHORT_SENTENCE - 2) if requirement.clause
            else shorten(requirement.sentence))
    text = re.sub(r"([`<>\\])", r"\\\1", text)
    return f":ref:`{text} <{anchor(requirement.id)}>`"


def _row(
    requirement: Requirement,
    scenarios: Iterable[str],
    results: Mapping[str, Mapping[str, str]],
    levels: Mapping[str, str],
) -> list[str]:
    first = [
        f"   * - ``{requirement.id}``",
        "",
        f"       {requirement.level}, {requirement.audience}",
        f"     - {_link(requirement)}",
    ]
    chosen = list(scenarios)
    ran = [s for s in chosen if not levels.get(s, "").startswith(PENDING)]
    names = [f"``{s}``" + (" (*pending*)" if s not in ran else "") for s in chosen]
    names += [f"unit test ``{test}``" for test in requirement.tests]
    listing = "**no scenario**" if not names else ", ".join(names)
    cells = {tool: combine(tool_cells(results.get(s, {}))[tool] for s in ran)
             for tool in TOOLS}
    empty = NOT_RUN if ran else "—"
    return [*first, f"     - {listing}",
            *(f"     - {result_cell(cells[tool], empty)}" for tool in TOOLS)]


def problems(cover: Coverage) -> list[str]:
    """One line per uncovered requirement and per unknown id a scenario names."""
    lines = [f"requirement {r!r} has no scenario" for r in cover.uncovered]
    lines += [
        f"scenario {s!r} names unknown requirement ids: {', '.join(ids)}"
        for s, ids in cover.unknown.items()
    ]
    return lines


# -- Sphinx ---------------------------------------------------------------------------------

try:
    from docutils import nodes  # type: ignore[import-untyped]
    from docutils.statemachine import StringList  # type: ignore[import-untyped]
    from sphinx.application import Sphinx
    from sphinx.errors import ExtensionError
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles
except ImportError:  # pragma: no cover - the data functions above work without Sphinx
    pass
else:
    _logger = logging.getLogger(__name__)

    class TraceabilityDirective(SphinxDirective):
        """``.. traceability::``: the generated table, in place."""

        def run(self) -> list[nodes.Node]:
            requirements, excluded = load_requirements()
            named, levels = shipped_coverage()
            cover = coverage(requirements, named)
            results = Path(self.env.srcdir) / RESULTS
            self.env.note_dependency(str(REQUIREMENTS))
            if results.is_file():
                self.env.note_dependency(str(results))
            lines = render(requirements, excluded, cover, load_results(results), levels)
            container = nodes.section()
            container.document = self.state.document
            nested_parse_with_titles(self.state, StringList(lines, "traceability"), container)
            return list(container.children)

    def _check(app: Sphinx) -> None:
        """Fail the build before reading when the trace has a gap."""
        requirements, _ = load_requirements()
        named, _ = shipped_coverage()
        found = problems(coverage(requirements, named))
        for line in found:
            _logger.error("traceability: %s", line)
        if found:
            raise ExtensionError(
                f"traceability: {len(found)} problem(s) in {REQUIREMENTS.name} coverage; "
                "every listed sentence needs a scenario"
            )

    def setup(app: Sphinx) -> dict[str, Any]:
        app.add_directive("traceability", TraceabilityDirective)
        app.connect("builder-inited", _check)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
