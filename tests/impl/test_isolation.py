"""The installer environment carries none of the host's configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wheelnext.isolation import scrubbed_environ


def test_drops_installer_and_python_variables(tmp_path: Path) -> None:
    base = {
        "PATH": "/usr/bin",
        "PIP_INDEX_URL": "http://elsewhere",
        "PIP_FIND_LINKS": "/opt/wheels",
        "UV_INDEX": "x",
        "PYTHONPATH": "/x",
        "VIRTUAL_ENV": "/v",
        "HOME": "/root",
    }
    env = scrubbed_environ(tmp_path / "home", base=base)
    assert env["PATH"] == "/usr/bin"
    assert env["HOME"] == str(tmp_path / "home")
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["UV_NO_CONFIG"] == "1"
    for key in ("PIP_INDEX_URL", "PIP_FIND_LINKS", "UV_INDEX", "PYTHONPATH", "VIRTUAL_ENV"):
        assert key not in env
    assert Path(env["TMPDIR"]).is_dir()


def test_pip_sees_no_host_configuration(tmp_path: Path) -> None:
    """Whatever the host's pip.conf says, pip under the scrubbed env lists nothing."""
    env = scrubbed_environ(tmp_path / "home")
    env["PATH"] = os.environ.get("PATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    sources = {line.partition(".")[0] for line in result.stdout.splitlines()}
    assert sources <= {":env:"}, result.stdout
    assert "find-links" not in result.stdout
    assert "extra-index-url" not in result.stdout
