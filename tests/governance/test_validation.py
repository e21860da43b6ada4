"""Every validation rule, counted or not, and never silent."""

from __future__ import annotations

from wheelnext.governance.ballots import BallotFile, RawBallot
from wheelnext.governance.validation import validate


def _file(*ballots: RawBallot) -> BallotFile:
    return BallotFile("memory", ("A", "B"), ballots)


def rules(v: object) -> dict[str, tuple[str, bool]]:
    return {f.ballot_id: (f.rule, f.counted) for f in v.findings}  # type: ignore[attr-defined]


def test_unknown_candidate_nonzero_rejects_zero_is_dropped() -> None:
    v = validate(_file(RawBallot("1", {"Z": 3, "A": 1}), RawBallot("2", {"Z": 0, "A": 1})), 5)
    assert rules(v) == {"1": ("unknown-candidate", False), "2": ("unknown-candidate-zero", True)}
    assert v.rows == ((1, 0),)


def test_out_of_range_and_non_integer() -> None:
    v = validate(_file(RawBallot("1", {"A": 6}), RawBallot("2", {"A": "2.5"}),
                       RawBallot("3", {"A": -1})), 5)
    assert {f.rule for f in v.findings} == {"out-of-range"}
    assert v.cast == 0 and v.rejected == 3


def test_duplicate_ids_identical_keep_first_different_reject_all() -> None:
    v = validate(_file(RawBallot("1", {"A": 1}), RawBallot("1", {"A": 1}),
                       RawBallot("2", {"A": 1}), RawBallot("2", {"B": 1})), 1)
    assert v.rows == ((1, 0),)
    assert [(f.ballot_id, f.rule, f.counted) for f in v.findings] == [
        ("1", "duplicate-ballot-id", False), ("2", "duplicate-ballot-id", False),
        ("2", "duplicate-ballot-id", False)]
    assert v.read == v.cast + v.rejected == 4


def test_roll_and_duplicate_elector() -> None:
    v = validate(_file(RawBallot("1", {"A": 1}, "e1"), RawBallot("2", {"A": 1}, "e9"),
                       RawBallot("3", {"B": 1}, "e1"), RawBallot("4", {"B": 1})), 1, roll=["e1"])
    assert rules(v) == {"2": ("not-on-roll", False), "3": ("duplicate-elector", False),
                        "4": ("not-on-roll", False)}
    assert v.cast == 1


def test_blank_and_all_equal_are_counted_and_listed() -> None:
    v = validate(_file(RawBallot("1", {}), RawBallot("2", {"A": 5, "B": 5})), 5)
    assert rules(v) == {"1": ("blank", True), "2": ("all-equal", True)}
    assert v.cast == 2 and v.rejected == 0


def test_candidate_list_overrides_file_header() -> None:
    v = validate(_file(RawBallot("1", {"A": 1})), 1, candidates=["B", "A"])
    assert v.candidates == ("B", "A") and v.rows == ((0, 1),)


def test_float_and_bool_marks() -> None:
    floats = RawBallot("1", {"A": 2.0, "B": 1})  # type: ignore[dict-item]
    v = validate(_file(floats, RawBallot("2", {"A": True, "B": 0})), 5)
    assert rules(v) == {"1": ("out-of-range", False), "2": ("out-of-range", False)}
    # A JSON true is the spelling "true": an approval, never a score.
    v = validate(_file(RawBallot("3", {"A": True, "B": False})), 1)  # type: ignore[dict-item]
    assert v.rows == ((1, 0),) and v.findings == ()


def test_fast_and_slow_paths_agree() -> None:
    marks: list[dict[str, str | int]] = [
        {"A": 5, "B": 0}, {"A": 5}, {"A": "5", "B": "0"}, {"A": "5"},
    ]
    v = validate(_file(*(RawBallot(str(i), m) for i, m in enumerate(marks))), 5)
    assert v.rows == ((5, 0),) * 4 and v.findings == ()
