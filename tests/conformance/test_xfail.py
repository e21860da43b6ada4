"""Expected-failure lists: deriving them from a saved run, rendering, the shipped lists."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from _support.installer import PIP
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.cli import cli, main
from wheelnext.conformance.record import Record
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.conformance.xfail import (
    SHIPPED,
    Derived,
    XfailList,
    derive,
    load_shipped,
    load_xfail,
    render,
    shipped_installers,
    shipped_path,
)


def rec(scenario: str, status: str, version: str = "1", installer: str = "pip") -> dict[str, Any]:
    return {
        "scenario": scenario,
        "installer": installer,
        "installer_version": version,
        "python": "3.11.7",
        "runner": "venv",
        "status": status,
        "failures": [f"{scenario}: expected 1.0, observed not installed"],
        "reason": "",
    }


def parsed(records: list[dict[str, Any]]) -> list[Record]:
    return [Record.from_json(r) for r in records]


RECORDS = [
    rec("a", "fail", "1"),
    rec("a", "fail", "2"),
    rec("b", "fail", "1"),
    rec("b", "pass", "2"),
    rec("c", "pass", "1"),
    rec("c", "pass", "2"),
    rec("a", "fail", "1", installer="uv:first-index"),
    {**rec("z", "fail"), "runner": "docker"},
]


def test_derive_lists_what_fails_with_every_version_and_keeps_reviewed_reasons() -> None:
    previous = {"pip": XfailList("pip", {"a": "pip ignores it", "c": "old"}, Path("pip.toml"))}
    pip, uv = derive(parsed(RECORDS), previous=previous)
    assert pip.installer == "pip" and pip.versions == ("1", "2")
    assert dict(pip.reasons) == {"a": "pip ignores it"}
    assert pip.mixed == ("b",) and pip.kept == ("a",) and pip.dropped == ("c",)
    assert uv.installer == "uv:first-index"
    assert uv.reasons == {"a": "observed: a: expected 1.0, observed not installed"}
    assert uv.added == ("a",)
    assert [d.installer for d in derive(parsed(RECORDS), runner="docker")] == ["pip"]


def test_derive_reads_only_the_default_index_personality() -> None:
    other = [{**r, "index_personality": "html-plain",
              "status": "fail" if r["status"] == "pass" else "pass"} for r in RECORDS]
    assert derive(parsed([*RECORDS, *other])) == derive(parsed(RECORDS))


keys = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)


@given(st.dictionaries(keys, st.text(min_size=1)), st.text(min_size=1, max_size=20))
def test_render_reads_back_as_the_same_list(reasons: dict[str, str], installer: str) -> None:
    text = render(Derived(installer, ("1",), reasons), source="run.json", runner="venv")
    data = tomllib.loads(text)
    assert data == {"installer": installer, "expected-failures": reasons}


def test_every_shipped_list_is_reviewed_and_names_shipped_scenarios() -> None:
    ids = {s.id for s in load_scenarios([])}
    installers = shipped_installers()
    assert {"pip", "pip:only-binary", "uv", "uv:first-index", "wheelnext"} <= set(installers)
    for installer in installers:
        listed = load_xfail(shipped_path(installer))
        assert listed.installer == installer
        for scenario, reason in listed.reasons.items():
            assert scenario in ids, f"{listed.path}: {scenario} is not a shipped scenario"
            assert not reason.startswith("observed:"), f"{listed.path}: {scenario} not reviewed"
            assert "[observed: " in reason, f"{listed.path}: {scenario} cites no observation"


def test_load_shipped_takes_only_the_columns_that_have_a_list() -> None:
    lists = load_shipped(["pip", "uv:first-index", "mytool"])
    assert [x.installer for x in lists] == ["pip", "uv:first-index"]
    assert all(x.path.parent == SHIPPED for x in lists)


def test_cli_writes_one_list_per_configuration_and_keeps_reasons(tmp_path: Path) -> None:
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": 1, "results": RECORDS}))
    out = tmp_path / "lists"
    out.mkdir()
    (out / "pip.toml").write_text('installer = "pip"\n[expected-failures]\na = "reviewed"\n')
    args = ["conformance", "xfail", "--from", str(run), "--out", str(out), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [row["installer"] for row in summary] == ["pip", "uv:first-index"]
    assert summary[0]["version_dependent"] == ["b"]
    assert load_xfail(out / "pip.toml").reasons == {"a": "reviewed"}
    assert load_xfail(out / "uv-first-index.toml").installer == "uv:first-index"


def test_cli_rejects_a_file_that_is_not_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(SystemExit) as exit_info:
        main(["conformance", "xfail", "--from", str(bad), "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "bad.json" in err and "\n" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.network_installer
def test_xfail_shipped_turns_a_listed_failure_into_an_expected_one(
    tmp_path: Path, private_host: Path
) -> None:
    base = ["conformance", "run", "-q", "--installer", PIP]
    base += ["--select", "pep771-default-installed"]
    out = tmp_path / "run.json"
    assert CliRunner().invoke(cli, base).exit_code == 1
    result = CliRunner().invoke(cli, [*base, "--xfail-shipped", "--json", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(out.read_text())["results"]
    assert (record["status"], record["annotation"]) == ("fail", "expected failure")
    listed = load_xfail(shipped_path("pip")).reasons["pep771-default-installed"]
    assert record["reason"] == listed
