"""Reading ballot files: CSV, JSON, OpaVote BLT, Helios totals, BetterVoting CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wheelnext.governance.ballots import load_ballots
from wheelnext.governance.errors import InvalidBallots


def test_csv_approval_marks(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("ballot_id,elector,Amy,Bob\n1,e1,x,\n2,e2,1,yes\n")
    f = load_ballots(p)
    assert f.candidates == ("Amy", "Bob")
    assert [b.ballot_id for b in f.ballots] == ["1", "2"]
    assert f.ballots[0].marks == {"Amy": "x"}
    assert f.ballots[1].elector == "e2"


def test_csv_without_ids_numbers_rows(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("Amy,Bob\n5,0\n\n3,4\n")
    f = load_ballots(p)
    assert [b.ballot_id for b in f.ballots] == ["row-2", "row-4"]


def test_bettervoting_metadata_columns_are_not_candidates(tmp_path: Path) -> None:
    p = tmp_path / "bv.csv"
    p.write_text("ballot_id,date_submitted,precinct,Amy,Bob\nb1,2025-01-01,,5,2\n")
    f = load_ballots(p, "bettervoting")
    assert f.candidates == ("Amy", "Bob")
    assert f.format == "bettervoting"


def test_json_scores_and_approved(tmp_path: Path) -> None:
    p = tmp_path / "b.json"
    p.write_text(json.dumps({
        "candidates": ["Amy", "Bob", "Cy"],
        "ballots": [{"id": "a", "scores": {"Amy": 5}}, {"id": "b", "approved": ["Bob"]}],
    }))
    f = load_ballots(p)
    assert f.candidates == ("Amy", "Bob", "Cy")
    assert f.ballots[1].marks == {"Bob": 1}


def test_opavote_blt(tmp_path: Path) -> None:
    p = tmp_path / "e.blt"
    p.write_text('3 2\n2 1 3 0\n1 2 0\n0\n"Amy"\n"Bob"\n"Cy"\n"Title"\n')
    f = load_ballots(p)
    assert f.format == "opavote"
    assert [dict(b.marks) for b in f.ballots] == [
        {"Amy": 1, "Cy": 1}, {"Amy": 1, "Cy": 1}, {"Bob": 1},
    ]


def test_helios_totals(fixtures: Path) -> None:
    f = load_ballots(fixtures / "pep8106-helios.json")
    assert f.format == "helios"
    assert f.counts is not None and f.counts["Pablo Galindo Salgado"] == 63
    assert f.cast == 76


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("e.csv", "", "empty CSV"),
        ("e.csv", "Amy,Bob\n1\n", "row 2 has 1 cells"),
        ("e.json", "{", "invalid JSON"),
        ("e.json", "[]", "'ballots' list"),
        ("e.blt", "x\n", "first BLT line"),
    ],
)
def test_bad_files_raise_one_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InvalidBallots, match=message) as info:
        load_ballots(p)
    assert "\n" not in str(info.value)
    assert str(p) in str(info.value)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200), st.sampled_from(["csv", "json", "opavote", "helios"]))
def test_any_text_reads_or_fails_with_invalid_ballots(tmp_path: Path, text: str, fmt: str) -> None:
    p = tmp_path / "f.txt"
    p.write_text(text, encoding="utf-8")
    try:
        load_ballots(p, fmt)
    except InvalidBallots as exc:
        assert "\n" not in str(exc)
