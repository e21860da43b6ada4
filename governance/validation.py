"""Ballot validation: every ballot is counted or rejected by a named, documented rule.

Rules (``docs/spec-notes/pep772-ballot-validation.rst``):

- ``unknown-candidate``: a non-zero mark for a name not on the candidate list rejects
  the ballot; a zero mark for such a name is dropped and the ballot counted.
- ``out-of-range``: a mark that is not an integer from 0 to the maximum rejects the ballot.
- ``duplicate-ballot-id``: identical copies after the first are rejected; when copies
  differ, every copy is rejected (nobody can tell which one is genuine).
- ``not-on-roll``: with a roll, a ballot from an elector not on it is rejected.
- ``duplicate-elector``: with electors, an elector's second and later ballots are rejected.
- ``blank``: a ballot with no non-zero mark is counted as cast (turnout, quorum) and adds
  nothing to any total.
- ``all-equal``: a ballot giving every candidate the same non-zero mark is counted; it adds
  the same to every total and expresses no head-to-head preference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from wheelnext.governance.ballots import APPROVAL_MARKS, EMPTY_MARKS, BallotFile, RawBallot

REJECTING_RULES = (
    "unknown-candidate", "out-of-range", "duplicate-ballot-id", "not-on-roll", "duplicate-elector",
)
COUNTING_RULES = ("blank", "all-equal", "unknown-candidate-zero")


@dataclass(frozen=True)
class Finding:
    """One ballot's brush with a rule: ``counted`` says whether it still counts."""

    ballot_id: str
    rule: str
    counted: bool
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "ballot": self.ballot_id, "rule": self.rule, "counted": self.counted,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ValidBallots:
    """Counted ballots as rows of integer marks aligned with ``candidates``."""

    candidates: tuple[str, ...]
    rows: tuple[tuple[int, ...], ...]
    maximum: int
    findings: tuple[Finding, ...]
    read: int

    @property
    def cast(self) -> int:
        """Ballots counted as cast (valid ones, blank ones included)."""
        return len(self.rows)

    @property
    def rejected(self) -> int:
        return sum(1 for f in self.findings if not f.counted)


