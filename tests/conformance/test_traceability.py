"""The requirements data is exact, and the traceability extension reports gaps."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from wheelnext.conformance import spec_trace
from wheelnext.conformance import traceability as trace

ROOT = Path(__file__).resolve().parents[2]
PEPS = ROOT.parent / "shared" / "specs" / "peps"
LEVELS = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "rule"}
Data = tuple[list[Any], list[Any]]
#: PEP 817 binds more roles than installers and indexes.
AUDIENCES = {"installer", "index", "both", "tool", "provider plugin", "build backend"}
KEYWORD = re.compile(r"\b(MUST|SHOULD|MAY|REQUIRED)\b")
TRACED = (766, 771, 777, 778, 817, 825)


def shared_texts() -> Path:
    """The shared PEP texts; a visible skip without them, a failure under CI (which has them)."""
    if not PEPS.is_dir():
        message = f"the PEP texts are not at {PEPS}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the shared specifications folder must be there)")
        pytest.skip(message)
    return PEPS


@pytest.fixture
def peps() -> Path:
    return shared_texts()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def data() -> Data:
    return trace.load_requirements()  # type: ignore[no-any-return]


def test_ids_levels_and_audiences_are_valid(data: Data) -> None:
    requirements, excluded = data
    assert len(requirements) > 100
    for r in requirements:
        assert re.fullmatch(rf"pep{r.pep}-[a-z0-9-]+", r.id), r.id
        assert r.level in LEVELS, r.id
        assert r.audience in AUDIENCES, r.id
        assert r.pep in set(TRACED)
    for e in excluded:
        assert e.reason and e.level in LEVELS


def test_every_sentence_is_quoted_verbatim(data: Data, peps: Path) -> None:
    """Through spec trace's own comparison: every quotation is still found, all reported."""
    requirements, excluded = data
    for pep in TRACED:
        text = spec_trace.read_pep(peps / f"pep-0{pep}.rst")
        report = spec_trace.trace_pep(text, requirements, excluded)
        affected = [f"{r.id}: {r.status}; nearest: {r.nearest!r}" for r in report.affected]
        assert not affected, "\n".join(affected)
        entries = [e for e in [*requirements, *excluded] if e.pep == pep]
        quoted = [x for e in entries for x in (e.sentence, e.section)]
        assert not [x for x in quoted if spec_trace.fold(x) not in text.folded]
    for r in requirements:
        if r.clause:
            assert r.clause in r.sentence, r.id


def test_the_list_records_the_traced_revision_of_each_text(peps: Path) -> None:
    recorded = spec_trace.traced_revisions()
    assert sorted(recorded) == list(TRACED)
    for pep, traced in recorded.items():
        assert spec_trace.read_pep(peps / traced.file).digest == traced.sha256, pep
        assert traced.revision


def test_no_texts_skips_visibly_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "PEPS", tmp_path / "absent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not at"):
        shared_texts()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        shared_texts()


def test_keyword_levels_name_a_keyword_of_the_sentence(data: Data) -> None:
    requirements, _ = data
    for r in requirements:
        if r.level != "rule":
            text = r.clause or r.sentence
            in_list = re.match(r"(Step|Check) \d", r.note)  # an item of a list under a keyword
            assert KEYWORD.search(text) or in_list, r.id


def _specification(text: str) -> str:
    """The PEP's Specification section, up to the next top-level heading."""
    lines = text.splitlines()
    tops = [i for i in range(len(lines) - 1) if lines[i] and set(lines[i + 1]) == {"="}]
    first = next(i for i in tops if lines[i] == "Specification")
    after = next(i for i in tops if i > first)
    return "\n".join(lines[first + 2 : after])


def _keyword_contexts(section: str) -> list[str]:
    """For each uppercase keyword outside code blocks: the keyword and the words around it."""
    contexts = []
    for paragraph in re.split(r"\n\s*\n", section):
        if paragraph.startswith(" ") or "RFC 2119" in paragraph or '"MUST"' in paragraph:
            continue
        flat = _norm(paragraph)
        for match in KEYWORD.finditer(flat):
            before = flat[max(0, match.start() - 15) : match.start()]
            before = re.split(r"[.:] ", before)[-1]
            after = re.split(r"[.:] ", flat[match.end() : match.end() + 25])[0]
            contexts.append(before + match.group() + after)
    return contexts


