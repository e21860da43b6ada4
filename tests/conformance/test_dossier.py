"""The PEP dossiers and the status index: built from the data, numbers computed here independently.

The expected numbers are read straight from the data files with ``tomllib`` and
``json`` (the requirements list, every scenario file, the committed results), not
through :mod:`wheelnext.conformance.dossier` or the harness's loaders, and compared
with what the built HTML pages show.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _support.waiting import wait_until

from wheelnext.conformance import dossier, traceability

from .chromium import CHROMIUM, Browser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PEPS_TEXT = ROOT.parent / "shared" / "specs" / "peps"
NUMBERS = (766, 771, 772, 777, 778, 817, 825)
SHORT = {"unsup.": "unsupported", "n/a": "not applicable"}


def pep_list() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = tomllib.loads(
        (DOCS / "peps.toml").read_text(encoding="utf-8")
    )["pep"]
    return entries


def scenario_files() -> dict[str, dict[str, object]]:
    """Scenario id -> its [spec] table, from every scenario file (pending ones too)."""
    found = {}
    for path in (ROOT / "scenarios").rglob("*.toml"):
        if path.name == "_requirements.toml":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found[data["scenario"]["id"]] = data["spec"]
    return found


def expected(number: int) -> dict[str, object]:
    """The index row of PEP *number*, computed from the data files alone."""
    listed = tomllib.loads((ROOT / "scenarios" / "_requirements.toml").read_text("utf-8"))
    ids = {r["id"] for r in listed.get("requirement", []) if r["pep"] == number}
    specs = scenario_files()
    named = {s: set(spec.get("requirements", ())) for s, spec in specs.items()}
    traced = {i for i in ids if any(i in n for n in named.values())}
    pending = {p.stem for p in (ROOT / "scenarios").rglob("_pending-*.toml")}
    scenarios = {
        s for s, spec in specs.items()
        if spec.get("level") != "extension"
        and (named[s] & ids or (spec.get("pep") == number and s not in pending))
    }  # fmt: skip
    records = json.loads((DOCS / "conformance" / "results.json").read_text("utf-8"))["results"]
    tools: dict[str, Counter[str]] = {t: Counter() for t in ("pip", "uv", "wheelnext")}
    for record in records:
        tool = record["installer"].split(":")[0]
        default = record.get("index_personality", "json-full") == "json-full"
        if record["scenario"] in scenarios and tool in tools and default:
            tools[tool][record["status"]] += 1
    notes = [
        p for p in (DOCS / "spec-notes").glob("*.rst")
        if p.name.startswith(f"pep{number}-")
        or re.search(rf"PEP {number}\b", p.read_text("utf-8").splitlines()[0])
        or (number == 777 and p.name.startswith("wheel2-"))
    ]  # fmt: skip
    return {
        "requirements": len(ids), "traced": len(traced), "scenarios": len(scenarios),
        "tools": tools, "notes": len(notes),
    }  # fmt: skip


def counted(text: str) -> Counter[str]:
    """'24 fail · 66 pass' -> Counter; 'no scenario' or 'not yet run' -> empty."""
    found: Counter[str] = Counter()
    for number, status in re.findall(r"(\d+) ([a-z./ ]+?)(?: ·|$)", text.strip()):
        found[SHORT.get(status, status)] += int(number)
    return found


class Tables(HTMLParser):
    """Rows of the tables with a given class: each cell's text and class attribute."""

    def __init__(self, css: str) -> None:
        super().__init__()
        self.css = css
        self.rows: list[list[tuple[str, str]]] = []
        self._depth = 0
        self._cell: list[str] | None = None
        self._cell_class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and self.css in classes:
            self._depth = 1
        elif self._depth and tag == "tr":
            self.rows.append([])
        elif self._depth and tag == "td":
            self._cell, self._cell_class = [], " ".join(classes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth = 0
        elif self._depth and tag == "td" and self._cell is not None:
            self.rows[-1].append((" ".join("".join(self._cell).split()), self._cell_class))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table(page: Path, css: str) -> list[list[tuple[str, str]]]:
    parser = Tables(css)
    parser.feed(page.read_text(encoding="utf-8"))
    return [row for row in parser.rows if row]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def test_the_list_names_each_pep_once() -> None:
    assert sorted(int(str(p["number"])) for p in pep_list()) == list(NUMBERS)


@pytest.mark.parametrize("entry", pep_list(), ids=lambda e: f"pep{e['number']}")
def test_title_type_and_status_are_the_pep_texts_headers(entry: dict[str, object]) -> None:
    text = PEPS_TEXT / f"pep-{int(str(entry['number'])):04d}.rst"
    if not text.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{text}: the PEP texts must be present under CI")
        pytest.skip(f"{text} is absent")
    header = text.read_text(encoding="utf-8").split("\n\n", 1)[0]
    for key in ("Title", "Type", "Status"):
        found = re.search(rf"^{key}: (.+)$", header, re.M)
        assert found is not None and found.group(1) == entry[key.lower()], (key, entry["number"])


def test_every_place_exists() -> None:
    import importlib.util

    peps, extensions = dossier.load_peps(DOCS / "peps.toml")
    for place in [p.place for p in peps] + extensions:
        for module in place.implementation:
            assert importlib.util.find_spec(f"wheelnext.{module}"), (place.label, module)
        for pattern in (*place.tests, *place.benchmarks):
            assert list(ROOT.glob(pattern)), (place.label, pattern)
        for folder in place.scenarios:
            assert (ROOT / folder).is_dir(), (place.label, folder)
        for prefix in place.notes:
            assert list((DOCS / "spec-notes").glob(f"{prefix}*.rst")), (place.label, prefix)


def test_open_questions_are_the_items_of_sections_that_say_so(tmp_path: Path) -> None:
    (tmp_path / "pep825-x.rst").write_text(
        "PEP 825 / PEP 817: what a label means\n=====\n\nThe sentences\n-------------\n\n"
        "* not a question\n\nThe questions\n-------------\n\n1. Is a label\n   long?\n"
        "2. Which URL?\n\nMeasured speed?\n~~~~~~~~~~~~~~~\n\nText.\n\n"
        "Skip or re-run?\n---------------\n\n(a) skip\n"
    )
    (tmp_path / "pep766-y.rst").write_text("PEP 766: does a name stop the search?\n===\n")
    (tmp_path / "index.rst").write_text("About\n=====\n")
    notes = dossier.load_notes(tmp_path)
    assert [(n.name, sorted(n.peps), n.questions) for n in notes] == [
        ("pep766-y", [766], ("does a name stop the search?",)),
        ("pep825-x", [817, 825], ("Is a label long?", "Which URL?", "Skip or re-run?")),
    ]


def test_a_long_sentence_is_cut_at_a_word() -> None:
    short = traceability.shorten("Tools ``MUST`` refuse a :pep:`825` label " + "longer " * 30, 40)
    assert short == "Tools MUST refuse a 825 label longer …"
    assert traceability.shorten("Short.") == "Short."
    shown = traceability.shorten("Wheel-Version **MAY** be *absent*.")
    assert shown == "Wheel-Version MAY be absent."


@pytest.mark.slow
def test_the_status_page_is_an_index_with_the_numbers(site: Path) -> None:
    rows = table(site / "status.html", "dossier-index")
    assert [int(re.match(r"PEP (\d+)", r[0][0]).group(1)) for r in rows] == list(NUMBERS)  # type: ignore[union-attr]
    for row in rows:
        number = int(row[0][0].split()[1])
        want = expected(number)
        assert [int(c[0]) for c in row[2:5]] == [
            want["requirements"], want["traced"], want["scenarios"]
        ], number  # fmt: skip
        tools: dict[str, Counter[str]] = want["tools"]  # type: ignore[assignment]
        for (text, css), tool in zip(row[5:8], ("pip", "uv", "wheelnext"), strict=True):
            assert counted(text) == tools[tool], (number, tool, text)
            if tools[tool]:
                assert f"wn-{traceability.worst(tools[tool]).replace(' ', '-')}" in css.split()
        assert int(row[8][0]) == want["notes"], number


@pytest.mark.slow
def test_each_dossier_has_its_requirements_and_sections(site: Path) -> None:
    listed = tomllib.loads((ROOT / "scenarios" / "_requirements.toml").read_text("utf-8"))
    records = json.loads((DOCS / "conformance" / "results.json").read_text("utf-8"))["results"]
    specs = scenario_files()
    for number in NUMBERS:
        page = site / "peps" / f"pep{number}.html"
        html = page.read_text(encoding="utf-8")
        for heading in ("Where it lives", "Requirements", "Knockouts", "Spec notes",
                        "Open questions"):  # fmt: skip
            assert f">{heading}<" in html, (number, heading)
        requirements = [r for r in listed.get("requirement", []) if r["pep"] == number]
        rows = table(page, "dossier-trace")
        assert len(rows) == len(requirements), number
        for requirement, row in zip(requirements, rows, strict=True):
            assert f'href="#req-{requirement["id"]}"' in html
            assert f'id="req-{requirement["id"]}"' in html
            covering = {s for s, spec in specs.items()
                        if requirement["id"] in spec.get("requirements", ())}  # fmt: skip
            wheelnext: Counter[str] = Counter(
                r["status"] for r in records
                if r["scenario"] in covering and r["installer"] == "wheelnext"
                and r.get("index_personality", "json-full") == "json-full"
            )  # fmt: skip
            assert counted(row[-1][0]) == wheelnext, requirement["id"]
    governance = (site / "peps" / "pep772.html").read_text(encoding="utf-8")
    tests = sorted((ROOT / "tests" / "governance").glob("test_*.py"))
    total = sum(len(re.findall(r"^\s*def test_", t.read_text(), re.M)) for t in tests)
    assert f"tests ({total} test functions)" in governance
    assert all(t.name in governance for t in tests)
    assert "pep772-quorum.html" in governance


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here")
def test_a_dossier_in_headless_chromium(site: Path, tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile", size=(1400, 1000))
    try:
        browser.open((site / "peps" / "pep825.html").as_uri())
        cells = browser.js(
            "[...document.querySelectorAll('table.dossier-trace td.wn-cell')].map(td => "
            "[td.className, getComputedStyle(td).backgroundColor])"
        )
        assert cells and len(cells) % 3 == 0
        colours = {c[0].split()[-1]: c[1] for c in cells}
        assert colours["wn-pass"] == "rgb(198, 246, 213)"
        assert colours.get("wn-unsupported", "rgb(229, 231, 235)") == "rgb(229, 231, 235)"
        browser.js("document.querySelector('table.dossier-trace td a').click()")
        target = browser.js("location.hash")
        assert target.startswith("#req-pep825-")
        top = f"document.getElementById({target[1:]!r}).getBoundingClientRect().top"
        wait_until(lambda: abs(browser.js(top)) < 60, "the sentence in full to scroll into view")
        browser.screenshot(tmp_path / "pep825.png")
        browser.open((site / "status.html").as_uri())
        coloured = browser.js("document.querySelectorAll('table.dossier-index td.wn-cell').length")
        assert coloured >= 3 * 5
    finally:
        browser.close()
