"""Selecting the best variant of a package in a fresh process, detection included.

wheelnext (built-in ``x86_64`` provider in-process, then
``wheelnext.variants.select.select_wheels``) against variantlib
(``variantlib.api.get_variants_by_priority``, which starts a new interpreter for
its plugins), with a bare ``python -c pass`` measured in the same run.

variantlib 0.2.x no longer accepts the plugin API of the ``x86_64`` provider on
PyPI, so this script writes a minimal ``x86_64`` plugin for it (reading the
``/proc/cpuinfo`` flags, like ours) and puts it on ``PYTHONPATH``. Both sides
answer the same question: which of the labels ``x8664v1`` .. ``x8664v4`` of one
package version is best on this machine.

Two installations are measured: a regular one (``pip install --no-deps`` of
this checkout into a fresh virtual environment whose site-packages also sees
the dependencies of the running one, as a user's would), and the running
interpreter's own (an editable install in development, whose import finder
costs every process, variantlib's included, some milliseconds). The headline
ratio is the regular install's. Child processes run without
``PYTHONDONTWRITEBYTECODE``, so that the warm-up run leaves byte code behind
as an ordinary installation has.

Usage: python benchmarks/variant_selection.py [--quick] [--json] [--runs N] [--no-regular]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import cpu_model

REPOSITORY = Path(__file__).resolve().parent.parent

REGULAR, RUNNING = "regular install", "running (editable) install"
LEVELS = ("v1", "v2", "v3", "v4")
WHEELS = [f"benchpkg-1.0-py3-none-any-x8664{lv}.whl" for lv in LEVELS] + [
    "benchpkg-1.0-py3-none-any.whl"
]

OURS = """
import json, sys
import wheelnext.detect
from wheelnext.providers.query import QueryOptions, query_metadata
from wheelnext.variants.select import select_wheels
doc = json.load(open(sys.argv[1]))
cold = sys.argv[2] == "cold"
supported = query_metadata(doc, QueryOptions.from_user(refresh=cold, use_cache=not cold)).properties
print(select_wheels(json.load(open(sys.argv[3])), doc, supported).best.filename)
"""

IMPORTS = """
import wheelnext.detect
from wheelnext.providers.query import QueryOptions, query_metadata
from wheelnext.variants.select import select_wheels
import wheelnext.detect.x86_64
"""

VARIANTLIB = """
import json, sys
from variantlib.api import get_variants_by_priority
ranked = get_variants_by_priority(variants_json=json.load(open(sys.argv[1])))
print(ranked[0].label)
"""

PLUGIN = '''
from dataclasses import dataclass


@dataclass
class Config:
    name: str
    values: list
    multi_value: bool = False


LEVELS = {
    "v1": {"cmov", "cx8", "fpu", "fxsr", "mmx", "syscall", "sse", "sse2"},
    "v2": {"cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"},
    "v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"},
    "v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}


class Plugin:
    namespace = "x86_64"

    @staticmethod
    def get_all_configs():
        return [Config("level", ["v4", "v3", "v2", "v1"])]

    @staticmethod
    def get_supported_configs():
        flags = set()
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
        found, needed = [], set()
        for level, required in LEVELS.items():
            needed |= required
            if not needed <= flags:
                break
            found.append(level)
        return [Config("level", found[::-1])]
'''


def regular_install(directory: Path) -> str:
    """A fresh virtual environment with this checkout installed normally; its python."""
    venv = directory / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", purelib,
         str(REPOSITORY)],
        check=True, env=env, capture_output=True,
    )
    # A path line only: the dependencies (and variantlib) become importable, while the
    # running environment's .pth files (the editable finder) are not processed.
    Path(purelib, "_benchmark_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return python


def prepare(directory: Path, python: str, tag: str) -> dict[str, list[str]]:
    variants = {f"x8664{lv}": {"x86_64": {"level": [lv]}} for lv in LEVELS}
    ours = {
        "$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",
        "default-priorities": {"namespace": ["x86_64"]},
        "variants": variants,
    }
    theirs = {
        "$schema": "https://variants-schema.wheelnext.dev/v0.2.0.json",
        "default-priorities": {"namespace": ["x86_64"]},
        "providers": {
            "x86_64": {"requires": ["bench-x86-plugin"], "plugin-api": "bench_x86_plugin:Plugin"}
        },
        "variants": variants,
    }
    (directory / "ours.json").write_text(json.dumps(ours))
    (directory / "theirs.json").write_text(json.dumps(theirs))
    (directory / "wheels.json").write_text(json.dumps(WHEELS))
    (directory / "bench_x86_plugin.py").write_text(PLUGIN)
    d = str(directory)
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "import json": [python, "-c", "import json"],
        "import wheelnext": [python, "-c", "import wheelnext"],
        "import ...variants.select": [python, "-c", "import wheelnext.variants.select"],
        "wheelnext imports only": [python, "-c", IMPORTS],
        "wheelnext (cold)": [python, "-c", OURS, f"{d}/ours.json", "cold", f"{d}/wheels.json"],
        "wheelnext (warm cache)": [
            python, "-c", OURS, f"{d}/ours.json", "warm", f"{d}/wheels.json"
        ],
        "variantlib": [python, "-c", VARIANTLIB, f"{d}/theirs.json"],
    }
    return {f"{tag}: {name}": command for name, command in commands.items()}


def measure(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 runs instead of 20")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--no-regular", action="store_true", help="measure only the running installation"
    )
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 20)
    with tempfile.TemporaryDirectory(prefix="wheelnext-bench-") as temp:
        directory = Path(temp)
        commands: dict[str, list[str]] = {}
        if not args.no_regular:
            commands.update(prepare(directory, regular_install(directory), REGULAR))
        commands.update(prepare(directory, sys.executable, RUNNING))
        env = {
            k: v for k, v in os.environ.items()
            if not k.startswith("WHEELNEXT_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(XDG_CACHE_HOME=str(directory / "cache"), PYTHONPATH=str(directory))
        answers = {name: measure(cmd, env)[1] for name, cmd in commands.items()}  # warm-up
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                times[name].append(measure(command, env)[0])
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    selected = {k: v for k, v in answers.items() if v}
    min_ms = {k: round(min(v) * 1000, 2) for k, v in times.items()}
    ratios = {}
    for tag in (REGULAR, RUNNING):
        if f"{tag}: variantlib" in medians:
            ours, theirs = f"{tag}: wheelnext (cold)", f"{tag}: variantlib"
            ratios[tag] = {
                "median": round(medians[theirs] / medians[ours], 2),
                "min": round(min_ms[theirs] / min_ms[ours], 2),
            }
    result: dict[str, Any] = {
        "machine": {
            "cpu": cpu_model(), "cores": os.cpu_count(), "python": sys.version.split()[0],
            "load_average": os.getloadavg()[0],
        },
        "runs": runs,
        "median_ms": {k: round(v, 2) for k, v in medians.items()},
        "min_ms": min_ms,
        "selected": selected,
        "ratio_variantlib_over_wheelnext_cold": ratios,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    machine = result["machine"]
    print(f"CPU: {machine['cpu']} ({machine['cores']} cores), Python {machine['python']}, "
          f"load average {machine['load_average']:.1f}")
    print(f"{runs} runs each, fresh process per run, interleaved")
    print("  (the 'import' rows attribute start-up cost; they select nothing)")
    for name in commands:
        low = min_ms[name]
        print(f"  {name:36} median {medians[name]:8.1f} ms   min {low:8.1f} ms")
    for name, answer in selected.items():
        print(f"  selected by {name}: {answer}")
    for tag, ratio in ratios.items():
        print(f"variantlib / wheelnext (cold), {tag}: {ratio['median']}x on medians, "
              f"{ratio['min']}x on minimums")
    return 0


if __name__ == "__main__":
    sys.exit(main())