@pytest.mark.parametrize("pep", [777, 778, 817, 825])
def test_every_keyword_sentence_of_the_specification_is_listed(
    data: Data, pep: int, peps: Path
) -> None:
    """Completeness: each uppercase keyword of the Specification is traced or excluded."""
    requirements, excluded = data
    quoted = " | ".join(_norm(e.sentence) for e in [*requirements, *excluded])
    section = _specification((peps / f"pep-0{pep}.rst").read_text())
    contexts = _keyword_contexts(section)
    assert contexts
    missing = [c for c in contexts if c not in quoted]
    assert not missing


def test_named_unit_tests_exist(data: Data) -> None:
    """A requirement traced to unit tests names ``path::function`` of a test that is there."""
    import ast

    requirements, _ = data
    named = [(r.id, test) for r in requirements for test in r.tests]
    assert named
    functions: dict[str, set[str]] = {}
    for requirement_id, test in named:
        path, sep, function = test.partition("::")
        assert sep and path.startswith("tests/") and function.startswith("test_"), test
        if path not in functions:
            tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            functions[path] = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert function in functions[path], f"{requirement_id}: {test} does not exist"


def test_pep817_sentences_are_all_traced_or_excluded(data: Data, peps: Path) -> None:
    """Every normative sentence of PEP 817 is quoted by a requirement or an exclusion, and
    each requirement has a scenario or a unit test (the count the issue asks for)."""
    requirements, excluded = data
    report = spec_trace.trace_pep(spec_trace.read_pep(peps / "pep-0817.rst"), requirements,
                                  excluded)
    assert report.untraced == ()
    named, _ = trace.shipped_coverage()
    cover = trace.coverage([r for r in requirements if r.pep == 817], named)
    assert cover.uncovered == ()


def test_a_requirement_with_unit_tests_is_covered(data: Data) -> None:
    requirements, _ = data
    first = requirements[0]
    tested = trace.Requirement(**{**first.__dict__, "tests": ("tests/x.py::test_y",)})
    assert trace.coverage([tested], {}).uncovered == ()
    assert trace.coverage([first], {}).uncovered == (first.id,)
    cover = trace.coverage([tested], {})
    text = "\n".join(trace.render([tested], [], cover, {}))
    assert "unit test ``tests/x.py::test_y``" in text


def test_coverage_reports_uncovered_and_unknown(data: Data) -> None:
    requirements, _ = data
    first, second = requirements[0].id, requirements[1].id
    cover = trace.coverage(requirements, {"s1": [first], "s2": [first, "pep999-typo"]})
    assert cover.scenarios[first] == ("s1", "s2")
    assert second in cover.uncovered
    assert cover.unknown == {"s2": ("pep999-typo",)}
    lines = trace.problems(cover)
    assert f"requirement {second!r} has no scenario" in lines
    assert any("pep999-typo" in line for line in lines)


def test_render_shows_not_yet_run_and_gaps(data: Data) -> None:
    requirements, excluded = data
    first = requirements[0].id
    cover = trace.coverage(requirements, {"s1": [first]})
    text = "\n".join(trace.render(requirements, excluded, cover, {}, {"s1": "MUST"}))
    assert "not yet run" in text
    assert "**no scenario**" in text
    assert "PEP 766" in text and "PEP 825" in text
    text = "\n".join(trace.render(requirements, excluded, cover, {"s1": {"pip": "fail"}}))
    assert ":result:`fail|1 fail`" in text  # the pip cell, coloured by its worst status


