"""Ballots and the ballot files they come from.

A ballot maps candidate names to integer marks: 1 for an approval, 0 to the
maximum score for STAR. An omitted candidate and a written zero are the same
ballot (see ``docs/spec-notes/pep772-ballot-validation.rst``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from wheelnext.governance.errors import GovernanceError, InvalidBallots
from wheelnext.governance.files import parse_json, read_text
from wheelnext.governance.progress import STEP, ReadProgress

#: CSV cells that mean "approved" in an approval ballot.
APPROVAL_MARKS = frozenset({"1", "x", "yes", "y", "true", "approve", "approved", "✓"})
#: CSV cells that mean "not approved".
EMPTY_MARKS = frozenset({"", "0", "no", "n", "false", "-"})
#: Spellings of the ballot id column (compared after ``column_key``), preferred first.
ID_COLUMNS = ("ballot_id", "ballot", "ballotid", "ballot_number", "ballot_no", "id")
#: Spellings of the elector column, preferred first.
ELECTOR_COLUMNS = ("elector", "voter", "voter_id", "elector_id")
#: Columns of ballot exports that are metadata, never candidates.
METADATA_COLUMNS = frozenset(
    {
        *ID_COLUMNS, *ELECTOR_COLUMNS, "date_submitted", "date", "precinct",
        "status", "timestamp", "ip_hash", "election_id", "user_id", "submitted",
    }
)
#: Delimiters a ballot CSV may use; the header row says which (the most frequent one).
DELIMITERS = (",", ";", "\t")


#: Refuse ballot files that expand to more ballots than any election has electors.
MAX_BALLOTS = 10_000_000


@dataclass(frozen=True, slots=True)
class RawBallot:
    """One ballot as read, before validation: marks may be anything the file held."""

    ballot_id: str
    marks: Mapping[str, str | int]
    elector: str | None = None


@dataclass(frozen=True)
class BallotFile:
    """What a ballot file holds: the candidates it names and its raw ballots.

    ``counts`` is set instead of ``ballots`` for exports that publish only totals
    (Helios results): such a file can be tallied but not validated ballot by ballot.
    """

    format: str
    candidates: tuple[str, ...]
    ballots: tuple[RawBallot, ...] = ()
    counts: Mapping[str, int] | None = None
    cast: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Where the ballots came from (a path), for error messages.
    source: str = ""
    #: For CSV exports, the candidate columns of the header as written.
    header: tuple[str, ...] | None = None


#: Cells the CSV fast path keeps as they are: non-empty, nothing to strip. Any other cell
#: sends its row through the precise path (same ballots, same errors, just slower).
PLAIN_CELLS = frozenset(
    {str(i) for i in range(11)}
    | {m for m in APPROVAL_MARKS | EMPTY_MARKS if m}
    | {m.upper() for m in APPROVAL_MARKS | EMPTY_MARKS if m}
    | {m.capitalize() for m in APPROVAL_MARKS | EMPTY_MARKS if m}
)


def _cell(value: str) -> str:
    return value.strip()


def column_key(header_cell: str) -> str:
    """A header cell as a metadata column name: case, spaces and hyphens do not matter."""
    return "_".join(header_cell.strip().lower().replace("-", " ").split())


def _delimiter(text: str) -> str:
    """The delimiter of a CSV ballot file: whichever of ``DELIMITERS`` its header row uses
    most (a comma when none appears, as in a one-candidate file)."""
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _precise_row(
    row: list[str],
    row_number: int,
    source: str,
    width: int,
    cand_cols: Sequence[int],
    names: Sequence[str],
    id_col: int | None,
    elector_col: int | None,
) -> RawBallot | None:
    """One CSV row as a ballot, cell by cell; None for an empty line.

    A row of empty cells (``,,``) is a blank ballot: "blank ... counted as cast"
    (``docs/spec-notes/pep772-ballot-validation.rst``); only a line with no cells at all, or
    only spaces, is skipped.
    """
    if len(row) != width and not any(c.strip() for c in row):
        return None
    if len(row) != width:
        raise InvalidBallots(f"{source}: row {row_number} has {len(row)} cells, header has {width}")
    ballot_id = _cell(row[id_col]) if id_col is not None else f"row-{row_number}"
    elector = _cell(row[elector_col]) if elector_col is not None else None
    marks: dict[str, str | int] = {}
    for i, name in zip(cand_cols, names, strict=True):
        cell = _cell(row[i])
        if cell:
            marks[name] = cell
    return RawBallot(ballot_id or f"row-{row_number}", marks, elector or None)


def read_csv(
    text: str,
    source: str,
    fmt: str = "csv",
    progress: ReadProgress | None = None,
    *,
    fast: bool = True,
) -> BallotFile:
    """One row per ballot; a column per candidate; optional ballot id and elector columns.

    The delimiter is a comma, semicolon or tab, whichever the header row uses most; the id
    column may be spelled as in ``ID_COLUMNS`` (``ballot_id``, ``ballot``, ``Ballot ID``...).
    ``fast=False`` reads every row cell by cell (the reference the fast path is tested against).
    """
    try:
        return _read_csv(text, source, fmt, progress, fast)
    except csv.Error as exc:
        raise InvalidBallots(f"{source}: not a readable CSV file ({exc})") from None


def _read_csv(
    text: str, source: str, fmt: str, progress: ReadProgress | None, fast: bool
) -> BallotFile:
    expected = max(text.count("\n") - 1, 0)  # rows, for progress: a cell may hold a newline
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = [_cell(h) for h in next(reader)]
    except StopIteration:
        raise InvalidBallots(f"{source}: empty CSV, expected a header row") from None
    lowered = [column_key(h) for h in header]
    id_col = next((lowered.index(n) for n in ID_COLUMNS if n in lowered), None)
    elector_col = next((lowered.index(n) for n in ELECTOR_COLUMNS if n in lowered), None)
    cand_cols = [i for i, h in enumerate(lowered) if h not in METADATA_COLUMNS]
    if not cand_cols:
        raise InvalidBallots(f"{source}: header names no candidate columns")
    names = [header[i] for i in cand_cols]
    for name in names:
        if ";" in name or "\t" in name:
            raise InvalidBallots(
                f"{source}: header cell {name!r} looks like several columns; use one "
                "delimiter (comma, semicolon or tab) throughout"
            )
    if any(not n for n in names):
        raise InvalidBallots(f"{source}: a candidate column has an empty header")
    if len(set(names)) != len(names):
        raise InvalidBallots(f"{source}: a candidate column appears twice in the header")
    ballots: list[RawBallot] = []
    width = len(header)
    # Written by hand for speed: a row whose candidate cells are all PLAIN_CELLS needs no
    # strip and omits no cell, so its marks are the cells as read; the ballot equals what
    # _precise_row builds. Any other row takes _precise_row.
    cells_of = itemgetter(*cand_cols) if len(cand_cols) > 1 else None
    plain = PLAIN_CELLS.issuperset
    append = ballots.append
    for row_number, row in enumerate(reader, start=2):
        if fast and len(row) == width:
            cells = cells_of(row) if cells_of is not None else (row[cand_cols[0]],)
            if plain(cells):
                ballot_id = _cell(row[id_col]) if id_col is not None else ""
                elector = _cell(row[elector_col]) if elector_col is not None else None
                append(RawBallot(ballot_id or f"row-{row_number}",
                                 dict(zip(names, cells, strict=True)), elector or None))
                if progress is not None and len(ballots) % STEP == 0:
                    progress.update(len(ballots), max(expected, len(ballots)))
                continue
        ballot = _precise_row(row, row_number, source, width, cand_cols, names, id_col,
                              elector_col)
        if ballot is None:
            continue
        append(ballot)
        if progress is not None and len(ballots) % STEP == 0:
            progress.update(len(ballots), max(expected, len(ballots)))
    if progress is not None:
        progress.update(len(ballots), len(ballots))
    return BallotFile(fmt, tuple(names), tuple(ballots), source=source, header=tuple(names))


def read_json(data: Any, source: str, progress: ReadProgress | None = None) -> BallotFile:
    """Our JSON: ``{"candidates": [...], "ballots": [{"id", "elector", "scores"|"approved"}]}``."""
    if not isinstance(data, dict) or not isinstance(data.get("ballots"), list):
        raise InvalidBallots(f"{source}: expected an object with a 'ballots' list")
    candidates = data.get("candidates", [])
    if not isinstance(candidates, list) or not all(isinstance(c, str) for c in candidates):
        raise InvalidBallots(f"{source}: 'candidates' must be a list of names")
    ballots: list[RawBallot] = []
    for n, item in enumerate(data["ballots"], start=1):
        if not isinstance(item, dict):
            raise InvalidBallots(f"{source}: ballots[{n - 1}] is not an object")
        ballot_id = str(item.get("id", f"ballot-{n}"))
        elector = item.get("elector")
        marks: dict[str, str | int] = {}
        if "scores" in item:
            scores = item["scores"]
            if not isinstance(scores, dict):
                raise InvalidBallots(f"{source}: ballots[{n - 1}].scores is not an object")
            for name, value in scores.items():
                marks[str(name)] = _json_mark(value)
        elif "approved" in item:
            approved = item["approved"]
            if not isinstance(approved, list):
                raise InvalidBallots(f"{source}: ballots[{n - 1}].approved is not a list")
            for name in approved:
                marks[str(name)] = 1
        else:
            raise InvalidBallots(f"{source}: ballots[{n - 1}] has neither 'scores' nor 'approved'")
        ballots.append(RawBallot(ballot_id, marks, str(elector) if elector is not None else None))
        if progress is not None and n % STEP == 0:
            progress.update(n, len(data["ballots"]))
    if progress is not None:
        progress.update(len(ballots), len(ballots))
    seen = list(candidates)
    for b in ballots:
        seen.extend(c for c in b.marks if c not in seen)
    return BallotFile("json", tuple(dict.fromkeys(seen)), tuple(ballots), source=source)


def _json_mark(value: object) -> str | int:
    """A JSON score as a mark: an integer stays one; ``true``/``false`` are the documented
    spellings ``"true"``/``"false"``; anything else is its text (validated later)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    return str(value)


