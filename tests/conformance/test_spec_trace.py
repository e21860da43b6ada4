"""``wheelnext spec trace`` names what an edit of a PEP text or the variant schema affects."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wheelnext.cli import main
from wheelnext.conformance import spec_trace
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.conformance.traceability import load_requirements

ROOT = Path(__file__).resolve().parents[2]
PEPS = ROOT.parent / "shared" / "specs" / "peps"
BUNDLED = ROOT / "impl" / "variants" / "schemas" / "pep-0825-variant-schema-0.1.1.json"
SCHEMA_URL = "Its value MUST be the URL"
VERSIONED = "The schema URL MUST include a version number"


def _texts_or_skip() -> None:
    """Skip with a visible reason without the texts, but fail under CI, which has them."""
    if PEPS.is_dir():
        return
    message = f"the PEP texts are not at {PEPS}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: the shared specifications folder must be there)")
    pytest.skip(message)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["spec", "trace", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _edited(tmp_path: Path, *replacements: tuple[str, str], pep: int = 825) -> Path:
    """A copy of a PEP text with each (old, new) replaced once in its paragraph (folded)."""
    _texts_or_skip()
    paragraphs = (PEPS / f"pep-0{pep}.rst").read_text(encoding="utf-8").split("\n\n")
    for old, new in replacements:
        i = next(i for i, p in enumerate(paragraphs) if old in spec_trace.fold(p))
        paragraphs[i] = spec_trace.fold(paragraphs[i]).replace(old, new, 1)
    path = tmp_path / f"pep-0{pep}-draft.rst"
    path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return path


def test_the_traced_texts_are_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    _texts_or_skip()
    peps = [str(PEPS / f"pep-0{n}.rst") for n in (766, 771, 777, 778, 817, 825)]
    status, out, _ = _run(capsys, *[a for p in peps for a in ("--pep", p)])
    assert status == 0, out
    assert "PEP 825" in out and "the traced revision" in out


def test_a_must_made_should_is_changed_with_the_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = _edited(tmp_path, (SCHEMA_URL, "Its value SHOULD be the URL"))
    status, out, _ = _run(capsys, "--pep", str(draft))
    assert status == 1
    assert "changed: pep825-schema-url\n" in out
    assert "[-MUST-] {+SHOULD+}" in out
    assert "index-pep825-variants-json-valid:" in out
    assert "differs from the traced revision" in out
    assert "--select req:pep825-schema-url" in out


def test_a_removed_sentence_is_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requirements, _ = load_requirements()
    sentence = next(r.sentence for r in requirements if r.id == "pep825-schema-url")
    draft = _edited(tmp_path, (spec_trace.fold(sentence), ""))
    status, out, _ = _run(capsys, "--pep", str(draft), "--json")
    assert status == 1
    report = json.loads(out)
    states = {r["id"]: r["status"] for r in report["peps"][0]["requirements"]}
    assert states["pep825-schema-url"] == "gone"
    assert list(states.values()).count("unchanged") == len(states) - 1
    assert report["select"] == ["req:pep825-schema-url"]


def test_an_added_must_is_an_untraced_normative_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = "Installers MUST reject a variant wheel whose label has an uppercase letter."
    draft = _edited(tmp_path, (VERSIONED, f"{added} {VERSIONED}"))
    status, out, _ = _run(capsys, "--pep", str(draft), "--json")
    assert status == 1
    report = json.loads(out)["peps"][0]
    assert report["untraced"] == [added]
    assert all(r["status"] == "unchanged" for r in report["requirements"])


def test_a_changed_schema_field_names_the_dependent_requirements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads(BUNDLED.read_text(encoding="utf-8"))
    namespace = schema["properties"]["default-priorities"]["properties"]["namespace"]
    namespace["minItems"] = 2
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    status, out, _ = _run(capsys, "--schema", str(path), "--json")
    assert status == 1
    report = json.loads(out)["schema"]
    pointer = "/properties/default-priorities/properties/namespace/minItems"
    assert report["changes"] == [{"pointer": pointer, "old": 1, "new": 2}]
    assert "pep825-consistency-namespace-prefix" in report["requirements"]
    assert "pep825-schema-url" in report["requirements"]
    status, out, _ = _run(capsys, "--schema", str(BUNDLED))
    assert status == 0 and "no differences" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"no header here\n", "no 'PEP: <number>' header line"),
        (b"PEP: 9999\nTitle: x\n", "PEP 9999 has no traced requirement"),
        (b"PEP: 825\n\xff\xfe", "not UTF-8 text"),
    ],
)
def test_bad_pep_text_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.rst"
    path.write_bytes(content)
    status, out, err = _run(capsys, "--pep", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and expected in err and str(path) in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "bad.json"),
        ("[]", "must be a JSON object"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "deep"),
    ],
)
def test_bad_schema_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    status, out, err = _run(capsys, "--schema", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and expected in err


def test_no_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys)
    assert status == 2 and "--pep FILE" in err and err.count("\n") == 1


def test_word_diff_and_nearest() -> None:
    assert spec_trace.word_diff("a MUST b", "a SHOULD b") == "a [-MUST-] {+SHOULD+} b"
    near, ratio = spec_trace.nearest("tools MUST do x", ["unrelated", "tools SHOULD do x"])
    assert near == "tools SHOULD do x" and ratio > spec_trace.NEAR


def test_select_by_requirement_and_pep() -> None:
    by_requirement = load_scenarios(select=["req:pep825-schema-url"])
    assert [s.id for s in by_requirement] == ["index-pep825-variants-json-valid"]
    every = load_scenarios()
    by_pep = load_scenarios(select=["pep:825"])
    expected = [
        s.id
        for s in every
        if s.spec.pep == 825 or any(r.startswith("pep825-") for r in s.spec.requirements)
    ]
    assert [s.id for s in by_pep] == expected
    assert by_pep and len(by_pep) < len(every)
    assert all(s.spec.pep != 766 for s in by_pep)
    assert load_scenarios(select=["req:pep999-*"]) == []


@pytest.mark.parametrize("kind", ["devzero", "fifo", "large"])
def test_endless_or_special_pep_text_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, witness: Callable[..., Any]
) -> None:
    path = tmp_path / "pep.rst"
    if kind == "devzero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"PEP: 825\n" + b"x" * spec_trace.MAX_TEXT)
    watched = tmp_path / "watched"
    watched.mkdir()
    seen = witness(f"spec-trace-{kind}", watched)
    with seen:
        status, out, err = _run(capsys, "--pep", str(path))
    assert status == 2 and out == "" and err.count("\n") == 1 and str(path) in err
    seen.assert_untouched()


def test_the_traced_revision_is_its_own_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the shared folder, the traced text itself reports nothing (PEP 766: plain rules)."""
    _texts_or_skip()
    copy = tmp_path / "pep-0766.rst"
    copy.write_bytes((PEPS / "pep-0766.rst").read_bytes())
    status, out, _ = _run(capsys, "--pep", str(copy), "--baseline", str(tmp_path / "none"))
    assert status == 0, out


