"""Installing a trusted provider into its own environment and running it there.

PEP 817 "Providers": "When installing provider packages, tools SHOULD use an
isolated virtual environment." Each trusted distribution gets a virtualenv
keyed by name, version and hash; pip installs it in hash-checking mode with
``--no-deps`` (PEP 817: provider packages "SHOULD ... vendor all dependencies"),
under :func:`wheelnext.isolation.scrubbed_environ` so no host pip configuration
leaks in. Plugins run in a child process with a timeout; the answer comes back
through a result file (see ``_runner.py``), not through stdout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wheelnext.isolation import scrubbed_environ
from wheelnext.providers.errors import ProviderError, ProviderTimeout
from wheelnext.providers.trust import TrustedDistribution

RUNNER = Path(__file__).with_name("_runner.py")
DEFAULT_TIMEOUT = 30.0


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()


def run_plugins(
    python: Path | str,
    endpoints: Sequence[str],
    *,
    paths: Sequence[Path] = (),
    timeout: float = DEFAULT_TIMEOUT,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ask the plugins at *endpoints* for their supported configs in a child *python*.

    Returns ``{endpoint: {"namespace", "is_aot_plugin", "supported"}}``; a plugin
    that raises, a child that dies or outlives *timeout* is a :class:`ProviderError`.
    """
    with tempfile.TemporaryDirectory(prefix="wheelnext-provider-") as temp:
        result = Path(temp) / "result.json"
        command = [str(python), "-I", str(RUNNER), str(result)]
        for path in paths:
            command += ["--path", str(path)]
        command += list(endpoints)
        child_env = env if env is not None else scrubbed_environ(Path(temp) / "home")
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise ProviderTimeout(
                f"provider {', '.join(endpoints)}: no answer within {timeout:g} s"
            ) from None
        try:
            answer = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ProviderError(
                f"provider {', '.join(endpoints)}: exited {process.returncode} "
                f"without an answer: {last[0]}"
            ) from None
    if not isinstance(answer, dict):
        raise ProviderError(f"provider {', '.join(endpoints)}: malformed answer")
    for endpoint, entry in answer.items():
        if "error" in entry:
            last_line = str(entry["error"]).strip().splitlines()[-1]
            raise ProviderError(f"provider {endpoint}: {last_line}")
    return answer


def environment_dir(base: Path, dists: Sequence[TrustedDistribution]) -> Path:
    """Where the environment for *dists* lives (one per set of names, versions and hashes)."""
    lines = "\n".join(sorted(d.requirement_line() for d in dists))
    digest = hashlib.sha256(lines.encode()).hexdigest()[:16]
    return base / f"{dists[0].name}-{dists[0].version}-{digest}"


def env_python(directory: Path) -> Path:
    """The interpreter of a virtualenv at *directory*."""
    if sys.platform == "win32":
        return directory / "Scripts" / "python.exe"
    return directory / "bin" / "python"


def ensure_environment(
    dists: Sequence[TrustedDistribution],
    base: Path,
    *,
    find_links: Sequence[str] = (),
    index_urls: Sequence[str] = (),
    timeout: float = 300.0,
) -> Path:
    """Create (once) a virtualenv holding exactly *dists*, hash-checked; return its python.

    The wheels come from the user's configured indexes (*index_urls*, the first
    as pip's ``--index-url``, the others as ``--extra-index-url``) and
    *find_links*; with neither, nothing can be installed and the error says so.
    Hash checking (``--require-hashes``, every line pinned by the allow-list)
    makes the index order irrelevant to what gets installed.
    """
    target = environment_dir(base, dists)
    label = f"{dists[0].name} {dists[0].version}"
    if (target / ".wheelnext-installed").exists():
        return env_python(target)
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=base, prefix=".staging-"))
    try:
        from virtualenv import cli_run

        # Built beside the target and renamed into place when complete: we only ever
        # run ``bin/python`` (a link to the base interpreter), which survives the move.
        cli_run([str(staging / "env"), "--no-download", "--no-periodic-update", "-q"])
        requirements = staging / "requirements.txt"
        lines = "".join(d.requirement_line() + "\n" for d in dists)
        requirements.write_text(lines, encoding="utf-8")
        command = [
            str(env_python(staging / "env")), "-m", "pip", "install", "--no-deps",
            "--require-hashes", "--only-binary", ":all:", "-q", "-r", str(requirements),
        ]
        if not index_urls and not find_links:
            raise ProviderError(
                f"provider {label}: no index to install it from (install --index or"
                " --config; variants order/explain --provider-index)"
            )
        if index_urls:
            command += ["--index-url", index_urls[0]]
            for extra in index_urls[1:]:
                command += ["--extra-index-url", extra]
        else:
            command += ["--no-index"]
        for link in find_links:
            command += ["--find-links", link]
        done = subprocess.run(
            command, env=scrubbed_environ(staging / "home"), capture_output=True,
            timeout=timeout, check=False,
        )
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise ProviderError(f"provider {label}: install failed: {tail[0]}")
        (staging / "env" / ".wheelnext-installed").write_text(lines, encoding="ascii")
        if not target.exists():
            os.replace(staging / "env", target)
        return env_python(target)
    except subprocess.TimeoutExpired:
        raise ProviderTimeout(f"provider {label}: install timed out") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
