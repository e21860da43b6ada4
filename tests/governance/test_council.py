"""PEP 772 council rules: eligibility, entity limit, re-qualification, partial elections,
cohorts and quorum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.governance.ballots import ballots_from_marks
from wheelnext.governance.council import Person, Quorum, Roster
from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.tally import TallyOptions, count_ballots


def approval(counts: dict[str, int], people: Sequence[Person], seats: int = 5,
             sitting: Sequence[Person] = (), **kw: Any) -> dict[str, Any]:
    n = max(counts.values())
    ballots = [{c: 1 for c, k in counts.items() if i < k} for i in range(n)]
    roster = Roster(tuple(people), tuple(sitting))
    return count_ballots(ballots_from_marks(ballots), roster,
                         TallyOptions(seats=seats, seed="s", **kw)).result


def people(spec: dict[str, str]) -> list[Person]:
    return [Person(n, frozenset([e]) if e else frozenset()) for n, e in spec.items()]


COUNTS = {"A": 10, "B": 9, "C": 8, "D": 7, "E": 6, "F": 5, "G": 4}


def test_third_member_of_an_entity_is_disqualified_and_next_elevated() -> None:
    r = approval(COUNTS, people({"A": "acme", "B": "acme", "C": "acme", "D": "", "E": "",
                                 "F": "", "G": ""}))
    assert r["elected"] == ["A", "B", "D", "E", "F"]
    assert r["disqualified"] == [{"name": "C", "entities": ["acme"]}]
    assert r["cohorts"] == {"A": ["A", "B"], "B": ["D", "E", "F"]}


def test_requalified_in_rank_order_when_no_full_council_otherwise() -> None:
    r = approval({"A": 5, "B": 4, "C": 3, "D": 2, "E": 1},
                 people({"A": "acme", "B": "acme", "C": "acme", "D": "acme", "E": ""}))
    assert [d["name"] for d in r["disqualified"]] == ["C", "D"]
    assert r["requalified"] == [{"name": "C", "entities": ["acme"]},
                                {"name": "D", "entities": ["acme"]}]
    assert r["elected"] == ["A", "B", "E", "C", "D"]
    assert r["cohorts"] == {"A": ["A", "B"], "B": ["C", "D", "E"]}


def test_partial_election_counts_continuing_members() -> None:
    sitting = [Person("S1", frozenset(["acme"])), Person("S2", frozenset())]
    r = approval({"A": 5, "B": 4, "C": 3, "D": 2}, people({"A": "acme", "B": "acme", "C": "",
                                                            "D": ""}), seats=3, sitting=sitting)
    assert r["elected"] == ["A", "C", "D"]
    assert r["cohorts"] is None


def test_psf_staff_and_steering_council_members_cannot_be_seated() -> None:
    ps = [Person("A", psf_staff=True), Person("B", steering_council=True),
          *people({"C": "", "D": "", "E": "", "F": "", "G": ""})]
    r = approval(COUNTS, ps)
    assert r["elected"] == ["C", "D", "E", "F", "G"]
    assert {e["rule"] for e in r["excluded"]} == {"psf-staff", "steering-council"}
    assert r["totals"]["A"] == 10  # totals before any exclusion


def test_tie_at_the_last_seat_is_drawn_and_recorded() -> None:
    r = approval({"A": 9, "B": 8, "C": 7, "D": 6, "E": 5, "F": 5},
                 people(dict.fromkeys("ABCDEF", "")))
    assert len(r["ties"]) == 1 and r["ties"][0]["tied"] == ["E", "F"]
    assert r["elected"][-1] in {"E", "F"}


def test_tie_that_decides_nothing_is_not_drawn() -> None:
    r = approval({"A": 9, "B": 9, "C": 7, "D": 6, "E": 5, "F": 1},
                 people(dict.fromkeys("ABCDEF", "")), seats=5, cohort_by="rank")
    assert r["ties"] == []


def test_quorum_at_least_half_and_more_than_half() -> None:
    assert Quorum(10, 5).met is True
    assert Quorum(10, 5, "more-than-half").met is False
    assert Quorum(None, 5).met is None
    r = approval({"A": 3, "B": 2, "C": 1, "D": 1, "E": 1}, people(dict.fromkeys("ABCDE", "")),
                 electors=7)
    assert r["quorum"]["met"] is False and r["elected"] == []


entity_sets = st.frozensets(st.sampled_from(["acme", "globex", "initech"]), max_size=2)


def literal_procedure(rank: Sequence[Person], sitting: Sequence[Person], seats: int) -> list[str]:
    """PEP 772's repeated procedure, read literally, for candidates naming at most one
    entity: take the top ``seats``; where more than two of one entity (sitting members
    first) appear, keep the top two and disqualify the rest; elevate; repeat."""
    out: set[str] = set()
    while True:
        top = [p for p in rank if p.name not in out][:seats]
        newly: set[str] = set()
        for e in {e for p in top for e in p.entities}:
            room = 2 - sum(e in m.entities for m in sitting)
            members = [p.name for p in top if e in p.entities]
            newly.update(members[max(room, 0):])
        if not newly:
            return [p.name for p in top]
        out |= newly


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.lists(st.integers(0, 5), min_size=6, max_size=6), entity_sets),
             min_size=5, max_size=9),
    st.lists(entity_sets, max_size=2),
    st.sampled_from(["approval", "bloc-star"]),
)
def test_entity_limit_with_several_employers(
    spec: list[tuple[list[int], frozenset[str]]], sitting_entities: list[frozenset[str]],
    method: str,
) -> None:
    """Candidates and sitting members may name several entities. Whole council: five seats,
    re-qualified members are the only way past two of an entity, and each names an entity it
    breaks. Partial election: never past two on the entire council; a seat that cannot be
    filled stays vacant. Where nobody names more than one entity, the walk seats the council
    of the PEP's literal repeated procedure."""
    ps = [Person(f"C{i}", e) for i, (_, e) in enumerate(spec)]
    sitting = [Person(f"S{i}", e) for i, e in enumerate(sitting_entities)]
    seats = 5 - len(sitting)
    maximum = 1 if method == "approval" else 5
    ballots = [{p.name: min(marks[j], maximum) for p, (marks, _) in zip(ps, spec, strict=True)}
               for j in range(6)]
    roster = Roster(tuple(ps), tuple(sitting))
    r = count_ballots(ballots_from_marks(ballots), roster,
                      TallyOptions(method=method, seats=seats, seed="s")).result
    council: dict[str, int] = {}
    for m in [*sitting, *(next(p for p in ps if p.name == n) for n in r["elected"])]:
        for e in m.entities:
            council[e] = council.get(e, 0) + 1
    over = {e for e, n in council.items() if n > 2}
    assert len(r["elected"]) + r["vacancies"] == seats
    if seats == 5:
        assert r["vacancies"] == 0
        assert not over or r["requalified"]
        assert all(d["entities"] for d in r["requalified"])
    else:
        assert not over and r["requalified"] == []
    eligible_rank = [next(p for p in ps if p.name == n) for n in r["rank"]]
    if all(len(p.entities) <= 1 for p in [*ps, *sitting]) and not r["requalified"]:
        assert sorted(r["elected"]) == sorted(literal_procedure(eligible_rank, sitting, seats))


