"""The published conformance matrix: every installer configuration, with each runner.

Runs the full scenario suite against pip 23.2.1 (what ``ensurepip`` gives
Python 3.11), the newest pip, the newest uv (this environment's, unless
named) in each of their named configurations, and the reference installer
``wheelnext``, with the venv and docker runners, and merges the records into
``docs/conformance/results.json``: the records of the runners run now replace
all of theirs, the other runners' records are kept. The docs build renders
that file (:mod:`wheelnext.conformance.matrix_page`); it is never edited by hand.
``tools/matrix.py`` calls :func:`main` from a checkout.

The installers must be present: a named version is provisioned once into the
harness cache (and, for the docker runner, into an image), which is the only
step that may reach the package registry; the runs themselves use nothing but
their own loopback.

    python tools/matrix.py                  # both runners
    python tools/matrix.py --runners venv   # only the venv runner's columns
    python tools/matrix.py --runners venv --index-personality json-full \
        --index-personality html-plain      # each venv column against two index personalities
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wheelnext import __version__
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.image import installer_recipe
from wheelnext.conformance.materialize import default_cache
from wheelnext.conformance.report import write_atomic
from wheelnext.errors import WheelnextError

#: pip as ``ensurepip`` bundles it with Python 3.11.
ENSUREPIP_PIP = "23.2.1"
PIP_CONFIGS = ("", ":only-binary")
UV_CONFIGS = ("", ":first-index", ":unsafe-first-match", ":unsafe-best-match", ":variants")
#: Observed installer output kept per record in the committed file (its tail).
OUTPUT_TAIL = 3000


def installer_specs(pip_old: str, pip_new: str | None, uv: str | None) -> list[str]:
    """Every column's ``--installer`` argument, in matrix order."""
    new = f"pip=={pip_new}" if pip_new else "pip"
    uv_spec = f"uv=={uv}" if uv else "uv"
    specs = [f"pip=={pip_old}{c}" for c in PIP_CONFIGS]
    specs += [f"{new}{c}" for c in PIP_CONFIGS]
    specs += [f"{uv_spec}{c}" for c in UV_CONFIGS]
    specs.append("wheelnext")
    return specs


def column(spec: str) -> str:
    """The matrix column an ``--installer`` spec fills: the name and configuration, no version."""
    name, _, config = spec.partition(":")
    return name.partition("==")[0] + (f":{config}" if config else "")


def usable(specs: list[str], runner: str) -> tuple[list[str], list[str]]:
    """The specs whose installers can be provisioned here (and baked for docker), and why not."""
    ok, skipped = [], []
    for spec in specs:
        try:
            adapter = make_installer(spec, cache=default_cache())
            if runner == "docker":
                installer_recipe(adapter)
        except WheelnextError as exc:
            skipped.append(f"{spec} ({runner}): {exc}")
            continue
        ok.append(spec)
    return ok, skipped


def run_one(
    runner: str,
    specs: list[str],
    jobs: int,
    select: list[str],
    out: Path,
    personalities: list[str] | None = None,
) -> int:
    """One ``wheelnext conformance run`` over every column for *runner*.

    *personalities* are the reference index's (``--index-personality``), for the venv
    runner only: the docker runner serves the default one.
    """
    argv = [sys.executable, "-m", "wheelnext", "conformance", "run", "--runner", runner]
    for spec in specs:
        argv += ["--installer", spec]
    for name in (personalities or []) if runner == "venv" else []:
        argv += ["--index-personality", name]
    for pattern in select:
        argv += ["--select", pattern]
    argv += ["-j", str(jobs), "-q", "--json", str(out)]
    print("$", " ".join(argv[1:]), file=sys.stderr, flush=True)
    return subprocess.run(argv, check=False).returncode


