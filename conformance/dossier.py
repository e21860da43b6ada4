"""A dossier per PEP for its authors, and the status page as their index.

Everything on these pages comes from data in the repository, so no number is
written by hand:

- ``docs/peps.toml``: each PEP's title, type and status, and where it lives
  (implementation modules, scenario folders, tests, benchmarks, spec-note
  prefixes); the design page's table of the same is rendered from it too;
- ``scenarios/_requirements.toml`` and the shipped scenarios: the traced
  sentences and the scenarios covering each (:mod:`.traceability`);
- ``docs/conformance/results.json``: each tool's results (:mod:`.matrix_page`);
- ``docs/conformance/power.json``: the knockouts of the reference installer's
  rules that trace to the PEP (:mod:`.power_page`);
- ``docs/spec-notes/``: the notes on the PEP, and its open questions, which are
  the items of a note's section whose heading asks a question or names what is
  open (``The questions``, ``Open questions ...``, ``What we did not settle``,
  ``The gap``), each top-level section whose heading is a question, and a note
  whose title is itself a question.

A result cell summarises, for one tool (``pip``, ``uv``, ``wheelnext``: every
configuration, version and runner together), the records of the scenarios
covering a requirement: its colour is the worst status among them, its text the
count of each status. The directives are ``.. pep-dossier:: N``,
``.. pep-dossier-index::`` and ``.. pep-places::``; the Sphinx extension
(``docs/_ext/dossier.py``) is a thin caller of :func:`setup`.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext.conformance import matrix_page, power_page, traceability
from wheelnext.conformance.record import INDEX_RUNNER
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.conformance.traceability import (
    SHORT_SENTENCE,
    TOOLS,
    Requirement,
    anchor,
    combine,
    plain_rst,
    result_cell,
    shorten,
)

#: The PEP list, relative to the documentation's source folder.
PEPS = Path("peps.toml")
NOTES = Path("spec-notes")
_OPEN_HEADING = re.compile(r"question|not settle|unresolved|\bgap\b|\?\s*$", re.I)
_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_ITEM = re.compile(r"^(?:[*-]|\d+\.|#\.)\s+(.*)$")


@dataclass(frozen=True)
class Place:
    """One row of the design page's table: a PEP or an extension, and where it lives."""

    label: str
    implementation: tuple[str, ...]
    scenarios: tuple[str, ...]
    tests: tuple[str, ...]
    notes: tuple[str, ...]
    benchmarks: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Pep:
    """One PEP of ``docs/peps.toml``."""

    number: int
    title: str
    type: str
    status: str
    place: Place
    extension: str = ""


@dataclass(frozen=True)
class Note:
    """A spec note: its page, title and the open questions it writes down."""

    name: str
    title: str
    peps: frozenset[int]
    questions: tuple[str, ...]