def test_walk_and_literal_procedure_differ_when_a_candidate_names_two_entities() -> None:
    """C names x and y. Literally, C is among "the top two" of y and also disqualified by x,
    so E (third of y) is disqualified in the same pass: A, B, D, F, G. The walk settles C
    first (disqualified by x), so y has only D and E: A, B, D, E, F (pep772-entity-limit)."""
    spec = {"A": {"x"}, "B": {"x"}, "C": {"x", "y"}, "D": {"y"}, "E": {"y"}, "F": set(),
            "G": set()}
    r = approval({"A": 10, "B": 9, "C": 8, "D": 7, "E": 6, "F": 5, "G": 4},
                 [Person(n, frozenset(e)) for n, e in spec.items()])
    assert r["elected"] == ["A", "B", "D", "E", "F"]
    assert r["disqualified"] == [{"name": "C", "entities": ["x"]}]


SKIP_VS_RECOUNT = [
    {"A": 0, "B": 4, "C": 2, "D": 0, "E": 1, "F": 0, "G": 5},
    {"A": 0, "B": 4, "C": 0, "D": 4, "E": 3, "F": 1, "G": 5},
    {"A": 4, "B": 2, "C": 0, "D": 3, "E": 0, "F": 3, "G": 0},
    {"A": 0, "B": 2, "C": 1, "D": 1, "E": 5, "F": 0, "G": 4},
    {"A": 0, "B": 3, "C": 5, "D": 1, "E": 5, "F": 2, "G": 5},
    {"A": 3, "B": 1, "C": 3, "D": 3, "E": 1, "F": 3, "G": 5},
    {"A": 5, "B": 5, "C": 4, "D": 1, "E": 0, "F": 2, "G": 4},
    {"A": 4, "B": 1, "C": 4, "D": 4, "E": 3, "F": 5, "G": 4},
    {"A": 4, "B": 2, "C": 2, "D": 1, "E": 4, "F": 1, "G": 3},
]


