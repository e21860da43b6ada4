"""Harness overhead: the share of a conformance run not spent inside the installer.

Runs the scenario suite (``--quick``: the baseline only) against pip and
against uv with the venv runner, one job at a time, and measures the run's
total wall time and the wall time of the installer processes themselves
(from start to exit of each process group). Overhead = (total - installer)
/ total: environment preparation, index serving, observing, checking. The
goal (issue 4): under 15% for pip, under 50% for uv, whose installs take about
100 ms.

The package cache is warmed first (materializing is measured by
``benchmarks/materialize.py``), and HOME and TMPDIR of the harness point at a
private folder so stray-write detection sees no other program.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import cpu_model


def measure(installer_spec: str, dirs: list[Path], cache: Path) -> dict[str, Any]:
    from wheelnext.conformance.adapters import make_installer
    from wheelnext.conformance.run import run_suite
    from wheelnext.conformance.runners.venv import VenvRunner
    from wheelnext.conformance.scenario import load_scenarios

    scenarios = load_scenarios(dirs)
    installer = make_installer(installer_spec, cache=cache)
    run_suite(scenarios[:1], [installer], VenvRunner(), cache=cache)  # warm caches and imports
    start = time.perf_counter()
    results = run_suite(scenarios, [installer], VenvRunner(), cache=cache, jobs=1)
    total = time.perf_counter() - start
    inside = sum(r.observation.duration for r in results if r.observation)
    ran = sum(1 for r in results if r.observation)
    return {
        "installer": f"{installer.name} {installer.version}",
        "scenarios": len(scenarios),
        "installer_runs": ran,
        "total_s": round(total, 3),
        "installer_s": round(inside, 3),
        "overhead_s_per_scenario": round((total - inside) / max(1, len(scenarios)), 4),
        "overhead_share": round((total - inside) / total, 4),
        "statuses": sorted({str(r.status) for r in results}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="baseline scenarios only")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--scenarios", type=Path, action="append", default=[])
    parser.add_argument("--installer", action="append", default=[])
    args = parser.parse_args()

    from wheelnext.conformance.scenario import shipped_dir

    dirs = args.scenarios or ([shipped_dir() / "baseline"] if args.quick else [])
    private = Path(tempfile.mkdtemp(prefix="wheelnext-bench-"))
    for sub in ("home", "tmp"):
        (private / sub).mkdir()
    os.environ["HOME"] = str(private / "home")
    os.environ["TMPDIR"] = str(private / "tmp")
    tempfile.tempdir = None
    cache = private / "cache"
    goals = {"pip": 0.15, "uv": 0.50}
    rows = []
    for spec in args.installer or ["pip", "uv"]:
        row = measure(spec, dirs, cache)
        name = spec.split(":")[0].split("==")[0]
        row["goal"] = goals.get(name)
        row["meets_goal"] = row["goal"] is None or row["overhead_share"] < row["goal"]
        rows.append(row)
    report = {
        "benchmark": "harness_overhead",
        "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "results": rows,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"CPU: {report['machine']['cpu']} ({os.cpu_count()} cores)")
    for row in rows:
        print(
            f"{row['installer']}: {row['scenarios']} scenarios, total {row['total_s']:.2f} s, "
            f"installer {row['installer_s']:.2f} s, overhead {row['overhead_share']:.1%} "
            f"({row['overhead_s_per_scenario'] * 1000:.0f} ms per scenario; "
            f"goal < {row['goal']:.0%}: {'met' if row['meets_goal'] else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