def load_peps(path: Path) -> tuple[list[Pep], list[Place]]:
    """The PEPs and the extensions of ``docs/peps.toml``."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def place(entry: Mapping[str, Any], label: str) -> Place:
        return Place(
            label=label,
            implementation=tuple(entry.get("implementation", ())),
            scenarios=tuple(entry.get("scenarios", ())),
            tests=tuple(entry.get("tests", ())),
            notes=tuple(entry.get("notes", ())),
            benchmarks=tuple(entry.get("benchmarks", ())),
            summary=str(entry.get("summary", "")),
        )

    peps = [
        Pep(
            number=int(e["number"]),
            title=str(e["title"]),
            type=str(e["type"]),
            status=str(e["status"]),
            place=place(e, f"{e['number']} ({str(e['status']).lower()})"),
            extension=str(e.get("extension", "")),
        )
        for e in data.get("pep", [])
    ]
    extensions = [place(e, f"{e['name']} ({e['summary']})") for e in data.get("extension", [])]
    return peps, extensions


def load_notes(folder: Path) -> list[Note]:
    """Every spec note but the index, with the PEPs it concerns and its open questions."""
    notes = []
    for path in sorted(folder.glob("*.rst")):
        if path.stem == "index":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        title = lines[0].strip()
        peps = {int(n) for n in re.findall(r"PEP (\d+)", title)}
        prefix = re.match(r"pep(\d+)-", path.name)
        if prefix:
            peps.add(int(prefix.group(1)))
        questions = _open_items(lines)
        if title.endswith("?"):
            questions = (re.sub(r"^PEP \d+: ", "", title), *questions)
        notes.append(Note(path.stem, title, frozenset(peps), questions))
    return notes


def _open_items(lines: Sequence[str]) -> tuple[str, ...]:
    """The list items (or the first paragraph) of each section whose heading names what is open.

    A top-level section whose heading is a question is one open question (its heading).
    """
    items: list[str] = []
    headings = [
        i
        for i in range(1, len(lines) - 1)
        if _UNDERLINE.match(lines[i + 1]) and lines[i].strip() and not _UNDERLINE.match(lines[i])
    ]
    top = lines[headings[1] + 1][0] if len(headings) > 1 else ""
    for n, start in enumerate(headings):
        heading = lines[start].strip()
        if not _OPEN_HEADING.search(heading) or (
            heading.endswith("?") and lines[start + 1][0] != top
        ):
            continue
        end = headings[n + 1] if n + 1 < len(headings) else len(lines)
        body = lines[start + 2 : end]
        found: list[str] = []
        paragraph: list[str] = []
        for line in body:
            item = _ITEM.match(line)
            if item:
                found.append(item.group(1).strip())
            elif found and line.startswith(" ") and line.strip():
                found[-1] += " " + line.strip()
            elif not found and line.strip():
                paragraph.append(line.strip())
            elif not found and paragraph:
                break
        if not found and paragraph:
            found = [" ".join(paragraph)]
        items.extend([heading] if heading.endswith("?") else found)
    return tuple(items)


def notes_of(pep: Pep, notes: Iterable[Note]) -> list[Note]:
    """The notes on *pep*: by file name prefix, or by a title naming it."""
    return [
        n for n in notes
        if pep.number in n.peps or any(n.name.startswith(p) for p in pep.place.notes)
    ]  # fmt: skip


def tool_of(record: Mapping[str, Any]) -> str:
    return str(record.get("installer", "?")).partition(":")[0]


def by_scenario(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Counter[str]]]:
    """Scenario id -> tool -> how many records of each status: installer runs against the
    default index personality (the other personalities repeat the same runs; index runs
    have no installer)."""
    table: dict[str, dict[str, Counter[str]]] = {}
    for record in records:
        if record.get("index_personality", "json-full") != "json-full":
            continue
        if record.get("runner") == INDEX_RUNNER:
            continue
        cell = table.setdefault(str(record["scenario"]), {}).setdefault(tool_of(record), Counter())
        cell[str(record["status"])] += 1
    return table


def _escape(text: str) -> str:
    return re.sub(r"([`*_|\\])", r"\\\1", text)


@dataclass(frozen=True)
class Data:
    """Everything a dossier is made from."""

    root: Path
    peps: list[Pep]
    extensions: list[Place]
    requirements: list[Requirement]
    covered_by: Mapping[str, tuple[str, ...]]
    levels: Mapping[str, str]
    results: Mapping[str, Mapping[str, Counter[str]]]
    power: list[dict[str, Any]]
    notes: list[Note]
    #: Scenario id -> the PEP its ``[spec]`` cites.
    scenario_peps: Mapping[str, int | None]

    def pep(self, number: int) -> Pep:
        return next(p for p in self.peps if p.number == number)

    def requirements_of(self, number: int) -> list[Requirement]:
        return [r for r in self.requirements if r.pep == number]

    def scenarios_of(self, number: int) -> list[str]:
        """Scenarios covering one of the PEP's requirements, or whose spec cites the PEP."""
        ids = {s for r in self.requirements_of(number) for s in self.covered_by.get(r.id, ())}
        return sorted(ids | {s for s, pep in self.scenario_peps.items() if pep == number})


    def knockouts_of(self, number: int) -> list[dict[str, Any]]:
        own = {r.id for r in self.requirements_of(number)}
        return [
            row for row in self.power
            if own & set(row.get("requirement_ids", ()))
            or str(row.get("spec", "")).endswith(f"(PEP {number})")
        ]  # fmt: skip

    def tool_cells(self, scenarios: Iterable[str]) -> dict[str, Counter[str]]:
        chosen = list(scenarios)
        return {
            tool: combine(self.results.get(s, {}).get(tool, Counter()) for s in chosen)
            for tool in TOOLS
        }