def read_helios(data: Mapping[str, Any], source: str) -> BallotFile:
    """A Helios election with its published result: totals only (ballots are encrypted).

    Assumed shape (Helios' public election JSON plus its ``result``):
    ``{"questions": [{"answers": [...]}], "result": [[count, ...]]}``; the first question counts.
    """
    try:
        answers = [str(a) for a in data["questions"][0]["answers"]]
        result = list(data["result"][0])
    except (KeyError, IndexError, TypeError, ValueError):
        raise InvalidBallots(
            f"{source}: Helios export needs questions[0].answers and result[0]"
        ) from None
    if len(answers) != len(result):
        raise InvalidBallots(f"{source}: Helios answers and result[0] differ in length")
    for answer, count in zip(answers, result, strict=True):
        if type(count) is not int or count < 0:
            raise InvalidBallots(
                f"{source}: Helios result[0] count {count!r} for {answer!r} is not a whole "
                "number of votes"
            )
    cast = data.get("num_cast_votes", data.get("cast"))
    if cast is not None and (type(cast) is not int or cast < 0):
        raise InvalidBallots(f"{source}: Helios num_cast_votes {cast!r} is not a whole number")
    if cast is not None:
        above = [a for a, c in zip(answers, result, strict=True) if c > cast]
        if above:
            raise InvalidBallots(
                f"{source}: Helios count for {above[0]!r} is above the {cast} ballots cast"
            )
    return BallotFile(
        "helios",
        tuple(answers),
        counts=dict(zip(answers, result, strict=True)),
        cast=cast,
        notes=("Helios publishes totals only: ballots could not be validated one by one.",),
        source=source,
    )