def test_results_file_is_read_in_either_shape(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    assert trace.load_results(path) == {}
    records = [
        {"scenario": "a", "configuration": "pip", "status": "pass"},
        {"scenario": {"id": "a"}, "installer": "uv", "python": "3.12", "status": "fail"},
        {"scenario": "a", "installer": "uv", "runner": "docker", "status": "pass"},
    ]
    path.write_text(json.dumps({"results": records}))
    expected = {"pip": "pass", "uv (py3.12)": "fail", "uv (docker)": "pass"}
    assert trace.load_results(path) == {"a": expected}
    path.write_text(json.dumps(records[:1]))
    assert trace.load_results(path) == {"a": {"pip": "pass"}}


def test_plain_rst_drops_references_keeps_markup() -> None:
    text = "see :pep:`427` and `Provides-Extra <https://x/y>`_ or :ref:`a <b>` and ``lit`` **MUST**"
    assert trace.plain_rst(text) == "see 427 and Provides-Extra or a and ``lit`` **MUST**"
    assert trace.plain_rst("the `variant label`_ in") == "the variant label in"


def test_docs_build_fails_on_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sphinx")
    from sphinx.errors import ExtensionError

    monkeypatch.setattr(trace, "shipped_coverage", lambda: ({"s": ("pep999-x",)}, {"s": "MUST"}))
    with pytest.raises(ExtensionError, match="problem"):
        trace._check(None)


def test_rows_are_readable_at_a_glance(data: Data) -> None:
    """#16: the sentence shortened with a link to its full text (the dossier's ``req-ID``
    label), results as one coloured cell per tool."""
    requirements, excluded = data
    first = requirements[0]
    cover = trace.coverage(requirements, {"s1": [first.id]})
    results = {"s1": {"pip (py3.11, venv)": "fail", "pip:only-binary (py3.11, venv)": "pass",
                      "uv (py3.11, venv)": "pass"}}
    lines = trace.render(requirements, excluded, cover, results)
    row = lines[lines.index(f"   * - ``{first.id}``"):][:8]
    link = row[3]
    assert link.startswith("     - :ref:`") and link.endswith(f" <req-{first.id}>`")
    assert len(link) - len(f"     - :ref:` <req-{first.id}>`") <= trace.SHORT_SENTENCE + 2
    assert row[5:8] == ["     - :result:`fail|1 fail · 1 pass`", "     - :result:`pass|1 pass`",
                        "     - not yet run"]


def test_every_both_requirement_has_an_index_scenario_or_a_reason(data: Data) -> None:
    """Issue #15: a requirement whose audience is "both" is covered by a scenario whose audience
    is the index, or listed in ``conformance/index_exempt.toml`` with why; an exemption that a
    scenario now covers, or that names no "both" requirement, is reported so it cannot drift."""
    requirements, _ = data
    exempt = trace.load_index_exempt()
    assert trace.index_gaps(requirements, trace.shipped_index_coverage(), exempt) == []
    assert all(reason.strip() for reason in exempt.values())


def test_index_gaps_report_each_way_the_list_can_drift(data: Data) -> None:
    requirements, _ = data
    both = sorted(r.id for r in requirements if r.audience == "both")
    covering = {"s": tuple(both[1:])}
    assert trace.index_gaps(requirements, covering, {}) == [
        f"requirement {both[0]!r} (audience both) has no index scenario and no exemption"]
    assert trace.index_gaps(requirements, covering, {both[0]: "why"}) == []
    assert trace.index_gaps(requirements, covering, {both[0]: "why", both[1]: "why"}) == [
        f"exempt {both[1]!r} is covered by an index scenario: remove the exemption"]
    installer_only = next(r.id for r in requirements if r.audience == "installer")
    assert trace.index_gaps(requirements, {"s": tuple(both)}, {installer_only: "why"}) == [
        f"exempt {installer_only!r} is not a requirement whose audience is both"]


def test_index_exempt_refuses_an_entry_without_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "exempt.toml"
    path.write_text('format = 1\n[[exempt]]\nid = "x"\nreason = " "\n', encoding="utf-8")
    with pytest.raises(ValueError, match="exempt entry 1 needs an id and a reason"):
        trace.load_index_exempt(path)
