"""The audit log records inputs, rules and ties, and always verifies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wheelnext.governance.audit import (
    audit_record,
    canonical_sha256,
    verify,
    verify_audit,
    vote_audit_record,
)
from wheelnext.governance.errors import AuditMismatch, GovernanceError
from wheelnext.governance.tally import TallyInputs, TallyOptions, run_tally


def _write_audit(inputs: TallyInputs, options: TallyOptions, path: Path) -> None:
    record = audit_record(inputs, options, run_tally(inputs, options))
    path.write_text(json.dumps(record))


def test_audit_verifies_and_records_hashes(fixtures: Path, tmp_path: Path) -> None:
    ballots = tmp_path / "b.csv"
    shutil.copy(fixtures / "pep8106-ballots.csv", ballots)
    audit = tmp_path / "audit.json"
    _write_audit(TallyInputs(ballots), TallyOptions(electors=100), audit)
    record = json.loads(audit.read_text())
    assert len(record["inputs"]["ballots"]["sha256"]) == 64
    assert verify(audit)["elected"] == record["result"]["elected"]


def test_tampered_ballots_fail_verification(fixtures: Path, tmp_path: Path) -> None:
    ballots = tmp_path / "b.csv"
    shutil.copy(fixtures / "pep8106-ballots.csv", ballots)
    audit = tmp_path / "audit.json"
    _write_audit(TallyInputs(ballots), TallyOptions(), audit)
    ballots.write_text(ballots.read_text().replace("pep8106-001,", "pep8106-001x,"))
    with pytest.raises(AuditMismatch, match="sha256"):
        verify(audit)


def test_tampered_result_fails_verification(fixtures: Path, tmp_path: Path) -> None:
    audit = tmp_path / "audit.json"
    _write_audit(TallyInputs(fixtures / "pep8105-ballots.csv"), TallyOptions(), audit)
    record = json.loads(audit.read_text())
    record["result"]["elected"][0] = "Victor Stinner"
    audit.write_text(json.dumps(record))
    with pytest.raises(AuditMismatch, match="'elected'"):
        verify(audit)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.fixed_dictionaries({c: st.integers(0, 5) for c in "ABCDEF"}), min_size=1,
             max_size=15),
    st.sampled_from(["approval", "bloc-star"]),
    st.sampled_from(["after-exclusions", "before-exclusions"]),
)
def test_audit_always_verifies(
    tmp_path: Path, ballots: list[dict[str, int]], method: str, tie_order: str
) -> None:
    path = tmp_path / "b.json"
    data: list[dict[str, object]]
    if method == "approval":
        data = [{"id": str(i), "approved": [c for c, v in b.items() if v >= 3]}
                for i, b in enumerate(ballots)]
    else:
        data = [{"id": str(i), "scores": b} for i, b in enumerate(ballots)]
    path.write_text(json.dumps({"candidates": list("ABCDEF"), "ballots": data}))
    audit = tmp_path / "audit.json"
    options = TallyOptions(method=method, seed="published", tie_order=tie_order)
    _write_audit(TallyInputs(path), options, audit)
    assert verify(audit)["elected"] == run_tally(TallyInputs(path), options).result["elected"]


def _vote_audit(kind: str, arguments: dict[str, object], path: Path) -> dict[str, object]:
    record = vote_audit_record(kind, arguments)
    path.write_text(json.dumps(record))
    return record


no_confidence_args = st.integers(0, 60).flatmap(
    lambda electors: st.integers(0, electors).flatmap(
        lambda against: st.fixed_dictionaries({
            "target": st.sampled_from(["council", "Amy", "Zoë"]),
            "electors": st.just(electors),
            "against": st.just(against),
            "support": st.integers(0, electors - against),
            "basis": st.sampled_from(["electors", "voters"]),
            "quorum": st.sampled_from(["at-least-half", "more-than-half"]),
        })
    )
)
motion_args = st.fixed_dictionaries({
    "votes": st.dictionaries(st.sampled_from("abcd"),
                             st.sampled_from(["yes", "no", "abstain", "conflicted"])),
    "replaces": st.one_of(st.none(), st.sampled_from("abcde")),
})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(no_confidence_args)
def test_no_confidence_audit_always_verifies(tmp_path: Path, args: dict[str, object]) -> None:
    audit = tmp_path / "nc.json"
    record = _vote_audit("no-confidence", args, audit)
    verified = verify_audit(audit)
    assert verified.kind == "no-confidence" and verified.result == record["result"]
    assert verified.result["rules"] and record["rules"] == verified.result["rules"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(motion_args)
def test_motion_audit_always_verifies(tmp_path: Path, args: dict[str, object]) -> None:
    audit = tmp_path / "m.json"
    record = _vote_audit("motion", args, audit)
    verified = verify_audit(audit)
    assert verified.kind == "motion" and verified.result == record["result"]


def test_tampered_no_confidence_arguments_fail_the_hash(tmp_path: Path) -> None:
    audit = tmp_path / "nc.json"
    record = _vote_audit("no-confidence", {"target": "Amy", "electors": 9, "against": 6,
                                           "support": 0, "basis": "electors",
                                           "quorum": "at-least-half"}, audit)
    record["inputs"]["arguments"]["against"] = 5  # type: ignore[index]
    audit.write_text(json.dumps(record))
    with pytest.raises(AuditMismatch, match="sha256"):
        verify_audit(audit)


def test_tampered_motion_with_rehashed_arguments_fails_the_recount(tmp_path: Path) -> None:
    audit = tmp_path / "m.json"
    args: dict[str, object] = {"votes": {"a": "yes", "b": "yes", "c": "no", "d": "no"},
                               "replaces": None}
    record = _vote_audit("motion", args, audit)
    assert record["result"]["passed"] is False  # type: ignore[index]
    args["votes"] = {"a": "yes", "b": "yes", "c": "yes", "d": "no"}
    record["inputs"] = {"arguments": args, "sha256": canonical_sha256(args)}
    audit.write_text(json.dumps(record))
    with pytest.raises(AuditMismatch, match="differs"):
        verify_audit(audit)


def test_tampered_vote_result_or_rules_fail(tmp_path: Path) -> None:
    audit = tmp_path / "m.json"
    record = _vote_audit("motion", {"votes": {"a": "yes", "b": "yes", "c": "no"},
                                    "replaces": None}, audit)
    record["result"]["outcome"] = "failed"  # type: ignore[index]
    audit.write_text(json.dumps(record))
    with pytest.raises(AuditMismatch, match="'outcome'"):
        verify_audit(audit)
    record = _vote_audit("motion", {"votes": {"a": "yes", "b": "yes", "c": "no"},
                                    "replaces": None}, audit)
    record["rules"] = []
    audit.write_text(json.dumps(record))
    with pytest.raises(AuditMismatch, match="'rules'"):
        verify_audit(audit)


def test_unknown_kind_and_malformed_arguments_are_errors(tmp_path: Path) -> None:
    audit = tmp_path / "x.json"
    audit.write_text(json.dumps({"format": "wheelnext-governance-audit/1", "kind": "coup"}))
    with pytest.raises(GovernanceError, match="unknown audit kind"):
        verify_audit(audit)
    args = {"target": "Amy", "electors": "nine"}
    audit.write_text(json.dumps({"format": "wheelnext-governance-audit/1",
                                 "kind": "no-confidence",
                                 "inputs": {"arguments": args, "sha256": canonical_sha256(args)},
                                 "result": {}}))
    with pytest.raises(GovernanceError, match="malformed no-confidence"):
        verify_audit(audit)
