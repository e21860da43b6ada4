"""The power measurement: knockouts of the reference installer's rules, and who kills them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import wheelnext.commands.install as install_commands
import wheelnext.install as install_package
from wheelnext.cli import cli
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.power import KnockoutInstaller, select_rules, tabulate
from wheelnext.conformance.scenario import load_scenarios
from wheelnext.install.rules import DEFAULT_RULES, rule_names


def test_no_install_option_or_variable_reaches_a_knockout() -> None:
    """Only ``wheelnext.conformance.knockout``, run as its own process, removes a rule: the
    installer's package never names it, and no installer command has an option for it."""
    package = Path(install_package.__file__).resolve().parent
    commands = Path(install_commands.__file__).resolve()
    for source in [*package.rglob("*.py"), commands]:
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
