"""Build the same small wheels with ``wheelnext build`` and with ``python -m build``.

Generates N equivalent small projects (default 200; ``--quick``: 20): a
setuptools project per wheel for ``python -m build --wheel --no-isolation``,
and one spec file with N ``[[dist]]`` tables for ``wheelnext build`` (one
process). Both run in the same invocation on the same machine, with the
host's pip configuration shut out. ``--no-isolation`` keeps the peer off the
network (an isolated build would download setuptools per project and
measure the network instead). Each pair of wheels is checked to hold the
same payload files with the same bytes, so the comparison is like for like.

Prints seconds per wheel for each tool and the ratio (peer / wheelnext);
``--json`` prints the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib.metadata import version as dist_version
from pathlib import Path

from _machine import cpu_model

from wheelnext.isolation import scrubbed_environ


def module_text(index: int) -> str:
    return (
        f'"""Benchmark package {index}."""\n\n__version__ = "1.0.{index}"\n\n'
        + "".join(f"def function_{n}(x):\n    return x * {n} + {index}\n\n" for n in range(20))
    )


def make_projects(root: Path, count: int) -> Path:
    """N setuptools projects under ``root/projects`` and their spec file; returns the spec."""
    tables = []
    for index in range(count):
        name = f"benchpkg{index}"
        project = root / "projects" / name
        (project / name).mkdir(parents=True)
        (project / name / "__init__.py").write_text(module_text(index))
        (project / name / "util.py").write_text(f"VALUE = {index}\n")
        (project / "pyproject.toml").write_text(
            "[build-system]\n"
            'requires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            f'name = "{name}"\n'
            f'version = "1.0.{index}"\n'
            'requires-python = ">=3.8"\n'
            'dependencies = ["attrs>=22"]\n\n'
            "[tool.setuptools]\n"
            f'packages = ["{name}"]\n'
        )
        tables.append(
            "[[dist]]\n"
            f'name = "{name}"\n'
            f'version = "1.0.{index}"\n'
            'requires-python = ">=3.8"\n'
            'requires-dist = ["attrs>=22"]\n'
            f'[[dist.files]]\npath = "{name}/__init__.py"\n'
            f"text = {json.dumps(module_text(index))}\n"
            f'[[dist.files]]\npath = "{name}/util.py"\ntext = "VALUE = {index}\\n"\n'
        )
    spec = root / "spec.toml"
    spec.write_text("\n".join(tables))
    return spec


def payload(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if ".dist-info/" not in name
        }


def run_wheelnext(spec: Path, outdir: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "wheelnext", "build", str(spec), "-o", str(outdir), "--json"],
        env=env, check=True, capture_output=True,
    )
    return time.perf_counter() - start


def run_peer(projects: list[Path], outdir: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    for project in projects:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation",
             "--outdir", str(outdir), str(project)],
            env=env, check=True, capture_output=True,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="wheels to build (default 200)")
    parser.add_argument("--quick", action="store_true", help="build 20 wheels")
    parser.add_argument("--repeat", type=int, default=1,
                        help="timed runs of each tool; the median is reported")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    count = 20 if args.quick else args.count
    with tempfile.TemporaryDirectory(prefix="wheelnext-bench-") as temporary:
        root = Path(temporary)
        spec = make_projects(root, count)
        projects = sorted((root / "projects").iterdir())
        env = scrubbed_environ(root / "home")
        ours, theirs = [], []
        for attempt in range(args.repeat):
            ours.append(run_wheelnext(spec, root / f"wheelnext-{attempt}", env))
            theirs.append(run_peer(projects, root / f"build-{attempt}", env))
        built_ours = {p.name.split("-")[0]: p for p in (root / "wheelnext-0").iterdir()}
        built_theirs = {p.name.split("-")[0]: p for p in (root / "build-0").iterdir()}
        assert len(built_ours) == len(built_theirs) == count, (len(built_ours), len(built_theirs))
        for name, wheel in built_ours.items():
            if payload(wheel) != payload(built_theirs[name]):
                raise SystemExit(f"{name}: the two wheels hold different payloads")
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    result = {
        "wheels": count,
        "repeat": args.repeat,
        "wheelnext_seconds": round(ours_s, 3),
        "python_m_build_seconds": round(theirs_s, 3),
        "wheelnext_ms_per_wheel": round(1000 * ours_s / count, 2),
        "python_m_build_ms_per_wheel": round(1000 * theirs_s / count, 2),
        "ratio_build_over_wheelnext": round(theirs_s / ours_s, 1),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "setuptools": dist_version("setuptools"),
        "build": dist_version("build"),
        "wheelnext": dist_version("wheelnext"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{count} wheels on {result['cpu']}, Python {result['python']}, "
          f"setuptools {result['setuptools']}, build {result['build']}")
    print(f"wheelnext build (one process):       {ours_s:8.2f} s  "
          f"{result['wheelnext_ms_per_wheel']:8.2f} ms/wheel")
    print(f"python -m build --no-isolation (xN): {theirs_s:8.2f} s  "
          f"{result['python_m_build_ms_per_wheel']:8.2f} ms/wheel")
    print(f"ratio (python -m build / wheelnext): {result['ratio_build_over_wheelnext']}x")


if __name__ == "__main__":
    main()
