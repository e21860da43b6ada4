"""The power measurement: knockouts of the reference installer's rules, and who kills them."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import wheelnext.install as install_package
from wheelnext.cli import cli
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.power import (
    FeaturePower,
    KnockoutInstaller,
    exercising,
    select_features,
    select_rules,
    tabulate,
    traces_to,
)
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.index.features import FEATURES
from wheelnext.install.rules import DEFAULT_RULES, rule_names


def test_no_install_option_or_variable_reaches_a_knockout() -> None:
    """Only ``wheelnext.conformance.knockout``, run as its own process, removes a rule: the
    installer's package never names it, and no installer command has an option for it."""
    package = Path(install_package.__file__).resolve().parent
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "wheelnext.conformance" not in text, source
        reads = [line for line in text.splitlines() if "os.environ" in line or "getenv" in line]
        allowed = ("PAGE_LIMIT_VARIABLE", "_proxy")  # the page cap; proxy settings
        assert all(any(a in line for a in allowed) for line in reads), (source, reads)
    for command in (["install"], ["lock"], ["wheel", "install"], ["index", "serve"]):
        shown = CliRunner().invoke(cli, [*command, "--help"]).output
        assert "rule" not in shown.lower() and "knock" not in shown.lower(), command


def test_the_knockout_process_needs_a_known_rule() -> None:
    done = subprocess.run([sys.executable, "-m", "wheelnext.conformance.knockout",
                           "no-such-rule", "install", "--help"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.startswith("error: rule 'no-such-rule': no such rule"), done.stderr
    ok = subprocess.run([sys.executable, "-m", "wheelnext.conformance.knockout", "yanked",
                         "install", "--help"], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "Usage:" in ok.stdout


def test_a_knockout_runs_the_reference_installer_less_one_rule() -> None:
    scenario = load_scenarios([], select=["pep766-fall-through-yanked"])[0]
    assert KnockoutInstaller("yanked").name == "wheelnext-without-yanked"
    assert [r.name for r in select_rules(["tags", "yanked"])] == ["yanked", "tags"]
    with pytest.raises(Exception, match="no such rule"):
        select_rules(["nope"])
    assert scenario.id == "pep766-fall-through-yanked"


def _result(scenario_id: str, installer: str, status: Status) -> Result:
    scenario = load_scenarios([], select=[scenario_id])[0]
    return Result(scenario=scenario, installer=installer, installer_version="0",
                  python="3", status=status)


def test_tabulate_finds_kills_and_holes() -> None:
    ids = ["pep777-major-newer-skipped", "baseline-newest-version"]
    scenarios = [load_scenarios([], select=[i])[0] for i in ids]
    results = [
        _result(ids[0], "wheelnext", Status.PASS),
        _result(ids[1], "wheelnext", Status.PASS),
        _result(ids[0], "wheelnext-without-wheel-version", Status.FAIL),
        _result(ids[1], "wheelnext-without-wheel-version", Status.PASS),
        _result(ids[0], "wheelnext-without-yanked", Status.PASS),
        _result(ids[1], "wheelnext-without-yanked", Status.PASS),
    ]
    rows = {row.rule: row for row in tabulate(scenarios, select_rules(
        ["wheel-version", "yanked"]), results)}
    assert rows["wheel-version"].killed_by == (ids[0],)
    assert rows["wheel-version"].verdict in ("killed", "killed elsewhere")
    assert rows["yanked"].verdict == "hole"


@pytest.mark.slow
def test_power_command_kills_the_yanked_knockout(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conformance", "power", "--select",
                                      "pep766-fall-through-yanked", "--rule", "yanked",
                                      "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["rule"] == "yanked"
    assert row["killed_by"] == ["pep766-fall-through-yanked"]
    assert rule_names(DEFAULT_RULES)[0] == "yanked", "this process's rules are untouched"


def test_no_index_serve_option_or_variable_reaches_an_index_knockout() -> None:
    """Only ``wheelnext.conformance.index_knockout``, run as its own process, serves the index
    less a feature: the index package never names it or reads the environment, and
    ``index serve`` can neither name a personality nor pass one to the server."""
    import wheelnext.index as index_package
    from wheelnext.index.server import serve_forever

    package = Path(index_package.__file__).resolve().parent
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "wheelnext.conformance" not in text, source
        assert "os.environ" not in text and "getenv" not in text, source
        assert ".without(" not in text or source.name == "features.py", source
    assert "personality" not in inspect.signature(serve_forever).parameters
    cli_source = (package / "cli.py").read_text(encoding="utf-8")
    assert "features" not in cli_source and "personalit" not in cli_source
    shown = CliRunner().invoke(cli, ["index", "serve", "--help"]).output.lower()
    for word in ("personality", "feature", "knock", "without"):
        assert word not in shown


def test_the_index_knockout_process_needs_a_known_feature() -> None:
    done = subprocess.run([sys.executable, "-m", "wheelnext.conformance.index_knockout",
                           "no-such-feature"], input="{}\n", capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert done.stderr.startswith("error: index feature 'no-such-feature': expected one of"), (
        done.stderr)


def test_an_index_knockout_serves_less_one_feature_from_its_own_process(
    tmp_path: Path,
) -> None:
    from tests.impl.test_index import make_wheel
    from wheelnext.conformance.index_knockout import serve_knockout

    root = tmp_path / "root"
    root.mkdir()
    make_wheel(root, "foo", "1.0")
    (root / "foo-1.0-py3-none-any.whl.yanked").write_text("broken")
    with serve_knockout("yanked", {"main": root, "down": root}, {"down": 503}) as served:
        assert served.process.pid != os.getpid() and served.process.poll() is None
        page = httpx.get(served.index_url("main") + "foo/", timeout=300,
                         headers={"Accept": "text/html"})
        assert "data-core-metadata" in page.text and "data-yanked" not in page.text
        assert httpx.get(served.index_url("down"), timeout=300).status_code == 503
        logged = [(r.index, r.path, r.status) for r in served.requests]
        assert logged == [("main", "/main/simple/foo/", 200), ("down", "/down/simple/", 503)]
    assert served.process.returncode == 0


def test_index_rows_kill_trace_and_say_why_they_cannot_separate() -> None:
    scenarios = load_scenarios([], select=["baseline-yanked", "baseline-single-wheel",
                                           "baseline-index-file-hash"])
    yanked = exercising(FEATURES["yanked"], scenarios)
    assert [s.id for s in yanked] == ["baseline-index-file-hash", "baseline-yanked"]
    assert traces_to(next(s for s in scenarios if s.id == "baseline-yanked"),
                     FEATURES["yanked"])
    assert traces_to(next(s for s in scenarios if s.id == "baseline-index-file-hash"),
                     FEATURES["hashes"])
    assert not traces_to(scenarios[0], FEATURES["json-api"])
    row = FeaturePower(FEATURES["core-metadata"], ("a",), (), (), ())
    assert row.verdict == "cannot separate" and row.to_json()["reason"]
    assert FeaturePower(FEATURES["hashes"], (), (), (), ()).verdict == "hole"
    assert FeaturePower(FEATURES["hashes"], ("a",), ("a",), ("a",), ()).verdict == "killed"
    with pytest.raises(Exception, match="--index-feature 'nope'"):
        select_features(["nope"])


@pytest.mark.slow
def test_power_command_kills_the_yanked_index_knockout(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conformance", "power", "--select", "baseline-yanked",
                                      "--index-feature", "yanked", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["rule"] == "index:yanked" and row["side"] == "index"
    assert row["killed_by"] == ["baseline-yanked"] and row["verdict"] == "killed"
    hole = CliRunner().invoke(cli, ["conformance", "power", "--select",
                                    "baseline-single-wheel", "--index-feature", "hashes",
                                    "--json"])
    assert hole.exit_code == 1
    assert json.loads(hole.stdout)[0]["verdict"] == "hole"