def test_bloc_star_skip_and_recount_readings_differ() -> None:
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "ABC" else frozenset())
                          for n in "ABCDEFG"))
    results = {
        how: count_ballots(ballots_from_marks(SKIP_VS_RECOUNT), roster, TallyOptions(
            method="bloc-star", seats=5, seed="s", star_disqualified=how)).result
        for how in ("skip", "recount")
    }
    assert results["skip"]["elected"] == ["G", "B", "C", "E", "F"]
    assert results["recount"]["elected"] == ["G", "B", "C", "D", "E"]
    assert results["recount"]["disqualified"] == [{"name": "A", "entities": ["acme"]}]
    assert "count re-run from round 1 without disqualified A" in results["recount"]["rules"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.fixed_dictionaries({c: st.integers(0, 1) for c in "ABCDEFG"}), min_size=1,
             max_size=20),
    st.randoms(use_true_random=False),
)
def test_approval_ignores_ballot_order_and_written_zeros(
    ballots: list[dict[str, int]], rng: Any,
) -> None:
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "ABC" else frozenset())
                          for n in "ABCDEFG"))
    options = TallyOptions(seats=5, seed="published")
    base = count_ballots(ballots_from_marks(ballots), roster, options).result
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    sparse = [{c: v for c, v in b.items() if v} for b in shuffled]
    other = count_ballots(ballots_from_marks(sparse), roster, options).result
    for key in ("totals", "elected", "cohorts", "ties", "disqualified", "requalified"):
        assert base[key] == other[key]


def test_failed_quorum_seats_no_one_and_draws_nothing() -> None:
    r = approval({"A": 1, "B": 1, "C": 1, "D": 1, "E": 1, "F": 1},
                 people(dict.fromkeys("ABCDEF", "")), electors=10)
    assert r["elected"] == [] and r["ties"] == [] and r["quorum"]["met"] is False


def test_sitting_count_continuing_or_whole_council() -> None:
    """An outgoing member of acme who does not stand again counts only with ``all``."""
    cands = people({"A": "acme", "C": "", "D": ""})
    sitting = (Person("S1", frozenset(["acme"])),)
    outgoing = (Person("O1", frozenset(["acme"])), Person("A", frozenset(["acme"])))
    ballots = ballots_from_marks([{"A": 1, "C": 1, "D": 1}, {"A": 1, "C": 1}, {"A": 1}])
    results = {
        how: count_ballots(ballots, Roster(tuple(cands), sitting, outgoing),
                           TallyOptions(seats=2, sitting_count=how)).result
        for how in ("continuing", "all")
    }
    assert results["continuing"]["elected"] == ["A", "C"]
    assert results["all"]["elected"] == ["C", "D"]
    assert results["all"]["disqualified"] == [{"name": "A", "entities": ["acme"]}]
    # A is outgoing and stands again: counted as a candidate only, not against themself.
    assert "sitting members counted toward the entity limit (all): S1, O1" in (
        results["all"]["rules"])


