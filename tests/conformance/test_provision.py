"""Installers under test get environments of their own in the cache, never the harness's
(issue #14): a version named once applies to every configuration, and a bare
``--installer pip`` or ``uv`` installs the newest one and says which, even where the
harness's environment has its own.

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

from wheelnext.conformance.adapters import InstallerSpec, make_installers, resolve_specs
from wheelnext.conformance.adapters._tools import provision


def fake_wheel(folder: Path, name: str, version: str, script: str) -> Path:
    """A wheel of *name* whose one script, ``bin/NAME``, is *script* (a shell script), and
    whose ``python -m NAME --version`` says ``NAME VERSION``."""
    files = {
        f"{name}/__init__.py": "",
        f"{name}/__main__.py": f"print('{name} {version} from fake')\n",
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


def test_bare_pip_and_uv_are_the_newest_provisioned_never_the_harness_own(
    registry: Path, tmp_path: Path
) -> None:
    """The harness's environment has a pip and a uv; neither is the one certified."""
    before = harness_state()
    said: list[str] = []
    made, specs = make_installers(
        ["pip", "uv", "uv:first-index"], cache=tmp_path / "cache", notify=said.append
    )
    assert [str(s) for s in specs] == ["pip==23.2.1", "uv==99.1", "uv==99.1:first-index"]
    assert [i.version for i in made] == ["23.2.1", "99.1", "99.1"]
    tools = tmp_path / "cache" / "tools"
    assert made[0].python == tools / "pip-23.2.1" / "bin" / "python"  # type: ignore[attr-defined]
    assert made[1].binary == tools / "uv-99.1" / "bin" / "uv"  # type: ignore[attr-defined]
    assert len(said) == 2 and "pip==23.2.1" in said[0] and "uv==99.1" in said[1]
    assert harness_state() == before


def test_the_offline_form_certifies_a_named_interpreter_pip_without_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_OFFLINE", "1")
    made, specs = make_installers([f"pip@{sys.executable}"], cache=tmp_path / "cache")
    assert made[0].version == harness_state()[0] and specs[0].path == Path(sys.executable)
    assert not (tmp_path / "cache").exists()


def test_without_the_registry_a_bare_pip_is_one_line_naming_the_offline_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never the harness's pip in its place: the run stops before any scenario (exit 2)."""
    from wheelnext.cli import main

    for variable in ("UV_FIND_LINKS", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(SystemExit) as stopped:
        main(["conformance", "run", "-q", "--installer", "pip"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and out == "", err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "cannot install the newest pip from the registry" in lines[0]
    assert "--installer pip@/path/to/python" in lines[0]
    assert not list((tmp_path / "xdg").glob("**/tools/pip-*"))


def _registry_reachable() -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _registry_reachable(), reason="the registry (pypi.org) is unreachable")
def test_bare_pip_provisions_the_registry_newest(tmp_path: Path) -> None:
    before = harness_state()
    said: list[str] = []
    made, specs = make_installers(["pip"], cache=tmp_path / "cache", notify=said.append)
    assert specs[0].version == made[0].version and f"pip=={made[0].version}" in said[0]
    assert made[0].python.is_relative_to(tmp_path / "cache" / "tools")  # type: ignore[attr-defined]
    assert harness_state() == before


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