def test_a_plain_rule_pep_reports_an_edited_and_an_added_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PEP 766 states its rules in plain words: any new sentence of its Specification counts."""
    best = "regardless of the index that it comes from."
    added = "Installers consult the indexes in a random order."
    draft = _edited(
        tmp_path,
        (best, "provided that it comes from the first index."),
        ("While installers may differ", f"{added} While installers may differ"),
        pep=766,
    )
    status, out, _ = _run(capsys, "--pep", str(draft), "--json")
    assert status == 1
    report = json.loads(out)["peps"][0]
    states = {r["id"]: r["status"] for r in report["requirements"] if r["status"] != "unchanged"}
    assert states == {"pep766-version-priority-best": "changed"}
    assert report["untraced"] == [added]


@pytest.mark.parametrize("pep", [766, 771, 777, 778, 817, 825])
def test_each_traced_pep_a_removed_sentence_is_gone_and_the_rest_unchanged(
    pep: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#16: an edit to any traced PEP is seen: its first traced sentence removed from a copy
    is ``gone``; every other requirement of that PEP stays ``unchanged``."""
    requirements, _ = load_requirements()
    first = next(r for r in requirements if r.pep == pep and not r.clause)
    draft = _edited(tmp_path, (spec_trace.fold(first.sentence), ""), pep=pep)
    status, out, _ = _run(capsys, "--pep", str(draft), "--json")
    assert status == 1
    states = {r["id"]: r["status"] for r in json.loads(out)["peps"][0]["requirements"]}
    gone = {i for i, s in states.items() if s == "gone"}
    assert first.id in gone
    same_sentence = {r.id for r in requirements if r.pep == pep and r.sentence == first.sentence}
    assert gone <= same_sentence
    assert all(s == "unchanged" for i, s in states.items() if i not in same_sentence)