def read_blt(text: str, source: str, progress: ReadProgress | None = None) -> BallotFile:
    """OpaVote's ballot export in BLT format (from OpenSTV): weights then candidate numbers.

    For approval contests each ballot line lists the approved candidates in any order.
    """
    tokens_lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in tokens_lines if line]
    if not lines:
        raise InvalidBallots(f"{source}: empty BLT file")
    try:
        ncand = int(lines[0].split()[0])
    except (ValueError, IndexError):
        raise InvalidBallots(f"{source}: first BLT line must be '<candidates> <seats>'") from None
    if ncand < 0:
        raise InvalidBallots(f"{source}: BLT candidate count must not be negative")
    i = 1
    if i < len(lines) and lines[i].startswith("-"):
        i += 1  # withdrawn candidates line
    raw: list[tuple[int, list[int]]] = []
    while i < len(lines) and lines[i] != "0":
        parts = lines[i].split()
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise InvalidBallots(f"{source}: BLT ballot line {lines[i]!r} is not numbers") from None
        if not numbers or numbers[-1] != 0:
            raise InvalidBallots(f"{source}: BLT ballot line {lines[i]!r} must end with 0")
        if numbers[0] < 1:
            raise InvalidBallots(f"{source}: BLT ballot line {lines[i]!r} has weight below 1")
        raw.append((numbers[0], numbers[1:-1]))
        i += 1
    if i >= len(lines):
        raise InvalidBallots(f"{source}: BLT ballots must end with a line '0'")
    names = [line.strip().strip('"') for line in lines[i + 1 : i + 1 + ncand]]
    if len(names) != ncand:
        raise InvalidBallots(f"{source}: BLT file lists {len(names)} names, header says {ncand}")
    if sum(weight for weight, _ in raw) > MAX_BALLOTS:
        raise InvalidBallots(f"{source}: BLT weights add up to more than {MAX_BALLOTS} ballots")
    ballots: list[RawBallot] = []
    counter = 0
    total = sum(weight for weight, _ in raw)
    for weight, prefs in raw:
        for _ in range(weight):
            counter += 1
            marks: dict[str, str | int] = {}
            for number in prefs:
                if not 1 <= number <= ncand:
                    marks[f"#{number}"] = 1
                else:
                    marks[names[number - 1]] = 1
            ballots.append(RawBallot(f"blt-{counter}", marks))
            if progress is not None and counter % STEP == 0:
                progress.update(counter, total)
    if progress is not None:
        progress.update(counter, total)
    return BallotFile("opavote", tuple(names), tuple(ballots), source=source)


