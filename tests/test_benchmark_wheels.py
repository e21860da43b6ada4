"""``--torch`` in the benchmarks finds its wheel through the user's pip configuration.

A pip configuration file naming a find-links folder (and no index) must be enough: the wheel
pip picks there is the one the benchmark uses, copied into the benchmark cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _wheels


def make_wheel(folder: Path, name: str, version: str) -> Path:
    import zipfile

    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{dist_info}/METADATA",
                         f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(f"{dist_info}/WHEEL",
                         "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n")
        archive.writestr(f"{dist_info}/RECORD", "")
    return wheel


def test_torch_is_found_through_pip_configuration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(links, "torchlike", "1.0")
    make_wheel(links, "torchlike", "2.0")
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nno-index = true\nfind-links = {links}\n")
    for key in [key for key in os.environ if key.startswith("PIP_")]:
        monkeypatch.delenv(key)  # this machine's own pip settings would win over the file
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setattr(_wheels, "CACHE", tmp_path / "cache")
    parser = argparse.ArgumentParser()
    _wheels.add_torch_options(parser)
    found = _wheels.torch_wheel(parser.parse_args(["--torch", "--torch-requirement",
                                                   "torchlike==1.0"]))
    assert found is not None and found.name == "torchlike-1.0-py3-none-any.whl"
    assert found.parent == tmp_path / "cache"

    newest = _wheels.torch_wheel(parser.parse_args(["--torch", "--torch-requirement",
                                                    "torchlike"]))
    assert newest is not None and newest.name == "torchlike-2.0-py3-none-any.whl"

    named = tmp_path / "named.whl"
    shutil.copy(found, named)
    assert _wheels.torch_wheel(parser.parse_args(["--torch-wheel", str(named)])) == named
    with pytest.raises(SystemExit, match="no such file"):
        _wheels.torch_wheel(parser.parse_args(["--torch-wheel", str(tmp_path / "absent.whl")]))
    with pytest.raises(SystemExit, match="pip download"):
        _wheels.torch_wheel(parser.parse_args(["--torch", "--torch-requirement",
                                               "not-there-at-all"]))


def test_wheel_install_benchmark_reports_every_run(tmp_path: Path) -> None:
    """One quick round of ``benchmarks/wheel_install.py --json``: the medians, the ratios and
    every sample reach the JSON (a run once printed ``"runs": {}``); nothing about time."""
    import json
    import subprocess

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "wheel_install.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["WHEELNEXT_BENCH_CACHE"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--repeat", "1", "--json",
         "--skip", "pip", "--skip", "wheelnext-whl"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    for key in ("no-compile", "compile"):
        row = report["runs"][key]
        assert {"wheelnext-whlx", "uv", "uv/wheelnext-whlx",
                "wheelnext-whlx/copy-floor"} <= set(row), row
        assert all(len(values) == 1 for values in report["samples"][key].values())
    assert "copy-floor" in report["samples"]["no-compile"]
