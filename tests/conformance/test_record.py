"""Records: parsed once from a saved run, written back field for field, malformed ones refused."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wheelnext.cli import main
from wheelnext.conformance.check import Result, Status, Verdict
from wheelnext.conformance.errors import RecordError
from wheelnext.conformance.observe import InstalledDist, LoggedRequest, Observation
from wheelnext.conformance.record import FIELDS, Record
from wheelnext.conformance.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "docs" / "conformance" / "results.json"


def published() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return data


def test_every_published_record_reads_back_as_it_was_saved() -> None:
    data = published()
    assert data["results"], "the published matrix has records"
    for number, saved in enumerate(data["results"]):
        assert Record.from_json(saved, where=f"results[{number}]").to_json() == saved


def test_the_published_file_is_written_back_byte_for_byte() -> None:
    data = published()
    records = [Record.from_json(r) for r in data["results"]]
    written = {**data, "results": [r.to_json() for r in records]}
    assert json.dumps(written, indent=1, sort_keys=True) + "\n" == PUBLISHED.read_text("utf-8")


def test_a_record_of_a_live_result_keeps_its_observation_as_observed(
    write_scenario: Callable[..., Path],
) -> None:
    seen = Observation(
        ("pip",), 1, False, "no", {"alpha": InstalledDist("1.0")},
        requests=(LoggedRequest("primary", "/simple/alpha/", 200),), survivors=("sleep 9",),
    )  # fmt: skip
    result = Result(
        load_scenario(write_scenario()), "pip", "26.0", "3.11.7", Status.FAIL,
        failures=("exit: expected success",), observation=seen, evidence=("exit",),
    )  # fmt: skip
    saved = Record.of(result, runner="docker").to_json()
    assert tuple(saved) == tuple(f for f in FIELDS if f != "index_personality")
    assert saved["observed"] == seen.to_json()
    assert saved["status"] == "fail" and saved["runner"] == "docker"
    assert saved["spec"]["level"] == result.scenario.spec.level
    assert Record.from_json(json.loads(json.dumps(saved))).to_json() == saved


def test_a_run_saved_before_newer_fields_still_loads() -> None:
    old = copy.deepcopy(next(r for r in published()["results"] if r["observed"]))
    for key in ("title", "group", "spec", "annotation", "outcome", "evidence", "expected"):
        del old[key]
    for key in ("survivors", "output_truncated", "fetched"):
        old["observed"].pop(key, None)
    record = Record.from_json(old)
    assert record.evidence == () and record.spec.level == "" and record.annotation == ""
    assert record.observed is not None
    assert record.observed.survivors is None and record.observed.fetched is None
    assert "survivors" not in record.to_json()["observed"]
    installed = old["observed"]["installed"]
    assert record.observed.installed == {
        k: InstalledDist(v["version"], v["variant"]) for k, v in installed.items()
    }


def test_verdict_round_trip() -> None:
    verdict = Verdict(Status.WARN, "named", ("alpha: expected 1.0, observed 2.0",))
    assert Verdict.from_json(verdict.to_json()) == verdict
    assert Verdict.from_json({"status": "pass"}) == Verdict(Status.PASS, "", ())


def _with(path: str, value: object) -> dict[str, Any]:
    """A published record with the field at *path* (``observed.installed.x``) set to *value*."""
    data = copy.deepcopy(next(r for r in published()["results"] if r["observed"]))
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("scenario", 7, "record.scenario: missing or not a string"),
        ("installer_version", KeyError, "record.installer_version: missing or not a string"),
        ("status", "maybe", "record.status: unknown status 'maybe'"),
        ("status", KeyError, "record.status: missing or not a string"),
        ("title", 3, "record.title: expected a string, got a number"),
        ("outcome", None, "record.outcome: expected a string, got null"),
        ("failures", ["a", 1], "record.failures[1]: expected a string, got a number"),
        ("evidence", "held", "record.evidence: expected a list of strings, got a string"),
        ("spec", "PEP 766", "record.spec: expected an object, got a string"),
        ("spec.pep", "766", "record.spec.pep: expected an integer or null, got a string"),
        ("spec.requirements", [None], "record.spec.requirements[0]: expected a string, got null"),
        ("expected", [1], "record.expected[0]: expected an object, got a number"),
        ("colour", "red", "record.colour: not a field of this object"),
        ("observed", [], "record.observed: expected an object, got a list"),
        ("observed.exit_code", "0", "record.observed.exit_code: expected an integer or null"),
        ("observed.exit_code", True, "record.observed.exit_code: expected an integer or null"),
        ("observed.timed_out", "no", "record.observed.timed_out: expected true or false"),
        ("observed.installed", {"a": {"version": 1}}, "record.observed.installed.a.version"),
        ("observed.requests", [["a", "/b"]], "record.observed.requests[0]: expected [index"),
        ("observed.fetched", [{"index": "a"}], "record.observed.fetched[0].path: missing"),
        ("observed.survivors", "x", "record.observed.survivors: expected a list of strings"),
    ],
)
def test_a_malformed_field_is_named(path: str, value: object, message: str) -> None:
    with pytest.raises(RecordError, match="^" + re.escape(message)):
        Record.from_json(_with(path, value))


def test_a_record_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(RecordError, match=r"^run\.json: results\[2\]: a record must be"):
        Record.from_json([], where="run.json: results[2]")


@pytest.mark.parametrize("command", ["report", "xfail"])
def test_commands_reading_a_run_refuse_a_malformed_record_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": 1, "results": [_with("spec.level", ["MUST"])]}))
    out = tmp_path / "out"
    argv = ["conformance", "report", str(run), "--json", str(out / "merged.json")]
    if command == "xfail":
        argv = ["conformance", "xfail", "--from", str(run), "--out", str(out)]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {run}: results[0].spec.level: expected a string, got a list"
    assert not out.exists()


def test_the_index_personality_is_written_only_when_it_is_not_the_default(
    write_scenario: Callable[..., Path],
) -> None:
    """A run saved before records carried a personality, or one against the default index,
    reads and writes as before; another personality is kept and is part of the cell."""
    scenario = load_scenario(write_scenario())
    plain = Record.of(Result(scenario, "pip", "26.0", "3.11.7", Status.PASS))
    assert plain.index_personality == "json-full" and "index_personality" not in plain.to_json()
    other = Record.of(
        Result(scenario, "pip", "26.0", "3.11.7", Status.FAIL, index_personality="html-plain")
    )
    saved = other.to_json()
    assert tuple(saved) == FIELDS and saved["index_personality"] == "html-plain"
    assert Record.from_json(json.loads(json.dumps(saved))) == other
    assert other.column != plain.column and other.column[4] == "html-plain"
    with pytest.raises(RecordError, match=r"index_personality: expected a string"):
        Record.from_json({**saved, "index_personality": 3})