def gather(srcdir: Path) -> Data:
    """Read every source of the dossiers; *srcdir* is the documentation's source folder."""
    peps, extensions = load_peps(srcdir / PEPS)
    requirements, _ = traceability.load_requirements()
    named, levels = traceability.shipped_coverage()
    cover = traceability.coverage(requirements, named)
    records = matrix_page.load(srcdir / matrix_page.RESULTS).get("results", [])
    return Data(
        root=srcdir.parent,
        peps=peps,
        extensions=extensions,
        requirements=requirements,
        covered_by=cover.scenarios,
        levels=levels,
        results=by_scenario(records),
        power=power_page.load(srcdir / power_page.POWER),
        notes=load_notes(srcdir / NOTES),
        scenario_peps={s.id: s.spec.pep for s in load_scenarios()},
    )


def count_tests(path: Path) -> int:
    return len(re.findall(r"^\s*(?:async\s+)?def test_", path.read_text(encoding="utf-8"), re.M))


def _files(root: Path, patterns: Iterable[str]) -> list[Path]:
    return sorted({p for pattern in patterns for p in root.glob(pattern)})


def _literals(items: Iterable[str]) -> str:
    return ", ".join(f"``{i}``" for i in items)


# -- rendering ------------------------------------------------------------------------------


def render_places(data: Data) -> list[str]:
    """The design page's table: where each PEP (and each extension) lives."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 14 26 16 22 12 10", ""]
    lines += ["   * - PEP", "     - implementation", "     - scenarios", "     - tests",
              "     - notes", "     - benchmarks"]  # fmt: skip
    rows = [(f":doc:`{p.place.label} </peps/pep{p.number}>`", p.place) for p in data.peps]
    rows += [(e.label, e) for e in data.extensions]
    for label, place in rows:
        lines += [
            f"   * - {label}",
            f"     - {_literals(place.implementation)}",
            f"     - {_literals(place.scenarios)}",
            f"     - {_literals(place.tests)}",
            f"     - {_literals(p + '*' for p in place.notes)}",
            f"     - {_literals(Path(b).stem for b in place.benchmarks)}",
        ]
    return lines


def counts(data: Data, number: int) -> dict[str, Any]:
    """The index's numbers for one PEP."""
    requirements = data.requirements_of(number)
    traced = [r for r in requirements if data.covered_by.get(r.id)]
    scenarios = [s for s in data.scenarios_of(number) if data.levels.get(s) != "extension"]
    return {
        "requirements": len(requirements),
        "traced": len(traced),
        "scenarios": len(scenarios),
        "notes": len(notes_of(data.pep(number), data.notes)),
        "tools": data.tool_cells(scenarios),
    }


def render_index(data: Data) -> list[str]:
    """The status page: one row per PEP with its numbers, linking to its dossier."""
    lines = [
        "Each PEP's dossier gathers its status, where it lives, its traced requirements with "
        "their scenarios and each tool's results, the knockouts that test the suite's power "
        "on it, its spec notes and its open questions. A result cell counts the records of the "
        "PEP's scenarios for one tool (every configuration, version and runner; scenarios of an "
        "extension are counted in its dossier only); its colour is the worst status among them.",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "   :class: dossier-index",
        "",
        "   * - PEP",
        "     - status",
        "     - requirements",
        "     - traced",
        "     - scenarios",
    ]
    lines += [f"     - {tool}" for tool in TOOLS] + ["     - spec notes"]
    for pep in data.peps:
        numbers = counts(data, pep.number)
        lines += [
            f"   * - :doc:`PEP {pep.number} </peps/pep{pep.number}>`",
            "",
            f"       {pep.title}",
            f"     - {pep.status}",
            f"     - {numbers['requirements']}",
            f"     - {numbers['traced']}",
            f"     - {numbers['scenarios']}",
        ]
        none = "no scenario" if not numbers["scenarios"] else "not yet run"
        lines += [f"     - {result_cell(numbers['tools'][tool], none)}" for tool in TOOLS]
        lines.append(f"     - {numbers['notes']}")
    lines += ["", "Extensions (no PEP defines them):", ""]
    lines += [f"- {e.label}: {_literals(e.implementation)}" for e in data.extensions]
    lines += [f"- PEP {p.number}: {p.extension}" for p in data.peps if p.extension]
    return [*lines, ""]


