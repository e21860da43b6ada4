"""The audit log records inputs, rules and ties, and always verifies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wheelnext.governance.audit import audit_record, verify
from wheelnext.governance.errors import AuditMismatch
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
)
def test_audit_always_verifies(tmp_path: Path, ballots: list[dict[str, int]], method: str) -> None:
    path = tmp_path / "b.json"
    data: list[dict[str, object]]
    if method == "approval":
        data = [{"id": str(i), "approved": [c for c, v in b.items() if v >= 3]}
                for i, b in enumerate(ballots)]
    else:
        data = [{"id": str(i), "scores": b} for i, b in enumerate(ballots)]
    path.write_text(json.dumps({"candidates": list("ABCDEF"), "ballots": data}))
    audit = tmp_path / "audit.json"
    _write_audit(TallyInputs(path), TallyOptions(method=method, seed="published"), audit)
    verify(audit)
