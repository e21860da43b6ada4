"""One election, end to end: read, validate, count, apply the council rules, report.

The result is a plain JSON-able mapping, so that ``verify`` can recompute it from the
audit log and compare it field by field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wheelnext.governance.approval import ApprovalCount
from wheelnext.governance.ballots import BallotFile, load_ballots
from wheelnext.governance.council import (
    PARTIAL_CAPS,
    SITTING_COUNTS,
    TIE_ORDERS,
    Count,
    Quorum,
    Roster,
    Seating,
    load_roster,
    seat,
)
from wheelnext.governance.errors import GovernanceError, InvalidBallots
from wheelnext.governance.files import parse_json, read_lines, read_text
from wheelnext.governance.progress import ReadProgress
from wheelnext.governance.star import SCORING_TIES, BlocStarCount
from wheelnext.governance.ties import DRAWS, TieBreaker
from wheelnext.governance.validation import ValidBallots, validate

METHODS = ("approval", "bloc-star")


@dataclass(frozen=True)
class TallyOptions:
    """Every choice a tally depends on; recorded verbatim in the audit log."""

    method: str = "approval"
    seats: int = 5
    electors: int | None = None
    seed: str = ""
    draw: str = "sha256"
    quorum: str = "at-least-half"
    cohort_by: str = "rank"
    star_disqualified: str = "skip"
    max_score: int | None = None
    ballot_format: str = "auto"
    title: str = "Packaging Council election"
    sitting_count: str = "continuing"
    tie_order: str = "after-exclusions"
    partial_cap: str = "guarantee"
    star_scoring_ties: str = "matchups"

    def check(self) -> None:
        if self.method not in METHODS:
            raise GovernanceError(f"--method: unknown method {self.method!r}")
        if self.draw not in DRAWS:
            raise GovernanceError(f"--draw: unknown draw {self.draw!r}")
        if self.quorum not in ("at-least-half", "more-than-half"):
            raise GovernanceError(f"--quorum: unknown rule {self.quorum!r}")
        if self.star_disqualified not in ("skip", "recount"):
            raise GovernanceError(
                f"--star-disqualified: unknown value {self.star_disqualified!r}"
            )
        if self.cohort_by not in ("rank", "total"):
            raise GovernanceError(f"--cohort-by: unknown value {self.cohort_by!r}")
        if self.sitting_count not in SITTING_COUNTS:
            raise GovernanceError(f"--sitting-count: unknown value {self.sitting_count!r}")
        if self.tie_order not in TIE_ORDERS:
            raise GovernanceError(f"--ties-before-exclusions: unknown order {self.tie_order!r}")
        if self.partial_cap not in PARTIAL_CAPS:
            raise GovernanceError(f"--partial-cap: unknown value {self.partial_cap!r}")
        if self.star_scoring_ties not in SCORING_TIES:
            raise GovernanceError(
                f"--star-scoring-ties: unknown value {self.star_scoring_ties!r}"
            )
        if self.seats < 1:
            raise GovernanceError(f"--seats: must be at least 1, got {self.seats}")
        if self.electors is not None and self.electors < 0:
            raise GovernanceError("--electors: must not be negative")


@dataclass(frozen=True)
class TallyInputs:
    ballots: Path
    candidates: Path | None = None
    roll: Path | None = None
    agreements: Path | None = None


def _read_roll(path: Path) -> list[str]:
    return read_lines(path)


def _read_agreements(path: Path) -> list[dict[str, list[str]]]:
    data = parse_json(read_text(path), str(path))
    if not isinstance(data, list) or not all(
        isinstance(a, dict)
        and isinstance(a.get("tied"), list)
        and isinstance(a.get("chosen"), list)
        for a in data
    ):
        raise GovernanceError(f"{path}: expected a list of {{'tied': [...], 'chosen': [...]}}")
    return data


@dataclass
class Tally:
    """A finished tally: the result mapping plus what the reports need."""

    result: dict[str, Any]
    validation: ValidBallots | None
    notes: list[str] = field(default_factory=list)


def count_ballots(
    ballot_file: BallotFile,
    roster: Roster | None,
    options: TallyOptions,
    roll: list[str] | None = None,
    agreements: list[dict[str, list[str]]] | None = None,
) -> Tally:
    """Count one election from an already-read ballot file."""
    options.check()
    maximum = options.max_score or (1 if options.method == "approval" else 5)
    names = [p.name for p in roster.candidates] if roster and roster.candidates else None
    roster = roster or Roster(tuple())
    source = ballot_file.source or "ballots"
    if names is not None and ballot_file.header is not None:
        strangers = [c for c in ballot_file.header if c not in names]
        if strangers:
            raise InvalidBallots(
                f"{source}: header column {strangers[0]!r} is not on the candidate list"
            )
    ties = TieBreaker(options.seed, options.draw, agreements or [])
    counts_only = ballot_file.counts is not None
    if counts_only:
        if options.method != "approval":
            raise GovernanceError("--method: a totals-only export can only be tallied as approval")
        valid = ValidBallots(tuple(names or ballot_file.candidates), (), maximum, (), 0)
    else:
        valid = validate(ballot_file, maximum, names, roll)
    count: Count
    if options.method == "approval":
        approval = ApprovalCount(valid, ties)
        if counts_only:
            assert ballot_file.counts is not None
            for name in approval.totals:
                approval.totals[name] = ballot_file.counts.get(name, 0)
        count = approval
    else:
        count = BlocStarCount(valid, ties, options.star_scoring_ties)
    cast = ballot_file.cast if counts_only and ballot_file.cast is not None else valid.cast
    nothing = (cast == 0 and not any((ballot_file.counts or {}).values())
               if counts_only else valid.cast == 0)
    if nothing:
        raise InvalidBallots(
            f"{source}: no ballot could be counted ({valid.read} read, {valid.rejected} "
            "rejected); an election needs at least one counted ballot"
        )
    if options.electors is not None and cast > options.electors:
        raise GovernanceError(
            f"--electors: {cast} ballots counted but only {options.electors} electors"
        )
    quorum = Quorum(options.electors, cast, options.quorum)
    if quorum.met is False:
        seating = Seating()  # "Quorum ... is 50% of Electors": nothing to seat, nothing to draw
    else:
        seating = seat(count, roster, options.seats, ties, options.cohort_by,
                       sitting_count=options.sitting_count, tie_order=options.tie_order,
                       partial_cap=options.partial_cap)
    recounts = 0
    while (
        options.method == "bloc-star"
        and options.star_disqualified == "recount"
        and quorum.met is not False
        and len(seating.disqualified) > recounts
    ):
        # Re-run every round without the disqualified (see pep772-votes-under-star).
        without = list(seating.disqualified)
        recounts = len(without)
        count = BlocStarCount(valid, ties, options.star_scoring_ties)
        seating = seat(count, roster, options.seats, ties, options.cohort_by, without,
                       options.sitting_count, options.tie_order, options.partial_cap)
        seating.rules.insert(0, "count re-run from round 1 without disqualified "
                             + ", ".join(str(d["name"]) for d in without))
    result: dict[str, Any] = {
        "title": options.title,
        "method": options.method,
        "seats": options.seats,
        "maximum_score": maximum,
        "ballots_read": valid.read,
        "ballots_cast": cast,
        "ballots_rejected": valid.rejected,
        "quorum": quorum.to_json(),
        "valid": quorum.met is not False,
        "totals": dict(count.totals),
        "rounds": count.rounds,
        "rank": seating.rank,
        "excluded": seating.excluded,
        "disqualified": seating.disqualified,
        "requalified": seating.requalified,
        "elected": seating.elected if quorum.met is not False else [],
        "vacancies": options.seats - len(seating.elected) if quorum.met is not False else 0,
        "cohorts": seating.cohorts if quorum.met is not False else None,
        "ties": [t.to_json() for t in ties.ties],
        "rules": seating.rules,
        "findings": [f.to_json() for f in valid.findings],
        "notes": list(ballot_file.notes),
    }
    result["rules"][:0] = [
        ("method: approval, top N by count (PSF Board procedure)" if options.method == "approval"
         else "method: Multi-winner Bloc STAR, official STAR tie-breaking protocol"
         + ("" if options.star_scoring_ties == "matchups"
            else f" (scoring-round ties: {options.star_scoring_ties})")),
        f"validation: {valid.cast} ballots counted, {valid.rejected} rejected",
    ]
    if quorum.met is True:
        result["rules"].append(
            f"quorum met: {cast} of {options.electors} electors cast ballots "
            f"(rule {options.quorum})"
        )
    elif quorum.met is None:
        result["rules"].append("quorum not checked: number of electors not given")
    if quorum.met is False:
        result["rules"].append(
            f"quorum not met: {cast} of {options.electors} electors cast ballots "
            f"(rule {options.quorum}); no one is elected"
        )
    return Tally(result, valid)


def run_tally(
    inputs: TallyInputs, options: TallyOptions, progress: ReadProgress | None = None
) -> Tally:
    """Read every input file and count; ``progress`` hears how the ballot file is read."""
    options.check()
    ballot_file = load_ballots(inputs.ballots, options.ballot_format, progress)
    roster = load_roster(inputs.candidates) if inputs.candidates else None
    roll = _read_roll(inputs.roll) if inputs.roll else None
    electors = options.electors
    if roll is not None and electors is None:
        options = TallyOptions(**{**asdict(options), "electors": len(roll)})
    agreements = _read_agreements(inputs.agreements) if inputs.agreements else None
    return count_ballots(ballot_file, roster, options, roll, agreements)
