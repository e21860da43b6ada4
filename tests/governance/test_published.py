"""Reproduce the published approval results of PEPs 8105 and 8106 (python/peps).

The ballots are synthesized so that each candidate's approvals equal the published
count (``tests/fixtures/governance/pep81xx-published.json`` cites the source lines).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wheelnext.governance.tally import TallyInputs, TallyOptions, run_tally


@pytest.mark.parametrize("pep", ["pep8105", "pep8106"])
def test_reproduces_published_counts_and_winners(fixtures: Path, pep: str) -> None:
    published = json.loads((fixtures / f"{pep}-published.json").read_text())
    tally = run_tally(
        TallyInputs(fixtures / f"{pep}-ballots.csv"),
        TallyOptions(method="approval", seats=5, electors=published["electors"]),
    )
    result = tally.result
    assert result["totals"] == published["counts"]
    assert result["ballots_cast"] == published["cast"]
    assert set(result["elected"]) == set(published["elected"])
    assert result["quorum"]["met"] is True
    assert result["ties"] == [] and result["ballots_rejected"] == 0


def test_helios_totals_export_gives_same_winners(fixtures: Path) -> None:
    published = json.loads((fixtures / "pep8106-published.json").read_text())
    result = run_tally(
        TallyInputs(fixtures / "pep8106-helios.json"),
        TallyOptions(method="approval", electors=100),
    ).result
    assert result["totals"] == published["counts"]
    assert set(result["elected"]) == set(published["elected"])
    assert result["ballots_cast"] == 76


def test_pep8105_cohorts_follow_vote_order(fixtures: Path) -> None:
    result = run_tally(TallyInputs(fixtures / "pep8105-ballots.csv"), TallyOptions()).result
    assert result["cohorts"] == {
        "A": ["Pablo Galindo Salgado", "Gregory P. Smith"],
        "B": ["Emily Morehouse", "Barry Warsaw", "Thomas Wouters"],
    }