def _mark(value: object, maximum: int) -> int | None:
    """A mark's value, or None if it is not one of the documented spellings: an integer,
    ASCII digits (``int()`` would also take ``+1``, ``0_5`` and other scripts' digits such
    as ``٥``), an empty mark, or with ``maximum`` 1 an approval mark; case and surrounding
    spaces do not matter. A boolean reads as its spelling ``true``/``false``."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, int):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str):
        return None  # floats and anything else are not exact marks
    text = value.strip().lower()
    if text in EMPTY_MARKS:
        return 0
    if maximum == 1 and text in APPROVAL_MARKS:
        return 1
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


#: Spelled-out marks beyond this are left to ``_mark`` (the fast path's table stays small).
SPELLING_LIMIT = 1000


def spellings(maximum: int) -> dict[str, int]:
    """Every text mark ``_mark`` reads, without stripping or case folding, to its value.

    The table holds only strings ``_mark`` maps to the same value: ``str(i)`` for
    ``0 <= i <= maximum``, the empty marks, and the approval marks when ``maximum`` is 1.
    """
    table = {str(i): i for i in range(min(maximum, SPELLING_LIMIT) + 1)}
    table.update(dict.fromkeys(EMPTY_MARKS, 0))
    if maximum == 1:
        table.update(dict.fromkeys(APPROVAL_MARKS, 1))
    return table


def _fast_row(
    marks: Mapping[str, str | int],
    names: Sequence[str],
    known: KeysView[str],
    getter: Callable[[Mapping[str, str | int]], Any] | None,
    maximum: int,
    spelled: Mapping[str, int] | None = None,
) -> tuple[tuple[int, ...], int, int] | None:
    """The row of a ballot whose marks are all in-range integers for known candidates.

    Written by hand for speed (the rules are the slow path's): C-level lookups; text
    marks are read through the ``spelled`` table (see ``spellings``), which only has
    ``str`` keys, so an int, float or odd spelling misses it; ``type(sum(row)) is int``
    rejects floats and other non-integers in one step; any other ballot returns None
    and takes the slow path, which names the problem.
    """
    if getter is not None and len(marks) == len(names):
        try:
            raw = getter(marks)
        except KeyError:
            return None
    elif marks.keys() <= known:
        raw = tuple(marks.get(n, "" if spelled is not None else 0) for n in names)
        if spelled is not None and "" in raw:
            try:
                return _checked(tuple(map(spelled.__getitem__, raw)), maximum)
            except (KeyError, TypeError):
                raw = tuple(marks.get(n, 0) for n in names)
    else:
        return None
    if not raw:
        return None
    if spelled is not None:
        try:
            return _checked(tuple(map(spelled.__getitem__, raw)), maximum)
        except (KeyError, TypeError):
            pass
    return _checked(raw, maximum)


def _checked(row: Sequence[Any], maximum: int) -> tuple[tuple[int, ...], int, int] | None:
    """``row`` with its lowest and highest mark, if every mark is an integer 0..maximum."""
    if not row:
        return None
    try:
        lo, hi = min(row), max(row)
        if lo >= 0 and hi <= maximum and type(sum(row)) is int and bool not in map(type, row):
            return cast("tuple[int, ...]", tuple(row)), lo, hi
    except TypeError:
        return None
    return None


def _note_shape(lo: int, hi: int, size: int, ballot_id: str, findings: list[Finding]) -> None:
    """Record blank and all-equal ballots (from their lowest and highest mark); both count."""
    if hi == 0:
        findings.append(Finding(ballot_id, "blank", True, "no non-zero mark: counted as cast only"))
    elif size > 1 and lo == hi:
        findings.append(Finding(ballot_id, "all-equal", True,
                                f"every candidate marked {hi}: counted"))


def validate(
    ballot_file: BallotFile,
    maximum: int,
    candidates: Sequence[str] | None = None,
    roll: Iterable[str] | None = None,
    *,
    fast: bool = True,
) -> ValidBallots:
    """Apply every rule above; the result lists each finding, counted or not.

    ``fast=False`` reads every mark through ``_mark`` (the reference the fast paths are
    tested against).
    """
    names = tuple(candidates) if candidates is not None else ballot_file.candidates
    index = {name: i for i, name in enumerate(names)}
    roll_set = set(roll) if roll is not None else None
    findings: list[Finding] = []
    by_id: dict[str, list[RawBallot]] = {}
    if len({b.ballot_id for b in ballot_file.ballots}) != len(ballot_file.ballots):
        for ballot in ballot_file.ballots:
            by_id.setdefault(ballot.ballot_id, []).append(ballot)
    dropped: set[int] = set()
    for ballot_id, copies in by_id.items():
        if len(copies) == 1:
            continue
        first = copies[0]
        identical = all(c.marks == first.marks and c.elector == first.elector for c in copies)
        doomed = copies[1:] if identical else copies
        for c in doomed:
            dropped.add(id(c))
        # One finding per rejected copy, so that read == counted + rejected.
        for number, _copy in enumerate(doomed, start=2 if identical else 1):
            findings.append(
                Finding(
                    ballot_id, "duplicate-ballot-id", False,
                    f"copy {number} of {len(copies)}, "
                    + ("identical to the first, which is counted" if identical
                       else "copies differ: all rejected"),
                )
            )
    known = index.keys()
    getter: Callable[[Mapping[str, str | int]], Any] | None = (
        itemgetter(*names) if len(names) > 1 else None
    )
    spelled = spellings(maximum)
    spelled_at = spelled.__getitem__
    width = len(names)
    rows: list[tuple[int, ...]] = []
    electors_seen: set[str] = set()
    for ballot in ballot_file.ballots:
        if id(ballot) in dropped:
            continue
        bid = ballot.ballot_id
        if roll_set is not None and (ballot.elector is None or ballot.elector not in roll_set):
            findings.append(
                Finding(bid, "not-on-roll", False, f"elector {ballot.elector!r} not on the roll")
            )
            continue
        if ballot.elector is not None:
            if ballot.elector in electors_seen:
                findings.append(
                    Finding(bid, "duplicate-elector", False,
                            f"elector {ballot.elector!r} already cast a ballot")
                )
                continue
            electors_seen.add(ballot.elector)
        marks = ballot.marks
        if fast and getter is not None and len(marks) == width:
            # The common ballot, inlined for speed: every candidate written in a known spelling.
            try:
                row_ = tuple(map(spelled_at, getter(marks)))
            except (KeyError, TypeError):
                pass
            else:
                lo, hi = min(row_), max(row_)
                if lo >= 0 and hi <= maximum:
                    if hi == 0 or lo == hi:
                        _note_shape(lo, hi, width, bid, findings)
                    rows.append(row_)
                    continue
        quick = _fast_row(marks, names, known, getter, maximum, spelled) if fast else None
        if quick is not None:
            _note_shape(quick[1], quick[2], width, bid, findings)
            rows.append(quick[0])
            continue
        row = [0] * len(names)
        problem: Finding | None = None
        notes: list[Finding] = []
        for name, raw in ballot.marks.items():
            value = _mark(raw, maximum)
            if value is None:
                problem = Finding(bid, "out-of-range", False,
                                  f"mark {raw!r} for {name!r} is not an integer 0..{maximum}")
                break
            if name not in index:
                if value:
                    problem = Finding(bid, "unknown-candidate", False,
                                      f"mark {value} for unknown candidate {name!r}")
                    break
                notes.append(Finding(bid, "unknown-candidate-zero", True,
                                     f"zero mark for unknown candidate {name!r} dropped"))
                continue
            row[index[name]] = value
        if problem is not None:
            findings.append(problem)
            continue
        findings.extend(notes)
        _note_shape(min(row, default=0), max(row, default=0), len(names), bid, findings)
        rows.append(tuple(row))
    return ValidBallots(names, tuple(rows), maximum, tuple(findings), len(ballot_file.ballots))