def load_ballots(
    path: Path, fmt: str = "auto", progress: ReadProgress | None = None
) -> BallotFile:
    """Read a ballot file; ``fmt`` is csv, json, opavote, helios, bettervoting or auto;
    ``progress`` hears how many ballots are read (a bar for large files in the CLI)."""
    source = str(path)
    try:
        text = read_text(path)
    except GovernanceError as exc:
        raise InvalidBallots(str(exc)) from None
    if fmt == "auto":
        suffix = path.suffix.lower()
        if suffix == ".blt":
            fmt = "opavote"
        elif suffix == ".json":
            fmt = "json"
        else:
            fmt = "csv"
    if fmt in ("csv", "bettervoting"):
        return read_csv(text, source, fmt, progress)
    if fmt == "opavote":
        return read_blt(text, source, progress)
    if fmt in ("json", "helios"):
        try:
            data = parse_json(text, source)
        except GovernanceError as exc:
            raise InvalidBallots(str(exc)) from None
        if fmt == "helios" or (isinstance(data, dict) and "questions" in data and "result" in data):
            return read_helios(data, source)
        return read_json(data, source, progress)
    raise InvalidBallots(f"{source}: unknown ballot format {fmt!r}")


def ballots_from_marks(marks: Sequence[Mapping[str, int]]) -> BallotFile:
    """An in-memory ballot file (tests, benchmarks)."""
    names = dict.fromkeys(chain.from_iterable(marks))
    return BallotFile(
        "memory",
        tuple(names),
        tuple(RawBallot(f"b{i}", m) for i, m in enumerate(marks, start=1)),
    )
