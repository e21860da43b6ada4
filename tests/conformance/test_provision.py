"""Installers under test get environments of their own in the cache, never the harness's
(issue #14): a version named once applies to every configuration, and ``--installer uv``
with no uv present installs the newest one and says which.

The registry is a folder of wheels made here (uv's ``UV_FIND_LINKS`` with ``UV_OFFLINE``),
so nothing leaves the machine; uv's cache is the test's own.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wheelnext.conformance import adapters
from wheelnext.conformance.adapters import InstallerSpec, make_installers, resolve_specs
from wheelnext.conformance.adapters._tools import provision


def fake_wheel(folder: Path, name: str, version: str, script: str) -> Path:
    """A wheel of *name* whose one script, ``bin/NAME``, is *script* (a shell script)."""
    files = {
        f"{name}/__init__.py": "",
        f"{name}-{version}.data/scripts/{name}": script,
        f"{name}-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        ),
        f"{name}-{version}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path)
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
    return wheel


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake pip 23.2.1, uv 99.0 and uv 99.1, the registry uv provisions from."""
    folder = tmp_path / "registry"
    folder.mkdir()
    fake_wheel(folder, "pip", "23.2.1", "#!/bin/sh\necho pip 23.2.1\n")
    for version in ("99.0", "99.1"):
        fake_wheel(folder, "uv", version, f"#!/bin/sh\necho uv {version}\n")
    monkeypatch.setenv("UV_FIND_LINKS", str(folder))
    monkeypatch.setenv("UV_OFFLINE", "1")  # the folder only: no index is asked
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    return folder


def harness_state() -> tuple[str, list[str]]:
    """The harness's pip version and its environment's distributions."""
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    return pip, dists


def test_provisioning_never_touches_the_harness_environment(
    registry: Path, tmp_path: Path
) -> None:
    before = harness_state()
    pip_env = provision("pip", "23.2.1", cache=tmp_path / "cache")
    uv_env = provision("uv", None, cache=tmp_path / "cache")
    assert harness_state() == before
    assert pip_env == tmp_path / "cache" / "tools" / "pip-23.2.1"
    assert uv_env == tmp_path / "cache" / "tools" / "uv-99.1"
    assert (uv_env / ".complete").exists() and (uv_env / "bin" / "uv").exists()
    assert not list((tmp_path / "cache" / "tools").glob("*.tmp*"))
    assert provision("uv", "99.1", cache=tmp_path / "cache") == uv_env  # reused as it is


def test_a_version_given_once_applies_to_every_configuration() -> None:
    specs = resolve_specs(["uv==0.13.9", "uv:first-index", "pip"])
    assert specs == [
        InstallerSpec("uv", version="0.13.9"),
        InstallerSpec("uv", version="0.13.9", config="first-index"),
        InstallerSpec("pip"),
    ]
    assert resolve_specs(["uv==1", "uv==2", "uv:first-index"])[2] == InstallerSpec(
        "uv", config="first-index"
    )
    assert resolve_specs(["pip==23.2.1", "pip:only-binary"])[1].version == "23.2.1"


def test_uv_with_none_present_is_installed_newest_and_said(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(adapters.PRESENT, "uv", lambda: None)
    said: list[str] = []
    made, specs = make_installers(
        ["uv", "uv:first-index"], cache=tmp_path / "cache", notify=said.append
    )
    assert [i.version for i in made] == ["99.1", "99.1"]
    assert [str(s) for s in specs] == ["uv==99.1", "uv==99.1:first-index"]
    assert len(said) == 1 and "uv==99.1" in said[0] and "no uv found" in said[0]


def test_the_matrix_certifies_the_newest_pip_and_uv_from_environments_of_their_own(
    registry: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not this environment's pip, which installing pypiserver once moved from 23.2.1."""
    from wheelnext.conformance import matrix

    before = harness_state()
    assert matrix.named_versions(None, None, cache=tmp_path / "cache") == ("23.2.1", "99.1")
    assert matrix.named_versions("26.3", "0.13.9", cache=tmp_path / "none") == ("26.3", "0.13.9")
    assert not (tmp_path / "none").exists()
    assert harness_state() == before
    err = capsys.readouterr().err
    assert "newest pip: pip==23.2.1" in err and "newest uv: uv==99.1" in err


def test_a_provisioned_tool_s_scripts_run_from_their_final_place(
    registry: Path, tmp_path: Path
) -> None:
    """The environment is built under a staging name and renamed: its scripts' ``#!`` lines
    must name the final folder (pdm's and dumb-pypi's ``bin/`` scripts could not start)."""
    fake_wheel(registry, "scripted", "1.0", "#!python\nprint('ran from', __file__)\n")
    env = provision("scripted", "1.0", cache=tmp_path / "cache")
    script = env / "bin" / "scripted"
    assert script.read_text().startswith(f"#!{env}/")
    done = subprocess.run([script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"ran from {script}"
