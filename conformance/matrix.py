"""The published conformance matrix: every installer configuration, with each runner.

Runs the full scenario suite against pip 23.2.1 (what ``ensurepip`` gives
Python 3.11), the newest pip and the newest uv (each installed into an
environment of its own in the cache, never this environment's, which the
harness's own dependencies may move; or the versions named), pdm and poetry
(the versions named below) in each of their named configurations, and the
reference installer ``wheelnext``, with the venv and docker runners (each baked
into its installer image: pdm and poetry from their tool environment's
distributions), and merges the records into
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
    python tools/matrix.py --index-only     # only the index columns

The index columns come from installer-less index runs (``conformance run --audience
index --index-target T``, runner ``httpx``), one per index target the harness can
serve (:data:`~wheelnext.conformance.index_run.INDEX_RUN_TARGETS`): their records
replace every earlier index record.
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
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from wheelnext import __version__, inputs
from wheelnext.conformance.adapters import make_installer
from wheelnext.conformance.adapters._tools import newest
from wheelnext.conformance.image import installer_recipe
from wheelnext.conformance.materialize import default_cache
from wheelnext.conformance.record import INDEX_RUNNER, Record
from wheelnext.conformance.report import write_atomic
from wheelnext.errors import WheelnextError

#: pip as ``ensurepip`` bundles it with Python 3.11.
ENSUREPIP_PIP = "23.2.1"
PIP_CONFIGS = ("", ":only-binary")
UV_CONFIGS = ("", ":first-index", ":unsafe-first-match", ":unsafe-best-match", ":variants")
#: pdm and poetry are provisioned from the registry at these versions unless named.
PDM = "2.29.4"
PDM_CONFIGS = ("", ":respect-source-order")
POETRY = "2.5.1"
POETRY_CONFIGS = ("", ":supplemental")
#: Observed installer output kept per record in the committed file (its tail).
OUTPUT_TAIL = 3000


def installer_specs(
    pip_old: str, pip_new: str | None, uv: str | None, pdm: str = PDM, poetry: str = POETRY
) -> list[str]:
    """Every column's ``--installer`` argument, in matrix order."""
    new = f"pip=={pip_new}" if pip_new else "pip"
    uv_spec = f"uv=={uv}" if uv else "uv"
    specs = [f"pip=={pip_old}{c}" for c in PIP_CONFIGS]
    specs += [f"{new}{c}" for c in PIP_CONFIGS]
    specs += [f"{uv_spec}{c}" for c in UV_CONFIGS]
    specs += [f"pdm=={pdm}{c}" for c in PDM_CONFIGS]
    specs += [f"poetry=={poetry}{c}" for c in POETRY_CONFIGS]
    specs.append("wheelnext")
    return specs


def named_versions(pip_new: str | None, uv: str | None, *, cache: Path) -> tuple[str, str]:
    """The newest pip's and uv's versions, provisioned into the cache where not named.

    The harness's own pip and uv are never the ones certified: installing pypiserver
    next to wheelnext once moved this environment's pip from 23.2.1 to 26.3.
    """
    versions = []
    for name, given in (("pip", pip_new), ("uv", uv)):
        if given is None:
            given, env = newest(name, cache=cache)
            print(f"newest {name}: {name}=={given} (in {env})", file=sys.stderr)
        versions.append(given)
    return versions[0], versions[1]


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


def index_targets() -> list[str]:
    """The index targets an index run can serve, read when the matrix runs."""
    from wheelnext.conformance.index_run import INDEX_RUN_TARGETS

    return list(INDEX_RUN_TARGETS)


def run_index(targets: list[str], select: list[str], tmp: Path) -> tuple[dict[str, Any], int]:
    """One index run per target; their documents joined into one (the ``httpx`` runner's)."""
    joined: dict[str, Any] = {"results": []}
    worst = 0
    for target in targets:
        out = tmp / f"index-{target}.json"
        argv = [sys.executable, "-m", "wheelnext", "conformance", "run", "--audience", "index",
                "--index-target", target]
        for pattern in select:
            argv += ["--select", pattern]
        argv += ["-q", "--json", str(out)]
        print("$", " ".join(argv[1:]), file=sys.stderr, flush=True)
        code = subprocess.run(argv, check=False).returncode
        if code not in (0, 1) or not out.is_file():
            worst = max(worst, code or 3)
            joined.setdefault("skipped", []).append(f"index target {target}: exit {code}")
            continue
        doc = json.loads(out.read_text())
        joined["results"] += doc.get("results", [])
        joined.setdefault("scenario_set", doc.get("scenario_set"))
    return joined, worst


