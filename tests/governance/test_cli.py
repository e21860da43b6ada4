"""The ``wheelnext governance`` commands, through click and through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli, main


def test_tally_json_report_and_audit_then_verify(fixtures: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    md, audit = tmp_path / "r.md", tmp_path / "audit.json"
    res = runner.invoke(cli, [
        "governance", "tally", str(fixtures / "pep8105-ballots.csv"), "--electors", "87",
        "--json", "--report-md", str(md), "--audit", str(audit),
    ])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["totals"]["Pablo Galindo Salgado"] == 60
    assert "Of 87 eligible voters, 68 cast ballots." in md.read_text()
    res = runner.invoke(cli, ["governance", "verify", str(audit)])
    assert res.exit_code == 0 and "verified" in res.output


def test_tally_bloc_star_table(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_text("A,B,C\n5,3,0\n0,4,5\n5,0,1\n")
    res = CliRunner().invoke(cli, ["governance", "tally", str(p), "--method", "bloc-star",
                                   "--seats", "2"])
    assert res.exit_code == 0, res.output
    assert "Automatic runoff" in res.output and "Total Stars" in res.output


def test_no_confidence_and_motion_commands() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["governance", "no-confidence", "--target", "council",
                              "--electors", "9", "--against", "6", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["succeeds"] is True
    res = runner.invoke(cli, ["governance", "motion", "--vote", "a=yes", "--vote", "b=yes",
                              "--vote", "c=no", "--vote", "d=conflicted"])
    assert res.exit_code == 0 and "passed" in res.output


def test_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "b.csv"
    p.write_text("A,B\n1\n")
    with pytest.raises(SystemExit) as info:
        main(["governance", "tally", str(p)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "row 2" in err


def test_tie_without_seed_names_the_option(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "b.csv"
    p.write_text("A,B\n1,1\n")
    with pytest.raises(SystemExit) as info:
        main(["governance", "tally", str(p), "--seats", "1"])
    assert info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_verify_mismatch_exits_2(fixtures: Path, tmp_path: Path) -> None:
    audit = tmp_path / "a.json"
    CliRunner().invoke(cli, ["governance", "tally", str(fixtures / "pep8106-ballots.csv"),
                             "--audit", str(audit)])
    record = json.loads(audit.read_text())
    record["result"]["totals"]["Mariatta"] = 99
    audit.write_text(json.dumps(record))
    with pytest.raises(SystemExit) as info:
        main(["governance", "verify", str(audit)])
    assert info.value.code == 2


def test_tally_with_candidates_file_and_roll(fixtures: Path) -> None:
    res = CliRunner().invoke(cli, [
        "governance", "tally", str(fixtures / "council-ballots.csv"),
        "--candidates", str(fixtures / "council-candidates.json"),
        "--roll", str(fixtures / "council-roll.txt"), "--json",
    ])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["elected"] == ["Amy", "Bob", "Flo", "Gus", "Hal"]
    assert r["disqualified"] == [{"name": "Cy", "entities": ["Acme Corp"]}]
    assert {e["name"]: e["rule"] for e in r["excluded"]} == {
        "Di": "psf-staff", "Ed": "steering-council"}
    assert r["totals"]["Di"] == 4
    assert {(f["ballot"], f["rule"], f["counted"]) for f in r["findings"]} == {
        ("8", "not-on-roll", False), ("9", "duplicate-elector", False), ("10", "blank", True)}
    assert r["quorum"] == {"electors": 12, "cast": 8, "rule": "at-least-half", "met": True}
    assert r["cohorts"] == {"A": ["Amy", "Bob"], "B": ["Flo", "Gus", "Hal"]}


def test_agreement_and_psf_draw_through_the_cli_and_verify(tmp_path: Path) -> None:
    ballots = tmp_path / "b.csv"
    ballots.write_text("A,B,C\nx,x,\nx,,x\n")
    agreements = tmp_path / "agree.json"
    agreements.write_text(json.dumps([{"tied": ["B", "C"], "chosen": ["C"]}]))
    audit = tmp_path / "audit.json"
    runner = CliRunner()
    res = runner.invoke(cli, ["governance", "tally", str(ballots), "--seats", "2",
                              "--agreements", str(agreements), "--json", "--audit", str(audit)])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["elected"] == ["A", "C"] and r["ties"][0]["how"] == "agreement"
    assert runner.invoke(cli, ["governance", "verify", str(audit)]).exit_code == 0
    res = runner.invoke(cli, ["governance", "tally", str(ballots), "--seats", "2",
                              "--seed", "unused", "--draw", "psf", "--json"])
    r = json.loads(res.output)
    assert r["ties"][0]["how"] == "draw:psf" and r["elected"][0] == "A"


def test_verify_with_moved_ballots(fixtures: Path, tmp_path: Path) -> None:
    audit = tmp_path / "a.json"
    runner = CliRunner()
    runner.invoke(cli, ["governance", "tally", str(fixtures / "pep8105-ballots.csv"),
                        "--audit", str(audit)])
    record = json.loads(audit.read_text())
    record["inputs"]["ballots"]["path"] = str(tmp_path / "gone.csv")
    audit.write_text(json.dumps(record))
    assert runner.invoke(cli, ["governance", "verify", str(audit)]).exit_code != 0
    res = runner.invoke(cli, ["governance", "verify", str(audit), "--ballots",
                              str(fixtures / "pep8105-ballots.csv"), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["verified"] is True


def test_no_confidence_and_motion_audits_verify_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = CliRunner()
    nc, mo = tmp_path / "nc.json", tmp_path / "motion.json"
    res = runner.invoke(cli, ["governance", "no-confidence", "--target", "Amy", "--electors",
                              "30", "--against", "20", "--for", "3", "--audit", str(nc)])
    assert res.exit_code == 0, res.output
    assert json.loads(nc.read_text())["kind"] == "no-confidence"
    res = runner.invoke(cli, ["governance", "verify", str(nc), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"verified": True, "kind": "no-confidence", "succeeds": True}
    res = runner.invoke(cli, ["governance", "motion", "--vote", "a=yes", "--vote", "b=no",
                              "--vote", "c=yes", "--replaces", "d", "--audit", str(mo)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["governance", "verify", str(mo)])
    assert res.exit_code == 0 and "(motion)" in res.output and "passed" in res.output
    record = json.loads(mo.read_text())
    record["inputs"]["arguments"]["votes"]["b"] = "yes"
    mo.write_text(json.dumps(record))
    with pytest.raises(SystemExit) as info:
        main(["governance", "verify", str(mo)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.startswith("error: ") and "sha256" in err


def test_sitting_count_and_tie_order_options_reach_the_tally_and_the_audit(
    tmp_path: Path,
) -> None:
    ballots = tmp_path / "b.csv"
    ballots.write_text("Amy,Cy,Xi\nx,x,x\n")
    cands = tmp_path / "c.json"
    cands.write_text(json.dumps({
        "candidates": [{"name": "Amy", "entities": ["acme"]}, "Cy",
                       {"name": "Xi", "psf_staff": True}],
        "sitting": [{"name": "S", "entities": ["acme"]}],
        "outgoing": [{"name": "O", "entities": ["acme"]}],
    }))
    runner = CliRunner()
    audit = tmp_path / "a.json"
    base = ["governance", "tally", str(ballots), "--candidates", str(cands), "--seats", "1",
            "--seed", "s", "--json"]
    after = json.loads(runner.invoke(cli, base).output)
    assert after["elected"] == ["Amy"] and after["ties"][0]["tied"] == ["Amy", "Cy"]
    res = runner.invoke(cli, [*base, "--ties-before-exclusions", "--sitting-count", "all",
                              "--audit", str(audit)])
    assert res.exit_code == 0, res.output
    before = json.loads(res.output)
    assert before["ties"][0]["tied"] == ["Amy", "Cy", "Xi"]
    # S and the outgoing O already make two of acme: Amy wins the draw but is disqualified.
    assert before["elected"] == ["Cy"] and before["disqualified"][0]["name"] == "Amy"
    assert json.loads(audit.read_text())["options"]["tie_order"] == "before-exclusions"
    assert runner.invoke(cli, ["governance", "verify", str(audit)]).exit_code == 0


@pytest.mark.parametrize("command", ["tally", "no-confidence", "motion", "verify"])
def test_every_command_has_help_and_json(command: str) -> None:
    res = CliRunner().invoke(cli, ["governance", command, "--help"])
    assert res.exit_code == 0 and "Usage:" in res.output
    assert "--json" in res.output
    if command != "verify":
        assert "--audit" in res.output


def _bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    ok = tmp / "ok.csv"
    ok.write_text("A,B\n1,0\n1,1\n")
    ragged = tmp / "ragged.csv"
    ragged.write_text("A,B\n1\n")
    latin1 = tmp / "roll.txt"
    latin1.write_bytes(b"\xff\n")
    return [
        (["tally", str(tmp / "missing.csv")], "missing.csv"),
        (["tally", str(ragged)], "row 2"),
        (["tally", str(ok), "--method", "plurality"], "--method"),
        (["tally", str(ok), "--seats", "0"], "--seats"),
        (["tally", str(ok), "--seats", "1", "--electors", "1"], "--electors"),
        (["tally", str(ok), "--roll", str(latin1)], "roll.txt"),
        (["tally", str(ok), "--candidates", str(latin1)], "roll.txt"),
        (["tally"], "BALLOTS"),
        (["no-confidence", "--target", "Amy", "--electors", "2", "--against", "3"], "--electors"),
        (["no-confidence", "--target", "Amy", "--electors", "-1", "--against", "0"],
         "--electors"),
        (["motion", "--vote", "a"], "--vote"),
        (["motion", "--vote", "a=maybe"], "--vote"),
        (["verify", str(tmp / "missing.json")], "missing.json"),
        (["verify", str(ok)], "ok.csv"),
        (["count"], "count"),
    ]


def test_bad_inputs_are_one_line_errors_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, named in _bad_inputs(tmp_path):
        with pytest.raises(SystemExit) as info:
            main(["governance", *args])
        captured = capsys.readouterr()
        assert info.value.code == 2, args
        assert captured.err.startswith("error: "), (args, captured.err)
        assert captured.err.count("\n") == 1, (args, captured.err)
        assert named in captured.err, (args, captured.err)
        assert captured.out == "", args
