"""Every spec note names the PEP text it was written against, and that text is still current.

A note is a claim about a sentence of a PEP. When the PEP text in the shared specifications
folder changes, the digest a note records no longer matches and this test fails, so the note
is re-read against the new text before its digest is updated. Where the texts are absent
(outside this project's checkout layout) the digest check skips with a reason, except under
CI (``CI=true``), where the texts must be present.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

NOTES = Path(__file__).resolve().parent.parent / "docs" / "spec-notes"
PEPS = Path(__file__).resolve().parent.parent.parent / "shared" / "specs" / "peps"
WRITTEN_AGAINST = re.compile(
    r"^\*Written against\* PEP (\d+) \(([^;]+); last Post-History entry ([^)]+)\), "
    r"the text whose SHA-256 begins ``([0-9a-f]{12})``\.$", re.M)


#: What an extension's note says when no PEP text covers it.
NO_PEP = "*Written against* no PEP: an extension."


def notes() -> list[Path]:
    return sorted(p for p in NOTES.glob("*.rst") if p.name != "index.rst")


def test_there_are_notes() -> None:
    assert len(notes()) >= 30


@pytest.mark.parametrize("note", notes(), ids=lambda p: p.stem)
def test_note_names_the_pep_text_it_was_written_against(note: Path) -> None:
    text = note.read_text(encoding="utf-8")
    found = WRITTEN_AGAINST.search(text)
    if found is None and not note.name.startswith("pep") and NO_PEP in text:
        return
    assert found, f"{note.name}: no '*Written against* PEP N (...)' line"
    number = int(found.group(1))
    expected = re.match(r"pep(\d+)-", note.name)
    assert expected is None or int(expected.group(1)) == number, note.name
    text = PEPS / f"pep-{number:04d}.rst"
    if not text.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{text}: the PEP texts must be present under CI")
        pytest.skip(f"{text} is absent: the digest cannot be checked here")
    data = text.read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith(found.group(4)), (
        f"{note.name}: PEP {number} changed since the note was written; re-read the note "
        "against the new text, then update its digest")
    status = re.search(rb"^Status: (.+)$", data, re.M)
    assert status is not None and status.group(1).decode() == found.group(2), note.name
