"""Votes of no confidence and council motions."""

from __future__ import annotations

import pytest

from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.votes import Motion, NoConfidence


def test_no_confidence_two_thirds_of_all_electors() -> None:
    assert NoConfidence("Amy", 90, 60, 0).decide()["succeeds"] is True
    assert NoConfidence("Amy", 90, 59, 10).decide()["succeeds"] is False


def test_no_confidence_voters_basis_needs_quorum() -> None:
    d = NoConfidence("Amy", 90, 30, 10, basis="voters").decide()
    assert d["two_thirds_met"] is True and d["quorum_met"] is False and d["succeeds"] is False
    assert NoConfidence("Amy", 90, 40, 5, basis="voters").decide()["succeeds"] is True


def test_whole_council_vote_triggers_election() -> None:
    d = NoConfidence("council", 9, 6).decide()
    assert d["kind"] == "whole council" and "whole-council election" in str(d["consequence"])


def test_no_confidence_rejects_more_votes_than_electors() -> None:
    with pytest.raises(GovernanceError, match="--electors"):
        NoConfidence("Amy", 3, 3, 1).decide()


def test_motion_majority_of_non_abstaining_with_quorum_of_three() -> None:
    assert Motion({"a": "yes", "b": "yes", "c": "no", "d": "abstain", "e": "abstain"}
                  ).decide()["passed"] is True
    d = Motion({"a": "yes", "b": "no", "c": "abstain", "d": "abstain", "e": "abstain"}).decide()
    assert d["quorum_met"] is False and d["passed"] is False
    tied = Motion({"a": "yes", "b": "yes", "c": "no", "d": "no", "e": "abstain"}).decide()
    assert tied["majority_met"] is False and tied["passed"] is False


def test_conflicted_member_is_recorded_abstaining() -> None:
    d = Motion({"a": "yes", "b": "yes", "c": "no", "d": "conflicted"}).decide()
    assert d["recorded"]["d"] == "abstain"  # type: ignore[index]


def test_out_of_touch_member_is_recorded_abstaining_in_their_replacement() -> None:
    d = Motion({"a": "yes", "b": "yes", "c": "no", "d": "yes"}, replaces="e").decide()
    assert d["recorded"]["e"] == "abstain"  # type: ignore[index]
    assert d["passed"] is True and d["non_abstaining"] == 4


def test_unknown_vote_or_absent_member_is_an_error() -> None:
    with pytest.raises(GovernanceError, match="--vote"):
        Motion({"a": "maybe"}).decide()
    with pytest.raises(GovernanceError, match="explicitly abstain"):
        Motion({"a": "absent", "b": "yes", "c": "yes", "d": "yes"}).decide()