def trim(record: dict[str, Any]) -> dict[str, Any]:
    """A record with the installer output cut to its tail (the committed file stays small)."""
    observed = record.get("observed")
    if observed and len(observed.get("output", "")) > OUTPUT_TAIL:
        observed = {**observed, "output": "…" + observed["output"][-OUTPUT_TAIL:]}
        return {**record, "observed": observed}
    return record


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def merge(
    out: Path,
    runs: dict[str, dict[str, Any]],
    command: str,
    seconds: dict[str, float],
    only: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The committed document: earlier records of other runners kept, this run's added.

    With *only*, just those columns of the runners run now are replaced, so a
    single installer can be re-run without re-running the whole matrix.
    """
    previous: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}

    def replaced(record: dict[str, Any]) -> bool:
        return record["runner"] in runs and (not only or record["installer"] in only)

    kept = [r for r in previous.get("results", []) if not replaced(r)]
    meta_runners = {
        k: v for k, v in previous.get("runners", {}).items() if k not in runs or only
    }
    records = list(kept)
    scenario_set = previous.get("scenario_set")
    for name, doc in runs.items():
        records += [trim(r) for r in doc["results"]]
        if only:
            earlier = meta_runners.get(name, {})
            meta_runners[name] = {
                **earlier,
                "installers": sorted(
                    {i for i in earlier.get("installers", []) if i.split()[0] not in only}
                    | {f"{r['installer']} {r['installer_version']}" for r in doc["results"]}
                ),
                "partial_reruns": [*earlier.get("partial_reruns", []), command],
            }
            scenario_set = doc.get("scenario_set")
            continue
        meta_runners[name] = {
            "command": command,
            "seconds": round(seconds[name]),
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "write_detection": doc.get("write_detection"),
            "image_digest": doc.get("image_digest"),
            "installers": sorted(
                {f"{r['installer']} {r['installer_version']}" for r in doc["results"]}
            ),
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "skipped": doc.get("skipped", []),
        }
        scenario_set = doc.get("scenario_set")
    records.sort(key=lambda r: (r["scenario"], r["runner"], r["installer"], r["python"],
                                r.get("index_personality", "")))
    return {
        "wheelnext": __version__,
        "format": 1,
        "scenario_set": scenario_set,
        "runners": dict(sorted(meta_runners.items())),
        "results": records,
    }


def main(argv: list[str] | None = None, *, root: Path) -> int:
    """``tools/matrix.py``: run the matrix from the checkout *root*, write its results file."""
    results = root / "docs" / "conformance" / "results.json"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", default="venv,docker", help="comma-separated [venv,docker]")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="scenarios in parallel [2]")
    parser.add_argument("--pip-old", default=ENSUREPIP_PIP, help=f"[{ENSUREPIP_PIP}]")
    parser.add_argument("--pip-new", help="newest pip version [this environment's pip]")
    parser.add_argument("--uv", help="uv version [this environment's uv]")
    parser.add_argument("--select", action="append", default=[], help="scenario pattern")
    parser.add_argument("--out", type=Path, default=results, help=f"[{results.relative_to(root)}]")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="re-run only this column (e.g. wheelnext, uv:variants, pip); repeatable",
    )
    parser.add_argument(
        "--index-personality",
        action="append",
        default=[],
        help="also run the venv columns against this index personality (repeatable; "
        "default: json-full only)",
    )
    args = parser.parse_args(argv)
    runners = [r.strip() for r in args.runners.split(",") if r.strip()]
    if not runners or set(runners) - {"venv", "docker"}:
        parser.error(f"--runners {args.runners!r}: expected venv, docker or both")
    specs = installer_specs(args.pip_old, args.pip_new, args.uv)
    only = frozenset(args.only)
    if only:
        unknown = only - {column(spec) for spec in specs}
        if unknown:
            parser.error(f"--only {', '.join(sorted(unknown))}: not a column of the matrix")
        specs = [spec for spec in specs if column(spec) in only]
    command = "python tools/matrix.py " + " ".join(argv if argv is not None else sys.argv[1:])
    runs: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    worst = 0
    with tempfile.TemporaryDirectory(prefix="wheelnext-matrix-") as tmp:
        for runner in runners:
            ok, skipped = usable(specs, runner)
            for line in skipped:
                print(f"skipped: {line}", file=sys.stderr)
            start = time.monotonic()
            out = Path(tmp) / f"{runner}.json"
            code = run_one(runner, ok, args.jobs, args.select, out, args.index_personality)
            seconds[runner] = time.monotonic() - start
            print(f"{runner}: exit {code} in {seconds[runner]:.0f} s", file=sys.stderr)
            if code not in (0, 1) or not out.is_file():
                worst = max(worst, code or 3)
                if not out.is_file():
                    continue
            runs[runner] = {**json.loads(out.read_text()), "skipped": skipped}
    if runs:
        document = merge(args.out, runs, command.strip(), seconds, only)
        write_atomic(args.out, json.dumps(document, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.out} ({len(document['results'])} records)", file=sys.stderr)
    return worst