def render_dossier(data: Data, number: int) -> list[str]:
    """One PEP's dossier as reStructuredText lines, its title first."""
    pep = data.pep(number)
    title = f"PEP {pep.number}: {pep.title}"
    lines = [title, "=" * len(title), ""]
    lines += [f"**Status**: {pep.status} ({pep.type}). "
              f"`PEP text <https://peps.python.org/pep-{pep.number:04d}/>`__.", ""]  # fmt: skip
    if pep.extension:
        lines += [f"**Extension**: {pep.extension}; reported apart from conformance.", ""]
    lines += _where(data, pep)
    requirements = data.requirements_of(number)
    lines += ["Requirements", "------------", ""]
    if requirements:
        lines += _requirements(data, requirements)
    else:
        lines += ["No sentence of this PEP is traced by the conformance suite: it concerns "
                  "neither installers nor indexes. Its rules are checked by the tests above.", ""]
    scenarios = [s for s in data.scenarios_of(number) if data.levels.get(s) == "extension"]
    if scenarios:
        lines += ["Extension scenarios", "~~~~~~~~~~~~~~~~~~~", ""]
        lines += _scenario_table(data, scenarios)
    lines += ["Knockouts", "---------", ""]
    knockouts = data.knockouts_of(number)
    if knockouts:
        lines += _knockouts(knockouts)
    else:
        lines += ["No rule of the reference installer that traces to this PEP is knocked out "
                  "by ``wheelnext conformance power`` yet.", ""]
    notes = notes_of(pep, data.notes)
    lines += ["Spec notes", "----------", ""]
    lines += [f"- :doc:`/spec-notes/{n.name}`" for n in notes] or ["None yet."]
    lines += ["", "Open questions", "--------------", ""]
    questions = [(q, n) for n in notes for q in n.questions]
    lines += [f"- {q} (:doc:`{n.name} </spec-notes/{n.name}>`)" for q, n in questions] or [
        "None written down as open; each spec note above records the reading we chose."
    ]
    if requirements:
        lines += ["", "The sentences in full", "---------------------", ""]
        for r in requirements:
            lines += [f".. _{anchor(r.id)}:", "", f"``{r.id}``", ""]
            text = plain_rst(r.sentence)
            if r.clause:
                text += f" — clause: {plain_rst(r.clause)}"
            lines += [f"   {r.level}, {r.audience}; section: {r.section}.", "", f"   {text}", ""]
            if r.note:
                lines += [f"   Note: {plain_rst(r.note)}", ""]
    return [*lines, ""]


def _where(data: Data, pep: Pep) -> list[str]:
    place = pep.place
    tests = _files(data.root, place.tests)
    lines = ["Where it lives", "--------------", ""]
    lines += [f"- implementation: {_literals('wheelnext.' + m for m in place.implementation)}"]
    lines += [f"- scenarios: {_literals(place.scenarios) or 'none'} "
              f"({len(data.scenarios_of(pep.number))} scenarios)"]  # fmt: skip
    total = sum(count_tests(t) for t in tests)
    lines += [f"- tests ({total} test functions):", ""]
    lines += [f"  - ``{t.relative_to(data.root)}``: {count_tests(t)}" for t in tests]
    lines += ["", f"- benchmarks: {_literals(place.benchmarks) or 'none'}", ""]
    return lines


def _requirements(data: Data, requirements: Sequence[Requirement]) -> list[str]:
    traced = sum(1 for r in requirements if data.covered_by.get(r.id))
    lines = [f"{traced} of {len(requirements)} traced sentences are covered by a scenario. "
             "Each row links to the sentence in full below; a result cell counts the records "
             "of the row's scenarios for one tool.", ""]  # fmt: skip
    lines += [".. list-table::", "   :header-rows: 1", "   :class: dossier-trace",
              "   :widths: 40 8 22" + " 10" * len(TOOLS), "",
              "   * - sentence", "     - level", "     - scenarios"]  # fmt: skip
    lines += [f"     - {tool}" for tool in TOOLS]
    for r in requirements:
        scenarios = data.covered_by.get(r.id, ())
        lines += [
            f"   * - `{_escape(_short(r))} <#{anchor(r.id)}>`__",
            f"     - {r.level}",
            "     - " + (", ".join(_scenario_name(data, s) for s in scenarios) or "**none**"),
        ]
        cells = data.tool_cells(s for s in scenarios if not _pending(data, s))
        lines += [f"     - {result_cell(cells[tool])}" for tool in TOOLS]
    return [*lines, ""]


