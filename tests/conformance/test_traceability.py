"""The requirements data is exact, and the traceability extension reports gaps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wheelnext.conformance import traceability as trace

ROOT = Path(__file__).resolve().parents[2]
PEPS = ROOT.parent / "shared" / "specs" / "peps"
LEVELS = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "rule"}
Data = tuple[list[Any], list[Any]]
AUDIENCES = {"installer", "index", "both"}
KEYWORD = re.compile(r"\b(MUST|SHOULD|MAY|REQUIRED)\b")




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
        assert r.pep in {766, 771, 777, 778, 825}
    for e in excluded:
        assert e.reason and e.level in LEVELS


@pytest.mark.skipif(not PEPS.is_dir(), reason=f"the PEP texts are not at {PEPS}")
def test_every_sentence_is_quoted_verbatim(data: Data) -> None:
    requirements, excluded = data
    peps = (766, 771, 777, 778, 825)
    texts = {pep: _norm((PEPS / f"pep-0{pep}.rst").read_text()) for pep in peps}
    for entry in [*requirements, *excluded]:
        assert entry.sentence in texts[entry.pep], entry.sentence
        assert entry.section in texts[entry.pep], entry.section
    for r in requirements:
        if r.clause:
            assert r.clause in r.sentence, r.id


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


@pytest.mark.skipif(not PEPS.is_dir(), reason=f"the PEP texts are not at {PEPS}")
@pytest.mark.parametrize("pep", [777, 778, 825])
def test_every_keyword_sentence_of_the_specification_is_listed(data: Data, pep: int) -> None:
    """Completeness: each uppercase keyword of the Specification is traced or excluded."""
    requirements, excluded = data
    quoted = " | ".join(_norm(e.sentence) for e in [*requirements, *excluded])
    section = _specification((PEPS / f"pep-0{pep}.rst").read_text())
    contexts = _keyword_contexts(section)
    assert contexts
    missing = [c for c in contexts if c not in quoted]
    assert not missing


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
    assert "``s1``: pip fail" in text


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