def trim(record: Record) -> Record:
    """A record with the installer output cut to its tail (the committed file stays small)."""
    observed = record.observed
    if observed and len(observed.output) > OUTPUT_TAIL:
        observed = replace(observed, output="…" + observed.output[-OUTPUT_TAIL:])
        return replace(record, observed=observed)
    return record


def records_in(doc: dict[str, Any], source: str) -> list[Record]:
    """The records of a saved run or of the committed file, each parsed and checked."""
    found = doc.get("results", [])
    if not isinstance(found, list):
        raise WheelnextError(f"{source}: not a conformance run: no 'results' list")
    return [Record.from_json(r, where=f"{source}: results[{i}]") for i, r in enumerate(found)]


def previous_document(out: Path) -> tuple[dict[str, Any], list[Record]]:
    """The committed matrix file and its records (none when it was never written)."""
    if not out.is_file():
        return {}, []
    previous = inputs.read_json_object(out, what="conformance matrix")
    return previous, records_in(previous, str(out))


def _installers(records: Sequence[Record]) -> set[str]:
    return {f"{r.installer} {r.installer_version}" for r in records}


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
    previous, earlier = previous_document(out)

    def replaced(record: Record) -> bool:
        return record.runner in runs and (not only or record.installer in only)

    kept = [r for r in earlier if not replaced(r)]
    meta_runners = {
        k: v for k, v in previous.get("runners", {}).items() if k not in runs or only
    }
    records = list(kept)
    scenario_set = previous.get("scenario_set")
    for name, doc in runs.items():
        ran = records_in(doc, f"the {name} run")
        records += [trim(r) for r in ran]
        if only:
            earlier = meta_runners.get(name, {})
            meta_runners[name] = {
                **earlier,
                "installers": sorted(
                    {i for i in earlier.get("installers", []) if i.split()[0] not in only}
                    | _installers(ran)
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
            "installers": sorted(_installers(ran)),
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "skipped": doc.get("skipped", []),
        }
        scenario_set = doc.get("scenario_set")
    records.sort(key=lambda r: (r.scenario, r.runner, r.installer, r.python, r.index_personality))
    return {
        "wheelnext": __version__,
        "format": 1,
        "scenario_set": scenario_set,
        "runners": dict(sorted(meta_runners.items())),
        "results": [r.to_json() for r in records],
    }


def main(argv: list[str] | None = None, *, root: Path) -> int:
    """``tools/matrix.py``: run the matrix from the checkout *root*, write its results file."""
    results = root / "docs" / "conformance" / "results.json"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", default="venv,docker", help="comma-separated [venv,docker]")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="scenarios in parallel [2]")
    parser.add_argument("--pip-old", default=ENSUREPIP_PIP, help=f"[{ENSUREPIP_PIP}]")
    parser.add_argument("--pip-new", help="newest pip version [the registry's newest]")
    parser.add_argument("--uv", help="uv version [the registry's newest]")
    parser.add_argument("--pdm", default=PDM, help=f"pdm version [{PDM}]")
    parser.add_argument("--poetry", default=POETRY, help=f"poetry version [{POETRY}]")
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
    parser.add_argument(
        "--index-only", action="store_true",
        help="run only the index columns (every index target; no installer runs)",
    )
    parser.add_argument(
        "--no-index", action="store_true", help="leave the index columns as they are"
    )
    args = parser.parse_args(argv)
    if args.index_only and (args.no_index or args.only):
        parser.error("--index-only: runs no installer column (not with --only or --no-index)")
    try:
        previous_document(args.out)
    except WheelnextError as exc:
        parser.exit(2, f"error: {exc}\n")
    runners = [r.strip() for r in args.runners.split(",") if r.strip()]
    if not runners or set(runners) - {"venv", "docker"}:
        parser.error(f"--runners {args.runners!r}: expected venv, docker or both")
    if args.index_only:
        runners = []
    try:
        pip_new, uv = (
            named_versions(args.pip_new, args.uv, cache=default_cache())
            if runners else (None, None)
        )
    except WheelnextError as exc:
        parser.exit(2, f"error: {exc}\n")
    specs = installer_specs(args.pip_old, pip_new, uv, args.pdm, args.poetry)
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
        if not args.no_index and not only:
            start = time.monotonic()
            index_doc, code = run_index(index_targets(), args.select, Path(tmp))
            seconds[INDEX_RUNNER] = time.monotonic() - start
            print(f"index: exit {code} in {seconds[INDEX_RUNNER]:.0f} s", file=sys.stderr)
            worst = max(worst, code)
            if index_doc["results"]:
                runs[INDEX_RUNNER] = index_doc
    if runs:
        document = merge(args.out, runs, command.strip(), seconds, only)
        write_atomic(args.out, json.dumps(document, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.out} ({len(document['results'])} records)", file=sys.stderr)
    return worst

