"""Every ``conformance run`` argument is checked before any installer is provisioned or baked
(issue #14): a bad one is one line and exit 2, and the registry is never asked.

The registry is an unreachable address and the installs themselves are recorded, so a run
that provisioned first would show it (an install attempted, or its failure as the error).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wheelnext.cli import main
from wheelnext.conformance.adapters import _tools

NO_IMAGE = """
name = "noimage"
version = "1"
capabilities = []
argv = ["noimage", "{requirements}"]
"""


@pytest.fixture
def installs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The provisioning installs a run attempts (none may succeed: no registry answers)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for variable in ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9/simple/")
    attempted: list[str] = []
    real = _tools._install

    def install(python: Path, requirement: str, pins: tuple[str, ...] = ()) -> None:
        attempted.append(requirement)
        real(python, requirement, pins)

    monkeypatch.setattr(_tools, "_install", install)
    return attempted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index-personality", "nope"], "--index-personality 'nope': expected one of"),
        (["--index-target", "nope"], "--index-target 'nope': expected one of"),
        (["--runner", "nope"], "--runner 'nope': expected venv or docker"),
        (["--shard", "4/3"], "--shard: '4/3': K must be between 1 and N"),
        (["--shard", "1/2", "--installer", "pip"], "--shard: an --installer or --python is given"),
        (["--installer", "uv:nope"], "--installer uv:nope: uv has no configuration 'nope'"),
        (["--installer", "pdm==2.29.4:nope"], "pdm has no configuration 'nope'"),
        (["--installer", "nosuch"], "unknown installer 'nosuch'"),
        (["--runner", "docker", "--installer", "NOIMAGE"], "'noimage' has no [image] table"),
    ],
)
def test_bad_arguments_exit_2_before_any_provisioning(
    args: list[str],
    message: str,
    installs: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    adapter = tmp_path / "noimage.toml"
    adapter.write_text(NO_IMAGE)
    args = [str(adapter) if a == "NOIMAGE" else a for a in args]
    argv = ["conformance", "run", "--installer", "pip", "--select", "baseline-single-wheel"]
    with pytest.raises(SystemExit) as exited:
        main([*argv, *args, "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 2
    assert len(err) == 1 and message in err[0], err
    assert installs == []
    assert not (tmp_path / "cache" / "wheelnext" / "conformance" / "tools").exists()
