"""Install time: ``wheelnext wheel install`` of the ``.whlx`` (and of the ``.whl``) vs pip and uv.

Peers, same run, same wheel, fresh environment each, ``--no-deps``, both bytecode settings:
pip 23.2.1 (what ``ensurepip`` gives Python 3.11, in a ``venv``) and uv with a cold cache
(a new ``UV_CACHE_DIR`` per run). Every peer runs under ``wheelnext.isolation.scrubbed_environ``
so host pip/uv configuration cannot change it. The physical floor is measured in the same
rounds: ``cp -r`` of the unpacked payload (sources in the page cache) into a fresh folder
(``copy-floor``, no bytecode setting). Before every timed command the file system is synced
(``os.sync``), so no run pays for the previous run's write-back. Prints the median (and best)
seconds and the ratios ``peer / wheelnext-whlx`` and ``wheelnext-whlx / copy-floor``, with the
load average before and after.

    python benchmarks/wheel_install.py --quick         # the bundled setuptools wheel
    python benchmarks/wheel_install.py --torch --json  # the torch CPU wheel (converts it once)

``--baseline DIR`` adds ``wheelnext-whlx-baseline``: the same ``.whlx`` installed by another
copy of wheelnext (DIR holds its ``wheelnext`` package, e.g. from ``git archive``), interleaved
with the rest, for before/after numbers in one run. A baseline from before a change of the
layout's shape (``LAYOUT_REVISION``) cannot read the new ``.whlx``: ``--baseline-whlx FILE``
gives it the same wheel converted by its own code.
"""

from __future__ import annotations

import argparse
import ensurepip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _machine import cpu_model, load_average
from _wheels import CACHE, add_torch_options, torch_wheel

from wheelnext.convert import convert_wheel
from wheelnext.isolation import scrubbed_environ
from wheelnext.wheel2.layout import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_LAYOUT,
    DEFAULT_LEVEL,
    LAYOUT_REVISION,
)

BASE_PYTHON = Path(sys.base_prefix) / "bin" / "python3"


def uv_binary() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    return found


