"""The CSV and validation fast paths read exactly what the precise, cell-by-cell paths read."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.governance.ballots import BallotFile, RawBallot, read_csv
from wheelnext.governance.errors import InvalidBallots
from wheelnext.governance.validation import ValidBallots, spellings, validate

#: Plain spellings and odd ones: spaces, empty cells, leading zeros, decimals, words, signs.
CELLS = st.sampled_from([
    "0", "1", "2", "3", "4", "5", "6", "10", "", " ", " 5", "5 ", "05", "5.0", "x", "X", "-1",
    "-", "yes", "Yes", "NO", "approve", "✓", "+3", "١", "3_0", "1e1", "\t2", "true", "n",
])
NAMES = ["Amy", "Bob", "Cy"]


def _read(text: str, fast: bool) -> BallotFile | str:
    try:
        return read_csv(text, "ballots.csv", fast=fast)
    except InvalidBallots as exc:
        return str(exc)


def _report(v: ValidBallots) -> tuple[object, ...]:
    return v.candidates, v.rows, v.maximum, v.findings, v.read


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = list(NAMES)
    if draw(st.booleans()):
        header.insert(0, "ballot_id")
    if draw(st.booleans()):
        header.append("elector")
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)),
                         max_size=12))
    if "ballot_id" in header:
        ids = draw(st.lists(st.sampled_from(["1", "2", "3", " 1", ""]),
                            min_size=len(rows), max_size=len(rows)))
        for row, bid in zip(rows, ids, strict=True):
            row[0] = bid
    if draw(st.booleans()) and rows:
        rows[draw(st.integers(0, len(rows) - 1))].append("5")  # a row with too many cells
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(csv_texts(), st.sampled_from([1, 3, 5, 10]))
def test_fast_and_precise_paths_read_and_validate_the_same(text: str, maximum: int) -> None:
    fast, precise = _read(text, True), _read(text, False)
    assert fast == precise
    if isinstance(fast, BallotFile):
        results = {
            (f, r): _report(validate(fast if f else precise, maximum, fast=r))  # type: ignore[arg-type]
            for f in (True, False) for r in (True, False)
        }
        assert len(set(results.values())) == 1
        v = validate(fast, maximum)  # type: ignore[arg-type]
        assert v.read == v.cast + v.rejected  # every ballot read is counted or rejected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["A", "B", "Z"]),
                                st.one_of(CELLS, st.integers(-2, 7), st.booleans(),
                                          st.sampled_from([2.0, 0.0, 5.0]))),
                max_size=8),
       st.sampled_from([1, 5]))
def test_fast_validation_matches_precise_on_any_marks(
    marks: list[dict[str, object]], maximum: int
) -> None:
    file = BallotFile("memory", ("A", "B"),
                      tuple(RawBallot(f"b{i}", m) for i, m in enumerate(marks)))  # type: ignore[arg-type]
    assert _report(validate(file, maximum)) == _report(validate(file, maximum, fast=False))


def test_odd_spellings_keep_their_exact_rejection() -> None:
    text = "Amy,Bob\n05,1\n5.0,1\n x ,2\n-1,0\n 5,\n"
    fast = read_csv(text, "b.csv")
    assert [b.marks for b in fast.ballots] == [
        {"Amy": "05", "Bob": "1"}, {"Amy": "5.0", "Bob": "1"}, {"Amy": "x", "Bob": "2"},
        {"Amy": "-1", "Bob": "0"}, {"Amy": "5"},
    ]
    v = validate(fast, 5)
    assert [(f.ballot_id, f.rule, f.detail) for f in v.findings] == [
        ("row-3", "out-of-range", "mark '5.0' for 'Amy' is not an integer 0..5"),
        ("row-4", "out-of-range", "mark 'x' for 'Amy' is not an integer 0..5"),
        ("row-5", "out-of-range", "mark '-1' for 'Amy' is not an integer 0..5"),
    ]
    assert v.rows == ((5, 1), (5, 0))


def test_spellings_hold_only_what_mark_reads_the_same() -> None:
    assert spellings(5) == {"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5,
                            "": 0, "no": 0, "n": 0, "false": 0, "-": 0}
    assert spellings(1)["✓"] == 1 and "x" not in spellings(5)


def test_too_many_cells_is_the_same_error_on_both_paths() -> None:
    text = "Amy,Bob\n1,2\n1,2,3\n"
    assert _read(text, True) == _read(text, False) == (
        "b.csv: row 3 has 3 cells, header has 2".replace("b.csv", "ballots.csv")
    )
