"""Real pip and real uv install built wheels from the running index server.

Each install goes into a fresh virtualenv, over the HTML API and over the
JSON API: the server offers only one serialization per run (``formats``), and
the request log shows which one the installer was served. The installers run
under :func:`wheelnext.isolation.scrubbed_environ`; the "poisoned" runs add
host configuration (extra indexes, find-links, constraints) that would
change the result if it leaked through.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import virtualenv

from wheelnext.build import build_dist, spec_from_mapping
from wheelnext.index import IndexServer, serve_in_process
from wheelnext.isolation import scrubbed_environ

pytestmark = [pytest.mark.network_installer, pytest.mark.slow]

#: Nothing listens on port 9 of the loopback (the discard port).
DEAD_INDEX = "http://127.0.0.1:9/dead/simple/"
JSON = "application/vnd.pypi.simple.v1+json"
CONTENT_TYPES = {
    "html": {"application/vnd.pypi.simple.v1+html", "text/html; charset=utf-8", "text/html"},
    "json": {"application/vnd.pypi.simple.v1+json"},
}

SPECS: list[dict[str, Any]] = [
    {"name": "alpha", "version": "1.0", "requires-dist": ["beta>=1"]},
    {"name": "beta", "version": "1.0"},
    # Newer, but excluded by Requires-Python (data-requires-python / requires-python);
    # a lower bound, as uv ignores upper bounds of Requires-Python by design.
    {"name": "beta", "version": "2.0", "requires-python": ">=4"},
    # Newer, but yanked through the sidecar file (PEP 592).
    {"name": "beta", "version": "3.0"},
    # Variant wheels and the generated alpha-1.0-variants.json are listed too;
    # today's installers skip the names they cannot parse.
    {"name": "alpha", "version": "1.0",
     "variant": {"label": "x86_64_v3", "properties": ["x86_64 :: level :: v3"],
                 "namespaces": ["x86_64"]}},
    {"name": "alpha", "version": "1.0", "variant": {"label": "null", "namespaces": ["x86_64"]}},
]


def uv_binary() -> str:
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            pytest.fail("uv is not installed (it is in the test extra)")
        return found


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("packages")
    for number, spec in enumerate(SPECS):
        build_dist(spec_from_mapping(spec, source=f"SPECS[{number}]"), directory)
    (directory / "beta-3.0-py3-none-any.whl.yanked").write_text("broken release")
    return directory


@pytest.fixture(params=["html", "json"])
def server(request: pytest.FixtureRequest, packages: Path) -> Iterator[IndexServer]:
    with serve_in_process(packages, formats=(request.param,)) as running:
        yield running


def poisoned_host(tmp_path: Path, dead_index: str) -> dict[str, str]:
    """Host configuration that breaks or changes the install if it leaks through."""
    constraints = tmp_path / "host-constraints.txt"
    constraints.write_text("beta==3.0\n")
    pip_conf = tmp_path / "host-pip.conf"
    pip_conf.write_text(f"[global]\nindex-url = {dead_index}\nconstraint = {constraints}\n")
    return {
        "PATH": "/usr/bin:/bin",
        "PIP_CONFIG_FILE": str(pip_conf),
        "PIP_INDEX_URL": dead_index,
        "PIP_EXTRA_INDEX_URL": dead_index,
        "PIP_FIND_LINKS": str(tmp_path),
        "PIP_CONSTRAINT": str(constraints),
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "2",
        "UV_INDEX_URL": dead_index,
        "UV_DEFAULT_INDEX": dead_index,
        "UV_EXTRA_INDEX_URL": dead_index,
        "UV_CONSTRAINT": str(constraints),
        "UV_FIND_LINKS": str(tmp_path),
    }


def fresh_venv(path: Path, env: dict[str, str]) -> Path:
    virtualenv.cli_run(
        [str(path), "--no-seed", "--no-periodic-update", "--quiet", "-p", sys.executable],
        setup_logging=False,
        env=env,
    )
    return path / "bin" / "python"


def install_command(installer: str, python: Path, index_url: str) -> list[str]:
    if installer == "pip":
        return [
            sys.executable, "-m", "pip", "--python", str(python), "install",
            "--index-url", index_url, "--disable-pip-version-check", "alpha",
        ]
    return [uv_binary(), "pip", "install", "--python", str(python), "--index-url", index_url,
            "alpha"]


def run_install(installer: str, index_url: str, env: dict[str, str], venv: Path) -> tuple[
    subprocess.CompletedProcess[str], list[str]
]:
    """Install ``alpha`` into a fresh *venv*; return the run and the installed versions."""
    python = fresh_venv(venv, env)
    result = subprocess.run(
        install_command(installer, python, index_url),
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    probe = subprocess.run(
        [str(python), "-c", "import alpha, beta; print(alpha.__version__, beta.__version__)"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    return result, probe.stdout.split()


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_poisoned_host_configuration_changes_an_unshielded_install(
    installer: str, packages: Path, tmp_path: Path
) -> None:
    """Control: without the scrubbing, the poisoned configuration does leak in."""
    env = poisoned_host(tmp_path, DEAD_INDEX)
    env.update(HOME=str(tmp_path / "home"), PIP_CACHE_DIR=str(tmp_path / "pip-cache"),
               UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_PYTHON_DOWNLOADS="never")
    with serve_in_process(packages) as server:
        result, versions = run_install(installer, server.index_url(), env, tmp_path / "venv")
    assert not (result.returncode == 0 and versions == ["1.0", "1.0"])


@pytest.mark.parametrize("host", ["as-is", "poisoned"])
@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_install_from_index(
    installer: str, host: str, server: IndexServer, tmp_path: Path
) -> None:
    fmt = "json" if JSON in server.app.offered else "html"
    base = poisoned_host(tmp_path, DEAD_INDEX) if host == "poisoned" else None
    env = scrubbed_environ(tmp_path / "home", base=base)
    result, versions = run_install(installer, server.index_url(), env, tmp_path / "venv")
    assert result.returncode == 0, result.stdout + result.stderr
    # beta 2.0 is excluded by Requires-Python and beta 3.0 is yanked.
    assert versions == ["1.0", "1.0"]
    pages = [r for r in server.requests if r.path in ("/simple/alpha/", "/simple/beta/")]
    assert {r.path for r in pages} == {"/simple/alpha/", "/simple/beta/"}
    assert all(r.status == 200 and r.content_type in CONTENT_TYPES[fmt] for r in pages), pages
    downloads = {r.path for r in server.requests if r.path.startswith("/files/") and r.ok}
    assert "/files/alpha-1.0-py3-none-any.whl" in downloads
    assert "/files/beta-1.0-py3-none-any.whl" in downloads
    assert not any("3.0" in path or "2.0" in path for path in downloads if path.endswith(".whl"))
