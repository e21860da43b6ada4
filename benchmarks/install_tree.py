"""Resolve and install a 30-package tree from a local index: wheelnext vs pip vs uv.

One index (wheelnext's reference server, in-process on a loopback port) serves 30 small pure
Python packages: ``app`` depends on 29 ``lib-NN`` packages, each library on the next two, so
the resolver sees a tree with shared nodes, not a flat list. Every tool installs ``app`` into a
fresh ``venv --without-pip`` environment, run in turn in each round so load changes on the
shared machine hit all three, with the host's pip/uv configuration shut out
(``scrubbed_environ``) and the same bytecode setting on every side (default: no compilation;
``--compile`` compiles on every side: pip's default, uv's ``--compile-bytecode``).

* cold: an empty cache folder per run;
* warm: the cache folder a previous run of the same tool filled.

wheelnext's own modules are compiled to bytecode before the first run, as installing it from a
wheel does and as pip's and uv's own modules are: every run has ``PYTHONDONTWRITEBYTECODE=1``
(``scrubbed_environ``), so an editable checkout would otherwise compile its sources again in
every run (tens of milliseconds that no installed copy pays).

A fourth peer, ``pip-23.2.1``, is the pip that ``ensurepip`` bundles with this Python 3.11
(what ``python -m venv`` installs), run straight from its bundled wheel; it is skipped when the
wheel is absent.

``--baseline DIR`` adds ``wheelnext-baseline``: another copy of the package (``DIR/wheelnext``,
for instance ``git archive COMMIT impl | tar -x -C DIR/wheelnext``) run the same way, first on
``PYTHONPATH``, in the same rounds, so a change is measured before and after in one run.

Prints the median seconds per tool and the ratios peer/wheelnext, of the medians and of each
tool's best run (the least disturbed by other load); ``--json`` prints the same as JSON.
``--quick`` runs one round instead of five.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import wheelnext
from wheelnext.build.builder import build_dist
from wheelnext.build.spec import spec_from_mapping
from wheelnext.index.server import serve_in_process
from wheelnext.isolation import scrubbed_environ

PACKAGES = 30
#: The tool name of ``--baseline DIR``'s copy of wheelnext.
BASELINE = "wheelnext-baseline"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def make_tree(folder: Path) -> None:
    """``app`` -> lib-01..lib-29; lib-N -> lib-(N+1), lib-(N+2); each with a few modules."""
    folder.mkdir(parents=True, exist_ok=True)
    libs = [f"lib-{n:02d}" for n in range(1, PACKAGES)]
    for n, name in enumerate(libs, start=1):
        deps = [f"lib-{m:02d}>=1" for m in (n + 1, n + 2) if m < PACKAGES]
        module = name.replace("-", "_")
        files = [{"path": f"{module}/__init__.py", "text": f'"""{name}."""\nVALUE = {n}\n'}]
        files += [{"path": f"{module}/part{k}.py",
                   "text": "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(30))}
                  for k in range(5)]
        for version in ("1.0", "1.1"):
            build_dist(spec_from_mapping({"name": name, "version": version,
                                          "requires-dist": deps, "files": files},
                                         source=name), folder)
    build_dist(spec_from_mapping({"name": "app", "version": "1.0", "requires-dist": libs,
                                  "files": [{"path": "app/__init__.py", "text": "X = 1\n"}]},
                                 source="app"), folder)


def compile_own_modules(baseline: Path | None = None) -> None:
    """Bytecode for wheelnext's modules, as a wheel install writes it (pip and uv have theirs)."""
    compileall.compile_dir(Path(wheelnext.__file__).parent, quiet=1)
    if baseline is not None:
        compileall.compile_dir(baseline / "wheelnext", quiet=1)


def bundled_pip() -> Path | None:
    """The pip wheel ``ensurepip`` carries, if any."""
    import ensurepip

    folder = Path(ensurepip.__file__).parent / "_bundled"
    found = sorted(folder.glob("pip-*.whl"))
    return found[-1] if found else None


