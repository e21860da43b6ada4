"""Materializing scenarios: every shipped scenario's packages and index pages, versus packse.

wheelnext builds each scenario's distributions straight from their declarative
tables (no build backend) and serves the index pages from the built folders.
This measures, from an empty cache: building every package of every
scenario, then serving and fetching every index's project list and every
project page (HTML), i.e. everything an installer would read. A second pass
with the warm cache shows what a repeated run costs.

The peer is packse, which builds its scenarios' packages by running a build
backend per package. packse 0.3.59 declares ``Requires-Python >=3.12``; when it
cannot be installed and run here, the comparison uses the figure measured for
it on this kind of machine (85 s for its 150 scenarios) and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import cpu_model

PACKSE_REFERENCE_S = 85.0
PACKSE_REFERENCE_SCENARIOS = 150




def wheelnext_pass(dirs: list[Path], cache: Path) -> dict[str, Any]:
    import httpx

    from wheelnext.conformance.materialize import materialize_all
    from wheelnext.conformance.scenario import load_scenarios
    from wheelnext.index import serve_in_process

    start = time.perf_counter()
    scenarios = load_scenarios(dirs)
    built = materialize_all(scenarios, cache)
    build_s = time.perf_counter() - start
    roots = {
        f"s{i}-{name}": root
        for i, s in enumerate(scenarios)
        for name, root in built[s.id].roots.items()
    }
    files = sum(len(list(r.iterdir())) for r in set(roots.values()))
    pages = 0
    with serve_in_process(roots) as server, httpx.Client() as client:
        for name in roots:
            listing = client.get(server.index_url(name))
            listing.raise_for_status()
            pages += 1
            for project in sorted({p.name.split("-")[0] for p in roots[name].iterdir()}):
                page = client.get(f"{server.index_url(name)}{project}/")
                pages += 1
                assert page.status_code in (200, 301, 404), page.status_code
    total = time.perf_counter() - start
    return {
        "scenarios": len(scenarios),
        "indexes": len(roots),
        "files": files,
        "pages": pages,
        "build_s": round(build_s, 3),
        "total_s": round(total, 3),
        "per_scenario_s": round(total / max(1, len(scenarios)), 5),
    }


def packse_pass(tmp: Path) -> dict[str, Any] | str:
    """Build packse's own scenarios, if packse can be installed on this Python."""
    env = tmp / "packse-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        return "no uv to install packse with"
    done = subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(env / "bin" / "python"), "packse==0.3.59"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        why = " ".join(done.stderr.split())
        return f"packse 0.3.59 cannot be installed on Python {platform.python_version()}: {why}"
    packse = env / "bin" / "packse"
    scenarios = tmp / "packse-scenarios"
    subprocess.run([str(packse), "fetch", "--dest", str(scenarios)], check=True)
    count = len(list(scenarios.rglob("*.toml"))) + len(list(scenarios.rglob("*.json")))
    start = time.perf_counter()
    subprocess.run([str(packse), "build", str(scenarios)], cwd=tmp, check=True)
    total = time.perf_counter() - start
    return {"scenarios": count, "total_s": round(total, 3), "per_scenario_s": total / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="baseline scenarios only")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--scenarios", type=Path, action="append", default=[])
    parser.add_argument("--no-packse", action="store_true", help="skip trying to run packse")
    args = parser.parse_args()

    from wheelnext.conformance.scenario import shipped_dir

    dirs = args.scenarios or ([shipped_dir() / "baseline"] if args.quick else [])
    tmp = Path(tempfile.mkdtemp(prefix="wheelnext-bench-materialize-"))
    try:
        cold = wheelnext_pass(dirs, tmp / "cache")
        warm = wheelnext_pass(dirs, tmp / "cache")
        peer = "skipped (--no-packse)" if args.no_packse else packse_pass(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(peer, dict):
        peer_per = float(peer["per_scenario_s"])
        peer_note = "measured in this run"
    else:
        peer_per = PACKSE_REFERENCE_S / PACKSE_REFERENCE_SCENARIOS
        peer_note = (
            f"not run ({peer}); reference figure {PACKSE_REFERENCE_S:.0f} s for "
            f"{PACKSE_REFERENCE_SCENARIOS} scenarios"
        )
    ratio = peer_per / max(cold["per_scenario_s"], 1e-9)
    report = {
        "benchmark": "materialize",
        "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "wheelnext_cold": cold,
        "wheelnext_warm": warm,
        "packse": peer if isinstance(peer, dict) else None,
        "packse_per_scenario_s": round(peer_per, 4),
        "packse_note": peer_note,
        "ratio_per_scenario": round(ratio, 1),
        "goal": ">= 20x",
        "meets_goal": ratio >= 20,
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"CPU: {report['machine']['cpu']} ({os.cpu_count()} cores)")
    print(
        f"wheelnext: {cold['scenarios']} scenarios, {cold['files']} files, {cold['pages']} pages: "
        f"cold {cold['total_s']:.2f} s ({cold['per_scenario_s'] * 1000:.1f} ms/scenario), "
        f"warm {warm['total_s']:.2f} s"
    )
    print(f"packse: {peer_per:.3f} s/scenario — {peer_note}")
    print(f"ratio (packse / wheelnext, per scenario): {ratio:.0f}x (goal >= 20x)")


if __name__ == "__main__":
    main()
