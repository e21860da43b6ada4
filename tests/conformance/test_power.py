"""The power measurement: knockouts of the reference installer's rules, and who kills them."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import wheelnext.commands.index as index_commands
import wheelnext.commands.install as install_commands
import wheelnext.install as install_package
from wheelnext.cli import cli
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.power import (
    FeaturePower,
    KnockoutInstaller,
    exercising,
    kills,
    select_features,
    select_rules,
    tabulate,
    traces_to,
    tracing,
)
from wheelnext.conformance.power_known import known, parse
from wheelnext.conformance.power_page import render, render_unseparated
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.errors import WheelnextError
from wheelnext.index.features import FEATURES
from wheelnext.install.rules import DEFAULT_RULES, rule_names

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_no_install_option_or_variable_reaches_a_knockout() -> None:
    """Only ``wheelnext.conformance.knockout``, run as its own process, removes a rule: the
    installer's package never names it, and no installer command has an option for it.

    The rules applied in place reach their code only as the context's rule list: the
    install-time checks (``InstallChecks``) are built from it in one place, the archive's
    Wheel-Version switches are set only from them, and no module but the knockout's makes a
    rule list without a rule."""
    package = Path(install_package.__file__).resolve().parent
    impl = package.parent
    commands = Path(install_commands.__file__).resolve()
    sources = [*package.rglob("*.py"), *(impl / "wheel2").rglob("*.py"),
               impl / "index_priority.py", impl / "default_extras.py", commands]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "wheelnext.conformance" not in text, source
        reads = [line for line in text.splitlines() if "os.environ" in line or "getenv" in line]
        # The page cap; proxy settings; SOURCE_DATE_EPOCH, read by the bytecode child as
        # py_compile reads it (hash-based pycs), never a rule switch.
        allowed = ("PAGE_LIMIT_VARIABLE", "_proxy", "SOURCE_DATE_EPOCH")
        assert all(any(a in line for a in allowed) for line in reads), (source, reads)
    every = list(impl.rglob("*.py"))
    builds = {p.name for p in every if "InstallChecks(" in p.read_text(encoding="utf-8")}
    assert builds == {"wheelfile.py", "installing.py"}, builds
    assert "InstallChecks(\n" in (package / "installing.py").read_text(encoding="utf-8")
    switches = {p.name for p in every
                if "check_wheel_version(match=" in p.read_text(encoding="utf-8")}
    assert switches == {"wheelfile.py"}, switches
    # The index's features make its knockouts (Personality.without), checked by
    # test_no_index_serve_option_or_variable_reaches_an_index_knockout.
    index_features = impl / "index" / "features.py"
    knockouts = {p.name for p in every if "without(" in p.read_text(encoding="utf-8")
                 and p.name != "rules.py" and p.name != "__init__.py" and p != index_features}
    assert not knockouts, knockouts
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


def test_every_installer_requirement_has_a_knockout_or_a_reason() -> None:
    """Issue #13: every installer-side requirement id of ``scenarios/_requirements.toml`` is
    named by a rule (so it can be knocked out) or listed in ``power_exceptions.toml`` with why
    not, never both; the file's rule names are rules."""
    data = tomllib.loads((SCENARIOS / "_requirements.toml").read_text(encoding="utf-8"))
    installer_side = {r["id"] for r in data["requirement"]
                      if r["audience"] in ("installer", "both")}
    named = {i for rule in DEFAULT_RULES for i in rule.requirement_ids}
    listed = set(known().unseparated)
    assert not named - installer_side, named - installer_side
    assert not listed - installer_side, listed - installer_side
    assert not named & listed, named & listed
    assert installer_side <= named | listed, sorted(installer_side - named - listed)
    rules = set(rule_names(DEFAULT_RULES))
    assert set(known().holes) <= rules and set(known().killers) <= rules
    assert set(known().unkilled) <= named, sorted(set(known().unkilled) - named)
    assert all(not rule.requirement_ids for rule in DEFAULT_RULES
               if rule.name in known().killers)


def test_power_exceptions_refuse_a_malformed_entry() -> None:
    with pytest.raises(WheelnextError, match="unseparated entry 1 needs a reason"):
        parse('format = 1\n[[unseparated]]\nids = ["x"]\n')
    with pytest.raises(WheelnextError, match="x is listed twice"):
        parse('format = 1\n[[unseparated]]\nids = ["x", "x"]\nreason = "r"\n')
    with pytest.raises(WheelnextError, match=r"killers\.yanked must be a list"):
        parse('format = 1\n[killers]\nyanked = "baseline-yanked"\n')
    with pytest.raises(WheelnextError, match="every unkilled entry needs a reason"):
        parse('format = 1\n[unkilled]\npep777-warn-on-skip = ""\n')


def test_tracing_picks_the_scenarios_of_a_rules_requirements() -> None:
    scenarios = load_scenarios([])
    (rule,) = select_rules(["deny-list"])
    picked = {s.id for s in tracing(rule, scenarios)}
    assert "pep766-denylist" in picked
    assert all("pep766-fall-through-denylist" in s.spec.requirements
               for s in scenarios if s.id in picked)
    (yanked,) = select_rules(["yanked"])
    assert tracing(yanked, scenarios) == []


def test_the_docs_table_says_what_a_knockout_does_and_why_a_hole_is_known() -> None:
    row = {"rule": "mirror-groups", "verdict": "hole", "requirement_ids": ["pep766-mirror-groups"],
           "killed_by": [], "traced_survivors": ["pep766-mirror-group"],
           "at": "Candidates.artifacts: a knockout searches a group's members one by one",
           "known_hole": "both outcomes allowed"}
    text = "\n".join(render([row]))
    assert "searches a group's members one by one" in text
    assert "**none (a hole)**: both outcomes allowed" in text
    index_row = FeaturePower(FEATURES["core-metadata"], ("a",), (), (), ()).to_json()
    shown = render([index_row])
    assert "   * - ``index:core-metadata``" in shown
    assert f"     - cannot separate: {FEATURES['core-metadata'].unseparable}" in shown
    assert "     - feature left out of the index" in shown and "a hole" not in "\n".join(shown)
    lines = render_unseparated({"a": "why", "b": "why", "c": "other"})
    assert "   * - ``a``, ``b``" in lines and "     - other" in lines


@pytest.mark.slow
def test_power_tracing_runs_a_knockout_over_its_own_scenarios(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["conformance", "power", "--tracing", "--rule",
                                      "deny-list", "--select", "pep766-deny*", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["rule"] == "deny-list" and row["verdict"] == "killed"
    assert row["traced_killers"] == ["pep766-denylist"]
    assert row["at"].startswith("Candidates.artifacts")


def test_a_should_scenario_kills_by_warning() -> None:
    """A SHOULD not met is reported as ``warn``: pass -> warn is the suite noticing."""
    assert kills(Status.PASS, Status.WARN) and kills(Status.WARN, Status.FAIL)
    assert kills(Status.PASS, Status.FAIL)
    assert not kills(Status.WARN, Status.WARN) and not kills(Status.PASS, Status.PASS)
    assert not kills(Status.PASS, Status.ERROR) and not kills(None, Status.FAIL)
    assert not kills(Status.FAIL, Status.FAIL)


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
    cli_source = Path(index_commands.__file__).read_text(encoding="utf-8")
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
