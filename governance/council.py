"""PEP 772 council rules: eligibility, the two-per-entity limit, cohorts and quorum.

Quotations are from PEP 772, "Specification" (Processes, Term, Conflicts of interest).
Each open reading is an option whose default is argued in ``docs/spec-notes/pep772-*.rst``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.files import parse_json, read_lines, read_text
from wheelnext.governance.ties import TieBreaker

COUNCIL_SEATS = 5  # "The Packaging Council will be composed of five individuals."
ENTITY_LIMIT = 2  # "No more than two Packaging Council members may be employed by ..."
COHORT_A = 2  # "the two candidates receiving the highest number of votes shall be ... Cohort A"
#: Which sitting members count toward the entity limit in a partial election
#: (``docs/spec-notes/pep772-entity-limit.rst``): the members who continue after it, or the
#: whole council as it sits before it (continuing plus outgoing members).
SITTING_COUNTS = ("continuing", "all")
#: Whether equal-vote ties are broken before or after ineligible candidates are excluded
#: (``docs/spec-notes/pep772-ties.rst``).
TIE_ORDERS = ("after-exclusions", "before-exclusions")
#: Partial elections: keep the whole-council guarantee (a seat that cannot be filled without
#: breaking it stays vacant) or re-qualify as in a whole-council election
#: (``docs/spec-notes/pep772-entity-limit.rst``).
PARTIAL_CAPS = ("guarantee", "requalify")


@dataclass(frozen=True)
class Person:
    """A candidate or sitting member and the entities they work for or have power over.

    PEP 772: "'employed by' includes other forms of receiving compensation for current
    work ... 'decision-making power over' an entity includes holding officer/director
    roles and 25% or more ownership stake."
    """

    name: str
    entities: frozenset[str] = frozenset()
    psf_staff: bool = False
    steering_council: bool = False
    #: The entities as the candidates file spells them (``entities`` holds them case-folded,
    #: for comparison); reports show these.
    entity_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Roster:
    """Who stands, who already sits and continues, and whose seats are up (outgoing)."""

    candidates: tuple[Person, ...]
    sitting: tuple[Person, ...] = ()
    outgoing: tuple[Person, ...] = ()

    def counted(self, sitting_count: str) -> tuple[Person, ...]:
        """The sitting members whose entities count before the walk (``--sitting-count``).

        With ``all``, an outgoing member who stands again counts only as a candidate, so
        that nobody is counted against their own re-election.
        """
        if sitting_count == "continuing":
            return self.sitting
        if sitting_count == "all":
            standing = {p.name for p in self.candidates}
            return self.sitting + tuple(p for p in self.outgoing if p.name not in standing)
        raise GovernanceError(
            f"--sitting-count: unknown value {sitting_count!r} (use {' or '.join(SITTING_COUNTS)})"
        )

    def label(self, entity: str) -> str:
        """How the candidates file first spells a case-folded ``entity``."""
        for p in (*self.candidates, *self.sitting, *self.outgoing):
            for written in p.entity_names:
                if written.casefold() == entity:
                    return written
        return entity

    def person(self, name: str) -> Person:
        for p in self.candidates:
            if p.name == name:
                return p
        return Person(name)


def _person(item: Any, source: str) -> Person:
    if isinstance(item, str):
        return Person(item)
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise GovernanceError(f"{source}: each candidate needs a 'name'")
    entities = item.get("entities", [])
    if isinstance(entities, str):
        entities = [entities]
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise GovernanceError(f"{source}: {item['name']}: 'entities' must be a list of names")
    return Person(
        item["name"],
        frozenset(e.strip().casefold() for e in entities if e.strip()),
        bool(item.get("psf_staff", False)),
        bool(item.get("steering_council", False)),
        tuple(e.strip() for e in entities if e.strip()),
    )


def load_roster(path: Path) -> Roster:
    """A JSON candidates file (``candidates``, ``sitting`` and ``outgoing`` lists) or one
    name per line."""
    if path.suffix.lower() == ".json":
        data = parse_json(read_text(path), str(path))
        if not isinstance(data, dict) or not isinstance(data.get("candidates"), list):
            raise GovernanceError(f"{path}: expected an object with a 'candidates' list")
        cands = tuple(_person(i, str(path)) for i in data["candidates"])
        lists: dict[str, tuple[Person, ...]] = {}
        for key in ("sitting", "outgoing"):
            items = data.get(key, [])
            if not isinstance(items, list):
                raise GovernanceError(f"{path}: '{key}' must be a list")
            lists[key] = tuple(_person(i, str(path)) for i in items)
        sitting, outgoing = lists["sitting"], lists["outgoing"]
    else:
        cands = tuple(Person(line) for line in read_lines(path))
        sitting = outgoing = ()
    names = [c.name for c in cands]
    if len(set(names)) != len(names):
        raise GovernanceError(f"{path}: a candidate is listed twice")
    if {p.name for p in sitting} & {p.name for p in outgoing}:
        raise GovernanceError(f"{path}: a member is listed as both sitting and outgoing")
    return Roster(cands, sitting, outgoing)


@dataclass(frozen=True)
class Quorum:
    """PEP 772: "Quorum for Packaging Council votes ... is 50% of Electors."."""

    electors: int | None
    cast: int
    rule: str = "at-least-half"

    @property
    def met(self) -> bool | None:
        if self.electors is None:
            return None
        if self.rule == "more-than-half":
            return 2 * self.cast > self.electors
        return 2 * self.cast >= self.electors

    def to_json(self) -> dict[str, object]:
        return {"electors": self.electors, "cast": self.cast, "rule": self.rule, "met": self.met}


class Count(Protocol):
    """What a voting method gives the council rules."""

    method: str
    totals: dict[str, int]
    rounds: list[dict[str, object]]

    def votes(self, name: str) -> int: ...

    def tiers(self, eligible: Sequence[str]) -> Iterator[list[str]]: ...


@dataclass
class Seating:
    """The outcome of the council rules and every rule they applied."""

    elected: list[str] = field(default_factory=list)
    rank: list[str] = field(default_factory=list)
    excluded: list[dict[str, str]] = field(default_factory=list)
    disqualified: list[dict[str, object]] = field(default_factory=list)
    requalified: list[dict[str, object]] = field(default_factory=list)
    cohorts: dict[str, list[str]] | None = None
    rules: list[str] = field(default_factory=list)
    ordered_tiers: list[frozenset[str]] = field(default_factory=list)


def _blocked(person: Person, counts: Mapping[str, int]) -> list[str]:
    return sorted(e for e in person.entities if counts.get(e, 0) >= ENTITY_LIMIT)


def seat(
    count: Count,
    roster: Roster,
    seats: int,
    ties: TieBreaker,
    cohort_by: str = "rank",
    recounted_without: Sequence[Mapping[str, object]] = (),
    sitting_count: str = "continuing",
    tie_order: str = "after-exclusions",
    partial_cap: str = "guarantee",
) -> Seating:
    """Apply eligibility, the entity limit (with re-qualification) and cohorts.

    The entity limit is one walk down the rank order that seats a candidate unless one of
    their entities already has two members, and disqualifies them otherwise. For candidates
    who each name at most one entity this is the PEP's repeated procedure ("only the top two
    such vote-getters are elected and the others are disqualified, with the remaining
    vote-getters elevated in the vote rank. This process is repeated until a valid
    Packaging Council is formed."); where a candidate names several, the walk settles in
    rank order what the repeated procedure leaves contradictory (a candidate among "the top
    two" of one entity yet disqualified by another): see ``pep772-entity-limit``.

    Whole-council election (``seats`` is five): "If after this process a full Council
    cannot be formed, disqualified vote-getters are re-qualified in the rank order of their
    vote tally until a full Council can be formed."

    Partial election (fewer seats): "an analogous procedure is applied in order to
    guarantee that no more than two members of the entire Packaging Council work for the
    same employer". Sitting members count first (which ones is ``sitting_count``). With
    ``partial_cap="guarantee"`` (default) nobody is re-qualified, since that would break the
    guarantee: a seat left over stays vacant, to be filled as normal (PEP 772, Vacancies);
    ``"requalify"`` re-qualifies as in a whole-council election.

    ``recounted_without`` lists candidates disqualified in an earlier count that this
    count was re-run without (Bloc STAR ``--star-disqualified recount``); they stay
    disqualified and come first if re-qualification is needed.

    ``tie_order``: a tie is settled only where it decides a seat or a disqualification;
    ``after-exclusions`` judges that among eligible candidates only; ``before-exclusions``
    walks every candidate, judges and settles each tie with the ineligible still in it, then
    skips the ineligible (for Bloc STAR they take part in the rounds).
    """
    if tie_order not in TIE_ORDERS:
        raise GovernanceError(f"--ties-before-exclusions: unknown tie order {tie_order!r}")
    if partial_cap not in PARTIAL_CAPS:
        raise GovernanceError(f"--partial-cap: unknown value {partial_cap!r}")
    before = tie_order == "before-exclusions"
    out = Seating()
    labels = roster.label
    if seats < 1:
        raise GovernanceError(f"--seats: must be at least 1, got {seats}")
    if len(roster.sitting) + seats > COUNCIL_SEATS:
        raise GovernanceError(
            f"--seats: {seats} seats plus {len(roster.sitting)} sitting members exceed "
            f"the council's {COUNCIL_SEATS}"
        )
    eligible: list[str] = []
    ineligible: set[str] = set()
    disqualified: list[str] = []
    recounted = {str(d["name"]) for d in recounted_without}
    for d in recounted_without:
        disqualified.append(str(d["name"]))
        out.disqualified.append(dict(d))
    for name in count.totals:
        if name in recounted:
            continue
        person = roster.person(name)
        if person.psf_staff or person.steering_council:
            ineligible.add(name)
        if person.psf_staff:
            out.excluded.append({"name": name, "rule": "psf-staff"})
            out.rules.append(f"{name}: excluded, 'PSF staff members are not permitted to serve'")
        elif person.steering_council:
            out.excluded.append({"name": name, "rule": "steering-council"})
            out.rules.append(
                f"{name}: excluded, 'Serving Steering Council members are not permitted to "
                "concurrently serve'"
            )
        else:
            eligible.append(name)
    entity_counts: dict[str, int] = {}
    counted = roster.counted(sitting_count)
    for member in counted:
        for e in member.entities:
            entity_counts[e] = entity_counts.get(e, 0) + 1
    if counted:
        out.rules.append(
            f"sitting members counted toward the entity limit ({sitting_count}): "
            + ", ".join(m.name for m in counted)
        )
    if before:
        out.rules.append("ties broken before exclusions: the ineligible stay in every tie")
    walked = [n for n in count.totals if n not in recounted] if before else eligible
    for tier in count.tiers(walked):
        if len(out.elected) >= seats:
            break
        room = seats - len(out.elected)
        trial = dict(entity_counts)
        fits = len(tier) <= room
        for name in tier:
            person = roster.person(name)
            if _blocked(person, trial):
                fits = False
            for e in person.entities:
                trial[e] = trial.get(e, 0) + 1
        if fits or len(tier) == 1:
            ordered = tier
        else:
            ordered = list(ties.order(
                f"equal votes ({count.votes(tier[0])}) across a seat or entity limit"
                if not before else f"equal votes ({count.votes(tier[0])}), before exclusions",
                tier,
            ))
            out.ordered_tiers.append(frozenset(tier))
        for name in ordered:
            if name in ineligible:
                continue
            out.rank.append(name)
            person = roster.person(name)
            if len(out.elected) >= seats:
                continue
            blocked = [labels(e) for e in _blocked(person, entity_counts)]
            if blocked:
                disqualified.append(name)
                out.disqualified.append({"name": name, "entities": blocked})
                out.rules.append(
                    f"{name}: disqualified, would be a third member of {', '.join(blocked)}"
                )
                continue
            out.elected.append(name)
            for e in person.entities:
                entity_counts[e] = entity_counts.get(e, 0) + 1
        if len(out.elected) >= seats:
            break
    whole = seats == COUNCIL_SEATS
    if len(out.elected) < seats and disqualified:
        if whole or partial_cap == "requalify":
            _requalify(out, disqualified, roster, entity_counts, seats)
        else:
            _keep_the_guarantee(out, disqualified)
    if len(out.elected) < seats:
        vacant = seats - len(out.elected)
        out.rules.append(
            f"only {len(out.elected)} of {seats} seats could be filled; {vacant} left vacant, "
            "to be filled as normal (PEP 772 Vacancies: the Council may appoint a replacement; "
            "the PSF Board may appoint or call new elections)"
        )
    if whole and not roster.sitting:
        out.cohorts = _cohorts(count, out, ties, cohort_by)
    return out


def _requalify(
    out: Seating, disqualified: Sequence[str], roster: Roster, entity_counts: dict[str, int],
    seats: int,
) -> None:
    """Whole-council election: "disqualified vote-getters are re-qualified in the rank order
    of their vote tally until a full Council can be formed" (each breaks the limit)."""
    for name in disqualified:
        if len(out.elected) >= seats:
            break
        person = roster.person(name)
        broken = [roster.label(e) for e in _blocked(person, entity_counts)]
        out.elected.append(name)
        if name not in out.rank:
            out.rank.append(name)  # re-qualified after a recount they took no part in
        out.requalified.append({"name": name, "entities": broken})
        for e in person.entities:
            entity_counts[e] = entity_counts.get(e, 0) + 1
        out.rules.append(
            f"{name}: re-qualified in vote rank order ('until a full Council can be formed'),"
            f" breaking the entity limit of {', '.join(broken)}"
        )


def _keep_the_guarantee(out: Seating, disqualified: Sequence[str]) -> None:
    """Partial election: "an analogous procedure is applied in order to guarantee that no
    more than two members of the entire Packaging Council work for the same employer";
    re-qualifying would break that guarantee, so the seat stays vacant."""
    out.rules.append(
        f"partial election: {', '.join(disqualified)} not re-qualified, which would break "
        "the guarantee 'that no more than two members of the entire Packaging Council "
        "work for the same employer'"
    )


def _cohorts(count: Count, out: Seating, ties: TieBreaker, by: str) -> dict[str, list[str]]:
    """Whole-council election: top two by votes are Cohort A (two years), the rest Cohort B."""
    elected, rules = out.elected, out.rules
    position = {n: i for i, n in enumerate(out.rank)}
    if by == "total":
        order = sorted(elected, key=lambda n: (-count.votes(n), position[n]))
        rules.append("cohorts by total votes (ties kept in rank order)")
    elif by == "rank":
        order = sorted(elected, key=lambda n: position[n])
        rules.append("cohorts by rank order of the count")
    else:
        raise GovernanceError(f"--cohort-by: unknown value {by!r} (use rank or total)")
    if count.method == "approval" and len(order) > COHORT_A:
        edge = count.votes(order[COHORT_A - 1])
        if count.votes(order[COHORT_A]) == edge:
            tier = [n for n in order if count.votes(n) == edge]
            if not any(set(tier) <= t for t in out.ordered_tiers):
                settled = ties.order(f"equal votes ({edge}) across the cohort A/B boundary", tier)
                start = min(order.index(n) for n in tier)
                order[start : start + len(tier)] = list(settled)
    rules.append("cohort A (two-year term): top two; cohort B (one-year term): next three")
    return {"A": order[:COHORT_A], "B": order[COHORT_A:]}
