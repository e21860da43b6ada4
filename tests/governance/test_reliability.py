"""Reliability issue #17, Governance part: one test per reported defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.governance.ballots import BallotFile, RawBallot, ballots_from_marks, read_csv
from wheelnext.governance.council import Person, Roster
from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.tally import TallyOptions, count_ballots
from wheelnext.governance.validation import validate


def _tally(tmp_path: Path, text: str | bytes, *args: str, name: str = "b.csv") -> Any:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["governance", "tally", str(path), *args])


def _fails(capsys: pytest.CaptureFixture[str], args: list[str], named: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(["governance", *args])
    captured = capsys.readouterr()
    assert info.value.code == 2, (args, captured)
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and named in captured.err, captured.err
    assert captured.out == ""
    return captured.err


# -- council rules ---------------------------------------------------------------------------

RECOUNT = [{"A": 5, "B": 4, "C": 3, "D": 2, "E": 1, "F": 1},
           {"A": 4, "B": 5, "C": 3, "D": 1, "E": 2, "F": 0},
           {"A": 5, "B": 3, "C": 4, "D": 2, "E": 0, "F": 1}]


@pytest.mark.parametrize("cohort_by", ["rank", "total"])
def test_recount_then_requalification_forms_cohorts(cohort_by: str) -> None:
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "ABCD" else frozenset())
                          for n in "ABCDEF"))
    r = count_ballots(ballots_from_marks(RECOUNT), roster, TallyOptions(
        method="bloc-star", seats=5, star_disqualified="recount", cohort_by=cohort_by,
        seed="s")).result
    assert [d["name"] for d in r["requalified"]] == ["C"]
    assert sorted(r["elected"]) == ["A", "B", "C", "E", "F"]
    assert r["cohorts"] is not None
    assert sorted(r["cohorts"]["A"] + r["cohorts"]["B"]) == sorted(r["elected"])
    assert "C" in r["cohorts"]["B"]


def _partial(**kw: Any) -> dict[str, Any]:
    counts = {"A": 5, "B": 4, "C": 3, "D": 2}
    ballots = [{c: 1 for c, k in counts.items() if i < k} for i in range(5)]
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "AB" else frozenset())
                          for n in "ABCD"), (Person("S", frozenset(["acme"])),))
    return count_ballots(ballots_from_marks(ballots), roster,
                         TallyOptions(seats=4, **kw)).result


def test_partial_election_keeps_the_whole_council_guarantee_and_leaves_a_vacancy() -> None:
    r = _partial()
    assert r["elected"] == ["A", "C", "D"]
    assert r["requalified"] == [] and r["vacancies"] == 1
    assert any("vacant" in rule for rule in r["rules"])


def test_partial_election_requalification_is_the_other_reading() -> None:
    r = _partial(partial_cap="requalify")
    assert r["elected"] == ["A", "C", "D", "B"] and r["vacancies"] == 0
    assert r["requalified"] == [{"name": "B", "entities": ["acme"]}]


def test_whole_council_still_requalifies() -> None:
    ballots = [{c: 1 for c, k in {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}.items() if i < k}
               for i in range(5)]
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "ABCD" else frozenset())
                          for n in "ABCDE"))
    r = count_ballots(ballots_from_marks(ballots), roster, TallyOptions(seats=5)).result
    assert r["elected"] == ["A", "B", "E", "C", "D"] and r["vacancies"] == 0


# -- ballot files ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "A,B,C\n",
    "A,B,C\n7,1,1\n9,1,1\n",
    "A,B\n\x00,\x00\n\x00\x00,1\n",
])
def test_no_counted_ballot_is_an_error_even_with_a_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "none.csv"
    path.write_text(text)
    err = _fails(capsys, ["tally", str(path), "--seed", "s", "--seats", "1"], "none.csv")
    assert ("NUL bytes" if "\x00" in text else "no ballot") in err


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_delimited_csv(tmp_path: Path, sep: str) -> None:
    rows = [["ballot_id", "A", "B", "C"], ["1", "5", "3", "0"], ["2", "4", "0", "1"]]
    res = _tally(tmp_path, "".join(sep.join(r) + "\n" for r in rows), "--method", "bloc-star",
                 "--seats", "1", "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert set(r["totals"]) == {"A", "B", "C"} and r["elected"] == ["A"]


def test_header_cell_not_on_the_candidate_list_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ballots, cands = tmp_path / "b.csv", tmp_path / "c.txt"
    ballots.write_text("A,B,Zed\nx,,\n")
    cands.write_text("A\nB\n")
    err = _fails(capsys, ["tally", str(ballots), "--candidates", str(cands)], "b.csv")
    assert "Zed" in err


@pytest.mark.parametrize("column", ["ballot", "Ballot ID", "ballot-id", "id"])
def test_usual_spellings_of_the_id_column(column: str) -> None:
    f = read_csv(f"{column},A,B\n7,x,\n8,,x\n", "b.csv")
    assert f.candidates == ("A", "B")
    assert [b.ballot_id for b in f.ballots] == ["7", "8"]


def test_blank_rows_are_blank_ballots_that_count_toward_quorum(tmp_path: Path) -> None:
    res = _tally(tmp_path, "A,B,C\nx,,\n,,\nx,x,\n,,\n", "--electors", "8", "--seats", "1",
                 "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert (r["ballots_read"], r["ballots_cast"], r["quorum"]["met"]) == (4, 4, True)


def test_every_ballot_read_is_counted_or_rejected(tmp_path: Path) -> None:
    text = "ballot_id,A,B\n1,x,\n1,x,\n1,,x\n2,x,x\n2,x,x\n"
    res = _tally(tmp_path, text, "--seats", "1", "--json", "--seed", "s")
    r = json.loads(res.output)
    assert (r["ballots_read"], r["ballots_cast"], r["ballots_rejected"]) == (5, 1, 4)
    res = _tally(tmp_path, text, "--seats", "1", "--seed", "s")
    assert "4 ballots were rejected" in res.output
    res = _tally(tmp_path, "ballot_id,A,B\n1,x,\n1,x,\n2,,x\n", "--seats", "1", "--seed", "s")
    assert "1 ballot was rejected" in res.output


@pytest.mark.parametrize("mark", ["٥", "0_5", "+1", "5.0", " 3 ", "1e1", "²"])
def test_only_documented_spellings_are_marks(mark: str) -> None:
    file = BallotFile("memory", ("A", "B"), (RawBallot("b1", {"A": mark, "B": "1"}),
                                               RawBallot("b2", {"A": "2", "B": "1"})))
    for fast in (True, False):
        v = validate(file, 5, fast=fast)
        rejected = [f.ballot_id for f in v.findings if not f.counted]
        assert rejected == ([] if mark == " 3 " else ["b1"]), (mark, fast)


def test_json_true_is_read_the_same_on_both_paths() -> None:
    file = BallotFile("memory", ("A", "B"), (RawBallot("b1", {"A": True, "B": True}),))  # type: ignore[dict-item]
    assert validate(file, 1) == validate(file, 1, fast=False)
    assert validate(file, 5).rejected == validate(file, 5, fast=False).rejected == 1


def test_huge_csv_field_and_deep_json_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.csv"
    big.write_text("A,B\n" + "x" * 200_000 + ",1\n")
    _fails(capsys, ["tally", str(big)], "big.csv")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    _fails(capsys, ["tally", str(deep)], "deep.json")


@pytest.mark.parametrize("result,cast", [([[3, -1]], 5), ([[3, 6]], 5), ([[3, 1]], -2),
                                         ([[True, 1]], 5), ([[2.5, 1]], 5)])
def test_helios_totals_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], result: list[list[Any]], cast: int
) -> None:
    path = tmp_path / "helios.json"
    path.write_text(json.dumps({"questions": [{"answers": ["A", "B"]}], "result": result,
                                "num_cast_votes": cast}))
    _fails(capsys, ["tally", str(path), "--seats", "1"], "helios.json")


def test_verify_compares_the_top_level_ties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ballots, audit = tmp_path / "b.csv", tmp_path / "a.json"
    ballots.write_text("A,B,C\nx,x,\nx,,x\n")
    res = CliRunner().invoke(cli, ["governance", "tally", str(ballots), "--seats", "2",
                                   "--seed", "s", "--audit", str(audit)])
    assert res.exit_code == 0, res.output
    record = json.loads(audit.read_text())
    assert record["ties"]
    record["ties"][0]["chosen"] = ["B"] if record["ties"][0]["chosen"] != ["B"] else ["C"]
    audit.write_text(json.dumps(record))
    assert "ties" in _fails(capsys, ["verify", str(audit)], "a.json")


# -- reports ---------------------------------------------------------------------------------

def test_report_wording_for_one_winner_entities_and_turnout(tmp_path: Path) -> None:
    cands = tmp_path / "c.json"
    cands.write_text(json.dumps({"candidates": [
        {"name": "A", "entities": ["Acme Corp"]}, {"name": "B", "entities": ["ACME corp"]},
        {"name": "C", "entities": ["Acme Corp"]}, "D"]}))
    res = _tally(tmp_path, "A,B,C,D\nx,x,x,\nx,x,x,\nx,x,,x\n", "--seats", "3",
                 "--candidates", str(cands), "--electors", "6")
    assert res.exit_code == 0, res.output
    assert "The top three vote-getters are:" in res.output
    assert "C was disqualified (entity limit: Acme Corp)" in res.output
    assert "Turnout: 50.0%." in res.output
    res = _tally(tmp_path, "A,B\nx,\n", "--seats", "1")
    assert "The top vote-getter is:" in res.output and "one" not in res.output
    res = _tally(tmp_path, "A,B\n5,1\n", "--seats", "1", "--method", "bloc-star")
    assert "The winner is:" in res.output


def test_governance_error_is_importable() -> None:
    assert issubclass(GovernanceError, Exception)


# -- Bloc STAR: three-way scoring-round ties -------------------------------------------------

#: A, B and C all score 14. Match-ups form a cycle (one loss each), so the official rule
#: falls to five-star ratings (A 2, C 2, B 1): finalists A, C; A wins. BetterVoting's
#: ballot-weighted losses are A 5, B 4, C 5: B advances, then A (2 losses to C's 3); B beats
#: A 3-1. starvote's summed wins are A 4, B 5, C 5: finalists B, C; C wins 3-2.
THREE_WAY = [{"A": 5, "B": 5, "C": 1}, {"A": 2, "B": 3, "C": 5}, {"A": 5, "B": 1, "C": 2},
             {"A": 0, "B": 2, "C": 5}, {"A": 2, "B": 3, "C": 1}]


def test_three_way_scoring_tie_rules_elect_different_people() -> None:
    import starvote

    won = {rule: count_ballots(ballots_from_marks(THREE_WAY), None, TallyOptions(
        method="bloc-star", seats=1, star_scoring_ties=rule)).result
        for rule in ("matchups", "bettervoting")}
    assert won["matchups"]["elected"] == ["A"] and won["matchups"]["ties"] == []
    assert won["bettervoting"]["elected"] == ["B"] and won["bettervoting"]["ties"] == []
    steps = won["bettervoting"]["rounds"][0]["scoring_tiebreak"]
    assert steps[0]["losses"] == {"A": 5, "B": 4, "C": 5}
    assert starvote.election(starvote.star, THREE_WAY, seats=1, tiebreaker=None) == ["C"]


def test_star_scoring_ties_option_reaches_the_audit(tmp_path: Path) -> None:
    ballots, audit = tmp_path / "b.csv", tmp_path / "a.json"
    ballots.write_text("A,B,C\n" + "".join(f"{b['A']},{b['B']},{b['C']}\n" for b in THREE_WAY))
    res = CliRunner().invoke(cli, ["governance", "tally", str(ballots), "--method", "bloc-star",
                                   "--seats", "1", "--star-scoring-ties", "bettervoting",
                                   "--json", "--audit", str(audit)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["elected"] == ["B"]
    assert json.loads(audit.read_text())["options"]["star_scoring_ties"] == "bettervoting"
    assert CliRunner().invoke(cli, ["governance", "verify", str(audit)]).exit_code == 0


def test_header_with_mixed_delimiters_is_refused() -> None:
    with pytest.raises(GovernanceError, match="several columns"):
        read_csv("A;B,C\n1,0\n", "b.csv")


def test_logs_written_before_vacancies_and_partial_cap_still_verify(tmp_path: Path) -> None:
    """A partial-election log from before ``--partial-cap`` re-qualified and had no
    ``vacancies``: it still verifies, recomputed with the behaviour it was written with."""
    ballots, cands, audit = tmp_path / "b.csv", tmp_path / "c.json", tmp_path / "a.json"
    ballots.write_text("A,B,C\nx,x,x\nx,x,\n")
    cands.write_text(json.dumps({"candidates": [{"name": n, "entities": ["acme"]}
                                                for n in "ABC"]}))
    res = CliRunner().invoke(cli, ["governance", "tally", str(ballots), "--seats", "3",
                                   "--candidates", str(cands), "--partial-cap", "requalify",
                                   "--audit", str(audit)])
    assert res.exit_code == 0, res.output
    record = json.loads(audit.read_text())
    del record["options"]["partial_cap"], record["options"]["star_scoring_ties"]
    del record["result"]["vacancies"]
    audit.write_text(json.dumps(record))
    res = CliRunner().invoke(cli, ["governance", "verify", str(audit)])
    assert res.exit_code == 0, res.output
