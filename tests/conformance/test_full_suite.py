"""The full shipped suite against this environment's pip, venv runner, shipped pip list.

This is what keeps the shipped expected-failure lists honest: the list is
strict, so a scenario pip starts to pass (or a new failure) fails CI until
``conformance/xfail_lists/pip.toml`` is corrected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.installer import PIP
from click.testing import CliRunner

from wheelnext.cli import cli
from wheelnext.conformance.scenario import load_scenarios

pytestmark = [pytest.mark.network_installer, pytest.mark.slow]


def test_every_shipped_scenario_against_pip_matches_the_shipped_list(
    tmp_path: Path, private_host: Path
) -> None:
    out = tmp_path / "pip.json"
    args = ["conformance", "run", "-q", "--installer", PIP, "--runner", "venv", "-j", "2"]
    result = CliRunner().invoke(cli, [*args, "--xfail-shipped", "--json", str(out)])
    records = json.loads(out.read_text())["results"]

    assert len(records) == len(load_scenarios([]))
    errors = [f"{r['scenario']}: {r['reason']}" for r in records if r["status"] == "error"]
    assert not errors, "harness errors:\n" + "\n".join(errors)
    unexpected_fails = [
        f"{r['scenario']}: {'; '.join(r['failures'])}"
        for r in records
        if r["status"] == "fail" and r["annotation"] != "expected failure"
    ]
    assert not unexpected_fails, "fails not in pip.toml:\n" + "\n".join(unexpected_fails)
    unexpected_passes = [r["scenario"] for r in records if r["annotation"] == "unexpected pass"]
    assert not unexpected_passes, "pip.toml lists passing scenarios: " + ", ".join(
        unexpected_passes
    )
    assert result.exit_code == 0, result.output
    assert {r["installer"] for r in records} == {"pip"}
    assert any(r["annotation"] == "expected failure" for r in records)
    assert not [
        r["scenario"] for r in records if r["observed"] and r["observed"]["written_outside"]
    ]


def test_every_shipped_scenario_against_the_reference_installer(
    tmp_path: Path, private_host: Path
) -> None:
    """The published matrix says the reference installer meets every scenario (92/92 when
    this was written); this keeps it so. Only ``warn`` (a SHOULD the reference chooses not
    to meet) and ``not applicable`` may appear besides ``pass``."""
    out = tmp_path / "wheelnext.json"
    args = ["conformance", "run", "-q", "--installer", "wheelnext", "--runner", "venv", "-j", "2"]
    result = CliRunner().invoke(cli, [*args, "--json", str(out)])
    records = json.loads(out.read_text())["results"]
    assert len(records) == len(load_scenarios([]))
    not_met = [f"{r['scenario']}: {r['status']}: {'; '.join(r['failures']) or r['reason']}"
               for r in records if r["status"] not in ("pass", "warn", "not applicable")]
    assert not not_met, "the reference installer does not meet:\n" + "\n".join(not_met)
    installing = sum(s.installs for s in load_scenarios([]))  # index scenarios run no installer
    assert sum(r["status"] == "pass" for r in records) >= installing - 2
    assert result.exit_code == 0, result.output
