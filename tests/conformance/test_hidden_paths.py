"""A path the private mount namespace hides from a command adapter's tool is named
before the run, with the way to pass it through (issue #14)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.check import Status
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.runners.private_mounts import PrivateMounts, namespace_mode
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import load_scenario

needs_namespaces = pytest.mark.skipif(
    namespace_mode() is None,
    reason="no private mount namespaces here (unshare --mount, as root or in a user namespace)",
)

FAILING_REQUEST = """
[[packages.primary]]
name = "a"
version = "1"
[request]
requirements = ["a"]
[expect]
exit = "failure"
"""


def test_hidden_references_name_the_program_on_path_and_paths_inside_arguments(
    tmp_path: Path,
) -> None:
    area = tmp_path / "area"
    (area / "bin").mkdir(parents=True)
    (area / "bin" / "tool").write_text("#!/bin/sh\n")
    (area / "bin" / "tool").chmod(0o755)
    (area / "conf").write_text("")
    (area / "shown").mkdir()
    mounts, _ = PrivateMounts.plan("root", tmp_path / "private", [area / "shown"], areas=[area])
    search = str(area / "bin")
    found = mounts.hidden_references(["tool"], {}, search)
    assert [(p, a) for _, p, a in found] == [(area / "bin" / "tool", area)]
    assert "found on PATH" in found[0][0]
    found = mounts.hidden_references([sys.executable, f"--config={area}/conf"], {}, search)
    assert [p for _, p, _ in found] == [area / "conf"]
    found = mounts.hidden_references([sys.executable], {"A": f"/x:{area}/conf"}, search)
    assert [p for _, p, _ in found] == [area / "conf"]
    assert mounts.hidden_references([sys.executable, f"--x={area}/shown"], {}, search) == []
    assert mounts.hidden_references([sys.executable, f"--x={area}/missing"], {}, search) == []


def _adapter(tmp_path: Path, extra: str = "") -> Path:
    toml = tmp_path / "fake.toml"
    toml.write_text(
        'name = "fake"\nversion = "0"\ncapabilities = ["indexes"]\n'
        f'argv = ["hidden-tool", "{{prefix}}"]\n{extra}'
    )
    return toml


@needs_namespaces
@pytest.mark.slow
def test_a_program_found_on_path_under_tmp_is_an_error_naming_it_until_passed_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_scenario: Callable[..., Path]
) -> None:
    """Before, the tool was 'not found' inside the namespace: exit 127, which a scenario
    expecting a failure took for the installer's refusal."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "hidden-tool"
    tool.write_text(f"#!/bin/sh\necho ran > {tmp_path}/ran\nexit 1\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    scenario = load_scenario(write_scenario(FAILING_REQUEST))

    def run(adapter: Path) -> object:
        (result,) = run_suite(
            [scenario],
            [make_installer(str(adapter), cache=tmp_path)],
            VenvRunner(),
            cache=tmp_path / "cache",
        )
        return result

    hidden = run(_adapter(tmp_path))
    assert hidden.status is Status.ERROR, hidden.reason  # type: ignore[attr-defined]
    reason = hidden.reason  # type: ignore[attr-defined]
    assert str(tool) in reason and "private mount namespace" in reason
    assert "visible-paths" in reason and not (tmp_path / "ran").exists()
    shown = run(_adapter(tmp_path, f'visible-paths = ["{bin_dir}", "{tmp_path}"]\n'))
    assert shown.status is Status.PASS, shown.reason  # type: ignore[attr-defined]
    assert (tmp_path / "ran").read_text() == "ran\n"
