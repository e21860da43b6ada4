"""Bloc STAR: rounds, the official tie protocol, exactness, properties, and starvote."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import starvote
from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.governance.ballots import ballots_from_marks
from wheelnext.governance.council import Person, Roster
from wheelnext.governance.tally import TallyOptions, count_ballots


def tally(
    marks: Sequence[Mapping[str, int]], seats: int, names: Sequence[str] | None = None
) -> dict[str, Any]:
    roster = Roster(tuple(Person(n) for n in names)) if names else None
    options = TallyOptions(method="bloc-star", seats=seats, seed="test-seed")
    return count_ballots(ballots_from_marks(marks), roster, options).result


def test_rounds_report_scores_and_runoff_counts() -> None:
    r = tally([{"A": 5, "B": 4, "C": 0}, {"A": 0, "B": 3, "C": 5}, {"A": 5, "B": 0, "C": 1}], 2)
    first = r["rounds"][0]
    assert first["scoring"] == [["A", 10], ["B", 7], ["C", 6]]
    assert first["finalists"] == ["A", "B"]
    assert first["runoff"] == {"A": 2, "B": 1, "equal": 0}
    assert r["rounds"][1]["runoff"] == {"B": 1, "C": 2, "equal": 0}
    assert r["elected"] == ["A", "C"]
    assert all(isinstance(v, int) for v in r["totals"].values())


def test_runoff_tie_goes_to_higher_score() -> None:
    r = tally([{"A": 5, "B": 0, "C": 0}, {"A": 0, "B": 1, "C": 0}], 1)
    assert r["rounds"][0]["decided_by"] == "runoff tie: higher score"
    assert r["elected"] == ["A"]


def test_runoff_tie_then_most_top_ratings() -> None:
    r = tally([{"A": 5, "B": 1}, {"A": 0, "B": 4}], 1)
    assert r["rounds"][0]["decided_by"] == "runoff tie: more ratings of 5"
    assert r["elected"] == ["A"]


def test_three_way_scoring_tie_eliminates_most_head_to_head_losses() -> None:
    ballots = [
        {"A": 5, "B": 3, "C": 2, "D": 1},
        {"A": 5, "B": 3, "C": 2, "D": 1},
        {"A": 5, "B": 0, "C": 2, "D": 4},
    ]
    r = tally(ballots, 3)
    steps = r["rounds"][0]["scoring_tiebreak"]
    assert steps[0]["losses"] == {"B": 0, "C": 1, "D": 2}
    assert r["rounds"][0]["finalists"] == ["A", "B"]
    assert r["elected"] == ["A", "B", "C"]
    assert r["ties"] == []


def test_cycle_falls_through_to_top_ratings_then_draw() -> None:
    ballots = [{"B": 3, "C": 2, "D": 1}, {"B": 2, "C": 1, "D": 3}, {"B": 1, "C": 3, "D": 2}]
    r = tally(ballots, 1)
    steps = r["rounds"][0]["scoring_tiebreak"]
    assert steps[0]["losses"] == {"B": 1, "C": 1, "D": 1}
    assert steps[1]["step"] == "most ratings of 5"
    assert r["ties"] and r["ties"][0]["how"] == "draw:sha256"


def test_one_candidate_wins_by_name_unlike_starvote() -> None:
    assert tally([{"Amy": 3}], 1)["elected"] == ["Amy"]
    # starvote 2.1.6 returns the first character of the name (documented defect).
    assert starvote.star_voting([{"Amy": 3}]) == ["A"]


NAMES = ["A", "B", "C", "D", "E", "F"]


@st.composite
def elections(draw: st.DrawFn, max_score: int = 5) -> tuple[list[dict[str, int]], int]:
    n = draw(st.integers(2, 6))
    names = NAMES[:n]
    ballots = draw(st.lists(
        st.fixed_dictionaries({c: st.integers(0, max_score) for c in names}),
        min_size=1, max_size=12,
    ))
    seats = draw(st.integers(2, min(n, 5)))
    return ballots, seats


def _excluded(result: Mapping[str, Any]) -> str | None:
    """Classes where starvote follows a different (documented) rule; see the spec note."""
    if result["ties"]:
        return "true tie: starvote's hashed-ballots draw differs from our published draw"
    for rnd in result["rounds"]:
        for step in rnd.get("scoring_tiebreak", []):
            if len(step["among"]) >= 3:
                return "3+ tied: starvote counts ballot-level wins, not matchups lost"
    return None


@settings(max_examples=300, deadline=None)
@given(elections())
def test_differential_against_starvote(election: tuple[list[dict[str, int]], int]) -> None:
    ballots, seats = election
    ours = tally(ballots, seats, sorted(ballots[0]))
    if _excluded(ours):
        return
    theirs = starvote.bloc_star_voting(ballots, seats=seats, tiebreaker=None)
    assert set(ours["elected"]) == set(theirs)


@settings(max_examples=100, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_permuting_ballots_never_changes_result(
    election: tuple[list[dict[str, int]], int], rng: random.Random
) -> None:
    ballots, seats = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    names = sorted(ballots[0])
    a, b = tally(ballots, seats, names), tally(shuffled, seats, names)
    assert a["elected"] == b["elected"] and a["rounds"] == b["rounds"] and a["ties"] == b["ties"]


@settings(max_examples=100, deadline=None)
@given(elections())
def test_written_or_omitted_zero_never_changes_result(
    election: tuple[list[dict[str, int]], int],
) -> None:
    ballots, seats = election
    sparse = [{c: v for c, v in b.items() if v} for b in ballots]
    names = sorted(ballots[0])
    full, thin = tally(ballots, seats, names), tally(sparse, seats, names)
    assert full["elected"] == thin["elected"] and full["rounds"] == thin["rounds"]
    assert full["ties"] == thin["ties"]


def test_starvote_zero_defect_examples_are_stable_here() -> None:
    full = [{"A": 2, "B": 4, "C": 0}, {"A": 2, "B": 0, "C": 4}]
    sparse = [{k: v for k, v in b.items() if v} for b in full]
    assert starvote.star_voting(full) != starvote.star_voting(sparse)
    assert tally(full, 1, "ABC")["elected"] == tally(sparse, 1, "ABC")["elected"]


def test_starvote_sparse_max_score_one_defect_is_stable_here() -> None:
    sparse = [{"A": 1}, {"C": 1}, {"B": 1}, {"B": 1, "C": 1}]
    full = [{c: b.get(c, 0) for c in "ABC"} for b in sparse]
    assert starvote.star_voting(sparse, maximum_score=1) != starvote.star_voting(
        full, maximum_score=1
    )
    options = TallyOptions(method="bloc-star", seats=1, seed="s", max_score=1)
    roster = Roster(tuple(Person(n) for n in "ABC"))
    a = count_ballots(ballots_from_marks(sparse), roster, options).result
    b = count_ballots(ballots_from_marks(full), roster, options).result
    assert a["elected"] == b["elected"] and a["ties"] == b["ties"]