def _short(requirement: Requirement) -> str:
    """The row's text: the sentence, or the clause a row of a several-clause sentence covers."""
    if requirement.clause:
        return "… " + shorten(requirement.clause, SHORT_SENTENCE - 2)
    return shorten(requirement.sentence)


def _pending(data: Data, scenario: str) -> bool:
    return data.levels.get(scenario, "").startswith(traceability.PENDING)


def _scenario_name(data: Data, scenario: str) -> str:
    return f"``{scenario}`` (*pending*)" if _pending(data, scenario) else f"``{scenario}``"


def _scenario_table(data: Data, scenarios: Sequence[str]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - scenario"]
    lines += [f"     - {tool}" for tool in TOOLS]
    for s in scenarios:
        cells = data.tool_cells([s])
        lines += [f"   * - ``{s}``"] + [f"     - {result_cell(cells[tool])}" for tool in TOOLS]
    return [*lines, ""]


def _knockouts(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    colour = {"killed": "pass", "killed elsewhere": "warn", "hole": "fail"}
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 15 15 35 35", "",
             "   * - rule", "     - verdict", "     - the rule's sentence",
             "     - killed by"]  # fmt: skip
    for row in rows:
        verdict = str(row["verdict"])
        lines += [
            f"   * - ``{row['rule']}``",
            f"     - :result:`{colour.get(verdict, 'error')}|{verdict}`",
            f"     - {_escape(str(row.get('spec', '')))}",
            f"     - {_literals(row.get('killed_by', ())) or '**none (a hole)**'}",
        ]
    return [*lines, ""]


# -- Sphinx ---------------------------------------------------------------------------------

try:
    from docutils import nodes  # type: ignore[import-untyped]
    from sphinx.application import Sphinx
    from sphinx.util.docutils import SphinxDirective

    from wheelnext.conformance.matrix_page import generated
except ImportError:  # pragma: no cover - the data functions above work without Sphinx
    pass
else:

    def result_role(
        name: str, rawtext: str, text: str, lineno: int, inliner: Any,
        options: Mapping[str, Any] | None = None, content: Sequence[str] = (),
    ) -> tuple[list[nodes.Node], list[nodes.Node]]:  # fmt: skip
        """``:result:`STATUS|text```: *text* marked with its status, for the cell's colour."""
        status, _, shown = text.partition("|")
        css = "wn-" + status.strip().replace(" ", "-")
        return [nodes.inline(rawtext, shown or status, classes=["wn-result", css])], []

    def colour_cells(app: Sphinx, doctree: nodes.document) -> None:
        """A table cell holding a result takes its status class, so the whole cell is coloured."""
        for entry in doctree.findall(nodes.entry):
            for inline in entry.findall(nodes.inline):
                if "wn-result" in inline["classes"]:
                    entry["classes"] += ["wn-cell", *inline["classes"][1:]]
                    break

    class _Directive(SphinxDirective):
        def data(self) -> Data:
            src = Path(self.env.srcdir)
            for path in (src / PEPS, src / matrix_page.RESULTS, src / power_page.POWER,
                         traceability.REQUIREMENTS):  # fmt: skip
                if path.is_file():
                    self.env.note_dependency(str(path))
            return gather(src)

    class DossierDirective(_Directive):
        """``.. pep-dossier:: N``: PEP N's dossier, its title included."""

        required_arguments = 1

        def run(self) -> list[nodes.Node]:
            data = self.data()
            number = int(self.arguments[0])
            if number not in {p.number for p in data.peps}:
                raise self.error(f"pep-dossier: PEP {number} is not in {PEPS}")
            return generated(self, render_dossier(data, number))

    class IndexDirective(_Directive):
        """``.. pep-dossier-index::``: the status table of every PEP, with its numbers."""

        def run(self) -> list[nodes.Node]:
            return generated(self, render_index(self.data()))

    class PlacesDirective(_Directive):
        """``.. pep-places::``: where each PEP lives (the design page's table)."""

        def run(self) -> list[nodes.Node]:
            return generated(self, render_places(self.data()))

    def setup(app: Sphinx) -> dict[str, Any]:
        app.add_role("result", result_role)
        app.add_directive("pep-dossier", DossierDirective)
        app.add_directive("pep-dossier-index", IndexDirective)
        app.add_directive("pep-places", PlacesDirective)
        app.connect("doctree-read", colour_cells)
        app.add_css_file("dossier.css")
        return {"parallel_read_safe": True, "parallel_write_safe": True}