def commands(tool: str, python: Path, url: str, cache: Path, compile_bytecode: bool) -> list[str]:
    if tool.startswith("wheelnext"):
        return [sys.executable, "-m", "wheelnext", "install", "--python", str(python),
                "--index", f"local={url}", "--cache-dir", str(cache), "-q",
                "--compile" if compile_bytecode else "--no-compile", "app"]
    if tool.startswith("pip"):
        wheel = bundled_pip()
        runner = [sys.executable, f"{wheel}/pip"] if tool != "pip" and wheel else [
            sys.executable, "-m", "pip"]
        return [*runner, "--python", str(python), "install",
                "--index-url", url, "--cache-dir", str(cache), "--disable-pip-version-check",
                "--no-input", "-q", *([] if compile_bytecode else ["--no-compile"]), "app"]
    import uv

    return [uv.find_uv_bin(), "pip", "install", "--python", str(python), "--index-url", url,
            "--cache-dir", str(cache), "-q",
            *(["--compile-bytecode"] if compile_bytecode else []), "app"]


def one_run(tool: str, root: Path, url: str, cache: Path, compile_bytecode: bool,
            baseline: Path | None = None) -> float:
    env_dir = root / f"env-{tool}"
    shutil.rmtree(env_dir, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    environ = scrubbed_environ(root / f"home-{tool}")
    if tool == BASELINE and baseline is not None:
        environ["PYTHONPATH"] = str(baseline)
    start = time.perf_counter()
    done = subprocess.run(commands(tool, python, url, cache, compile_bytecode), env=environ,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed: {done.stderr.strip()[-500:]}")
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    count = len(list(site.glob("*.dist-info")))
    if count != PACKAGES:
        raise SystemExit(f"{tool} installed {count} distributions, expected {PACKAGES}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of five")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--compile", action="store_true", help="compile bytecode on every side")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run the wheelnext package in DIR/wheelnext (before/after)")
    args = parser.parse_args()
    baseline: Path | None = args.baseline.resolve() if args.baseline else None
    if baseline is not None and not (baseline / "wheelnext" / "__init__.py").is_file():
        raise SystemExit(f"error: --baseline {args.baseline}: no wheelnext/__init__.py there")
    rounds = args.rounds or (1 if args.quick else 5)
    wheel = bundled_pip()
    old_pip = f"pip-{wheel.name.split('-')[1]}" if wheel else None
    tools = ("wheelnext", "pip", "uv", *([old_pip] if old_pip else []),
             *([BASELINE] if baseline else []))
    times: dict[str, dict[str, list[float]]] = {t: {"cold": [], "warm": []} for t in tools}
    compile_own_modules(baseline)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="wheelnext-bench-install-") as temp:
        root = Path(temp)
        make_tree(root / "index")
        with serve_in_process(root / "index") as server:
            url = server.index_url()
            for _ in range(rounds):
                for tool in tools:
                    cache = root / f"cache-{tool}"
                    shutil.rmtree(cache, ignore_errors=True)
                    for kind in ("cold", "warm"):
                        times[tool][kind].append(
                            one_run(tool, root, url, cache, args.compile, baseline))
    median = {t: {k: statistics.median(v) for k, v in d.items()} for t, d in times.items()}
    best = {t: {k: min(v) for k, v in d.items()} for t, d in times.items()}
    result: dict[str, Any] = {
        "packages": PACKAGES,
        "rounds": rounds,
        "compile_bytecode": args.compile,
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "versions": {"pip": dist_version("pip"), "uv": dist_version("uv"),
                     "wheelnext": dist_version("wheelnext"),
                     "bundled pip": str(wheel.name) if wheel else None},
        "baseline": str(baseline) if baseline else None,
        "seconds": median,
        "best_seconds": best,
        "best_ratios": {f"{t}/wheelnext": {k: best[t][k] / best["wheelnext"][k]
                                            for k in ("cold", "warm")} for t in tools[1:]},
        "ratios": {f"{t}/wheelnext": {k: median[t][k] / median["wheelnext"][k]
                                       for k in ("cold", "warm")} for t in tools[1:]},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    load = result["load_average"]
    print(f"{PACKAGES}-package tree, {rounds} round(s), bytecode "
          f"{'compiled' if args.compile else 'not compiled'}; {result['cpu']}; load average "
          f"{load['before'][0]:.1f} before, {load['after'][0]:.1f} after")
    for kind in ("cold", "warm"):
        row = "  ".join(f"{t} {median[t][kind]:.3f}s" for t in tools)
        ratios = "  ".join(f"{name} {values[kind]:.2f}x"
                           for name, values in result["ratios"].items())
        best_ratios = "  ".join(f"{name} {values[kind]:.2f}x"
                                for name, values in result["best_ratios"].items())
        print(f"{kind:5}: {row}\n       median ratios: {ratios}\n"
              f"       best-run ratios: {best_ratios}")


if __name__ == "__main__":
    main()