def test_sitting_count_and_tie_order_are_checked() -> None:
    with pytest.raises(GovernanceError, match="--sitting-count"):
        approval({"A": 1}, people({"A": ""}), seats=1, sitting_count="some")
    with pytest.raises(GovernanceError, match="--ties-before-exclusions"):
        approval({"A": 1}, people({"A": ""}), seats=1, tie_order="during")


entity = st.sampled_from(["", "acme", "acme", "initech"])
candidate = st.tuples(st.integers(1, 4), entity, st.sampled_from(["", "", "", "psf", "sc"]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(candidate, min_size=1, max_size=8),
    st.lists(entity, max_size=3),
    st.sampled_from(["rank", "total"]),
    st.text(min_size=1, max_size=6),
)
def test_sha256_ties_before_or_after_exclusions_seat_the_same_council(
    spec: list[tuple[int, str, str]], sitting_entities: list[str], cohort_by: str, seed: str,
) -> None:
    """With the SHA-256 draw and no agreements the two tie orders give the same council:
    every draw orders a set by each name's own key, so the draw among the eligible is the
    draw among all with the ineligible removed (``docs/spec-notes/pep772-ties.rst``)."""
    names = [f"C{i}" for i in range(len(spec))]
    ps = [Person(n, frozenset([e]) if e else frozenset(), flag == "psf", flag == "sc")
          for n, (_, e, flag) in zip(names, spec, strict=True)]
    sitting = tuple(Person(f"S{i}", frozenset([e]) if e else frozenset())
                    for i, e in enumerate(sitting_entities))
    counts = {n: k for n, (k, _, _) in zip(names, spec, strict=True)}
    ballots = ballots_from_marks(
        [{c: 1 for c, k in counts.items() if i < k} for i in range(max(counts.values()))])
    roster = Roster(tuple(ps), sitting)
    r = {
        order: count_ballots(ballots, roster, TallyOptions(
            seats=5 - len(sitting), seed=seed, cohort_by=cohort_by, tie_order=order)).result
        for order in ("after-exclusions", "before-exclusions")
    }
    after, before = r["after-exclusions"], r["before-exclusions"]
    assert sorted(after["elected"]) == sorted(before["elected"])
    assert after["disqualified"] == before["disqualified"]
    assert after["requalified"] == before["requalified"]
    assert (after["cohorts"] is None) == (before["cohorts"] is None)
    if after["cohorts"]:
        for cohort in "AB":
            assert set(after["cohorts"][cohort]) == set(before["cohorts"][cohort])
    # Before exclusions settles at least the ties after exclusions settles, never fewer.
    assert len(before["ties"]) >= len(after["ties"])


def test_psf_draw_before_or_after_exclusions_can_differ() -> None:
    """The PSF rule seeds with the tied names, so an ineligible name changes the draw."""
    ps = [Person("Amy"), Person("Cy"), Person("Xi", psf_staff=True)]
    r = {
        order: approval({"Amy": 3, "Cy": 3, "Xi": 3}, ps, seats=1, draw="psf",
                        tie_order=order)
        for order in ("after-exclusions", "before-exclusions")
    }
    assert r["after-exclusions"]["elected"] == ["Amy"]
    assert r["before-exclusions"]["elected"] == ["Cy"]
    assert r["before-exclusions"]["ties"][0]["tied"] == ["Amy", "Cy", "Xi"]


def test_agreement_applies_only_to_its_tie_so_the_orders_can_differ() -> None:
    """Amy and Bob agreed Bob takes the seat; before exclusions the tie also holds Xi, so
    the agreement does not match and the draw (which favours Amy with seed '6') decides."""
    ps = [Person("Amy"), Person("Bob"), Person("Xi", psf_staff=True)]
    ballots = ballots_from_marks([{"Amy": 1, "Bob": 1, "Xi": 1}] * 2)
    results = {
        order: count_ballots(ballots, Roster(tuple(ps)), TallyOptions(seats=1, seed="6",
                             tie_order=order),
                             agreements=[{"tied": ["Amy", "Bob"], "chosen": ["Bob"]}]).result
        for order in ("after-exclusions", "before-exclusions")
    }
    assert results["after-exclusions"]["elected"] == ["Bob"]
    assert results["after-exclusions"]["ties"][0]["how"] == "agreement"
    assert results["before-exclusions"]["elected"] == ["Amy"]
    assert results["before-exclusions"]["ties"][0]["how"] == "draw:sha256"


def test_bloc_star_ineligible_candidate_in_the_rounds_changes_the_winner() -> None:
    """Under Bloc STAR, breaking ties before exclusions keeps PSF staff in the rounds; Xi's
    runoff place changes the winner even though no draw is made."""
    ps = [Person("X", psf_staff=True), Person("A"), Person("B"), Person("C")]
    ballots = ballots_from_marks([{"X": 5, "A": 1, "B": 0, "C": 0},
                                  {"X": 3, "A": 1, "B": 5, "C": 4},
                                  {"X": 0, "A": 4, "B": 3, "C": 2}])
    r = {
        order: count_ballots(ballots, Roster(tuple(ps)), TallyOptions(
            method="bloc-star", seats=1, tie_order=order)).result
        for order in ("after-exclusions", "before-exclusions")
    }
    assert r["after-exclusions"]["elected"] == ["A"]
    assert r["before-exclusions"]["elected"] == ["B"]
    assert r["after-exclusions"]["ties"] == r["before-exclusions"]["ties"] == []
    assert sorted(r["before-exclusions"]["rounds"][0]["finalists"]) == ["B", "X"]


def test_bloc_star_recount_then_requalification() -> None:
    """Recount without the disqualified, then, with too few left to fill the seats,
    re-qualify them in the order they were disqualified (their rank in the first count)."""
    roster = Roster(tuple(Person(n, frozenset(["acme"]) if n in "ABCD" else frozenset())
                          for n in "ABCDE"))
    ballots = ballots_from_marks([{"A": 5, "B": 4, "C": 3, "D": 2, "E": 1},
                                  {"A": 4, "B": 5, "C": 3, "D": 1, "E": 2},
                                  {"A": 5, "B": 3, "C": 4, "D": 2, "E": 0}])
    r = count_ballots(ballots, roster, TallyOptions(
        method="bloc-star", seats=4, star_disqualified="recount", partial_cap="requalify")).result
    assert [d["name"] for d in r["disqualified"]] == ["C", "D"]
    assert r["rules"][2] == "count re-run from round 1 without disqualified C, D"
    assert {n for rnd in r["rounds"] for n, _ in rnd["scoring"]} == {"A", "B", "E"}
    assert r["requalified"] == [{"name": "C", "entities": ["acme"]}]
    assert r["elected"] == ["A", "B", "E", "C"]
    assert any("C: re-qualified in vote rank order" in rule for rule in r["rules"])
    # Skipping reaches the same council here, but its rounds still hold C and D.
    skip = count_ballots(ballots, roster, TallyOptions(
        method="bloc-star", seats=4, partial_cap="requalify")).result
    assert skip["elected"] == r["elected"] and skip["requalified"] == r["requalified"]
    assert {n for rnd in skip["rounds"] for n, _ in rnd["scoring"]} >= {"C", "D"}
