"""The root command: help, version, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from wheelnext import __version__
from wheelnext.cli import COMMANDS, cli, main


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_listed_command_has_help() -> None:
    runner = CliRunner()
    listed = cli.list_commands(None)  # type: ignore[arg-type]
    assert set(listed) <= set(COMMANDS)
    for name in listed:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "No such command" in capsys.readouterr().err


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wheelnext", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: wheelnext" in result.stdout