def whlx_for(wheel: Path, workers: int) -> tuple[Path, float]:
    """The converted wheel in the default layout, cached beside the downloads under a folder
    named by layout, level, chunk size and layout revision; conversion seconds (0 if cached)."""
    folder = CACHE / (f"whlx-{DEFAULT_LAYOUT.value}-{DEFAULT_LEVEL}-{DEFAULT_CHUNK_BYTES >> 20}"
                      f"-r{LAYOUT_REVISION}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (wheel.name[:-4] + ".whlx")
    if target.exists():
        return target, 0.0
    start = time.perf_counter()
    convert_wheel(wheel, folder, layout=DEFAULT_LAYOUT, level=DEFAULT_LEVEL, workers=workers)
    return target, time.perf_counter() - start


def unpacked(wheel: Path) -> Path:
    """The wheel's files unpacked once (the source of the ``copy-floor`` runs)."""
    tree = CACHE / f"tree-{wheel.name[:-4]}"
    if not tree.is_dir():
        partial = tree.with_name(tree.name + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(partial)
        partial.rename(tree)
    return tree


def warm(tree: Path) -> None:
    """Read every file of *tree* so the copy starts from the page cache."""
    for folder, _, names in os.walk(tree):
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                while handle.read(1 << 20):
                    pass


def timed(command: list[str], env: dict[str, str]) -> float:
    os.sync()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return seconds


def one_run(tool: str, wheel: Path, whlx: Path, compile_: bool, root: Path,
            baseline: Path | None = None, baseline_whlx: Path | None = None) -> float:
    """Fresh venv (pip 23.2.1 only for pip), then time the install command alone."""
    if tool == "copy-floor":
        copy = root / "copy"
        warm(unpacked(wheel))
        seconds = timed(["cp", "-r", str(unpacked(wheel)), str(copy)], dict(os.environ))
        shutil.rmtree(copy, ignore_errors=True)
        return seconds
    venv = root / f"venv-{tool}-{compile_}"
    with_pip = [] if tool == "pip" else ["--without-pip"]
    subprocess.run([str(BASE_PYTHON), "-m", "venv", *with_pip, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    if tool == "pip":  # the 3.11 venv seeds setuptools too: make room for the quick wheel
        subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "setuptools"],
                       check=False, capture_output=True)
    home = root / f"home-{tool}-{compile_}"
    extra = {"PYTHONPATH": str(baseline)} if tool.endswith("-baseline") and baseline else None
    env = scrubbed_environ(home, extra=extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if tool == "pip":
        flag = "--compile" if compile_ else "--no-compile"
        command = [python, "-m", "pip", "install", "--no-deps", "--no-index", flag, str(wheel)]
    elif tool == "uv":
        command = [uv_binary(), "pip", "install", "--no-deps", "--offline", "--python", python,
                   str(wheel)] + (["--compile-bytecode"] if compile_ else [])
    else:
        target = whlx if tool.startswith("wheelnext-whlx") else wheel
        if tool == "wheelnext-whlx-baseline" and baseline_whlx is not None:
            target = baseline_whlx
        flag = "--compile" if compile_ else "--no-compile"
        command = [sys.executable, "-m", "wheelnext", "wheel", "install", str(target),
                   "--python", python, flag]
    seconds = timed(command, env)
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the bundled setuptools wheel (the default)")
    add_torch_options(parser)
    parser.add_argument("--wheel", type=Path, help="any other .whl")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per tool and setting, interleaved; the median (and the "
                             "best) is reported")
    parser.add_argument("--baseline", type=Path,
                        help="a folder holding another wheelnext package to compare against")
    parser.add_argument("--baseline-whlx", type=Path,
                        help="the .whlx the baseline installs (default: the same as ours)")
    parser.add_argument("--skip", action="append", default=[], metavar="TOOL",
                        choices=["wheelnext-whl", "pip"],
                        help="leave a slow peer out (wheelnext-whl, pip); repeatable")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    args = parser.parse_args()
    tools = [tool for tool in ("wheelnext-whlx", "wheelnext-whl", "uv", "pip", "copy-floor")
             if tool not in args.skip]
    if args.baseline:
        tools.insert(1, "wheelnext-whlx-baseline")
    bundled = Path(ensurepip.__file__).parent / "_bundled"
    wheel = args.wheel or torch_wheel(args) or next(bundled.glob("setuptools-*.whl"))
    whlx, convert_s = whlx_for(wheel, args.workers)
    pip_version = subprocess.run(
        [str(BASE_PYTHON), "-c", "import ensurepip; print(ensurepip.version())"],
        capture_output=True, text=True, check=True).stdout.strip()
    uv_version = subprocess.run([uv_binary(), "--version"], capture_output=True, text=True,
                                check=True).stdout.strip()
    results: dict[str, object] = {
        "wheel": wheel.name, "whl_bytes": wheel.stat().st_size, "whlx_bytes": whlx.stat().st_size,
        "convert_s": round(convert_s, 1), "pip": pip_version, "uv": uv_version,
        "baseline_whlx_bytes": args.baseline_whlx.stat().st_size if args.baseline_whlx else None,
        "cpu": f"{cpu_model()} ({os.cpu_count()} CPUs)", "load_before": load_average(),
    }
    runs: dict[str, dict[str, float]] = {}
    samples: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="wheelnext-install-bench-") as tmp:
        for _ in range(args.repeat):  # interleaved, so load changes hit every tool alike
            for compile_ in (False, True):
                key = "compile" if compile_ else "no-compile"
                for tool in tools:
                    if tool == "copy-floor" and compile_:
                        continue
                    seconds = one_run(tool, wheel, whlx, compile_, Path(tmp), args.baseline,
                                      args.baseline_whlx)
                    samples.setdefault(key, {}).setdefault(tool, []).append(round(seconds, 2))
                    print(key, tool, round(seconds, 2), file=sys.stderr, flush=True)
    for key, by_tool in samples.items():
        runs[key] = {tool: statistics.median(values) for tool, values in by_tool.items()}
        runs[key].update({f"best:{tool}": min(values) for tool, values in by_tool.items()})
        ours = runs[key]["wheelnext-whlx"]
        for peer in ("uv", "pip", "wheelnext-whl"):
            if peer in runs[key]:
                runs[key][f"{peer}/wheelnext-whlx"] = round(runs[key][peer] / ours, 2)
        floor = statistics.median(samples["no-compile"]["copy-floor"])
        runs[key]["wheelnext-whlx/copy-floor"] = round(ours / floor, 2)
        if args.baseline:
            runs[key]["baseline/wheelnext-whlx"] = round(
                runs[key]["wheelnext-whlx-baseline"] / ours, 2)
    results["runs"] = runs
    results["samples"] = samples
    results["load_after"] = load_average()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{wheel.name}: .whlx is {whlx.stat().st_size / wheel.stat().st_size:.3f} of .whl")
        for key, row in runs.items():
            print(key, "  ".join(f"{tool}={value}" for tool, value in row.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
