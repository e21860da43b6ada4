"""Bloc STAR tally speed: wheelnext.governance against starvote, same ballots, same run.

    python benchmarks/governance_tally.py [--quick] [--json] [--whole] [--ballots N]

In memory: both tabulators get the same ballots (dicts of candidate -> score 0..5) and
must validate them; we time from ballots to winners. ``--whole`` also times whole commands
on the same ballots written as a CSV file: ``wheelnext governance tally FILE --method
bloc-star --seats N --json`` against a small script that reads the file with the csv module
and runs ``starvote.bloc_star_voting``; runs alternate, medians are reported. Winner sets
are compared in both modes.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import starvote
from _machine import cpu_model, load_average

from wheelnext.governance.ballots import ballots_from_marks
from wheelnext.governance.tally import TallyOptions, count_ballots


def make_ballots(n: int, candidates: int, seed: int = 772) -> list[dict[str, int]]:
    rng = random.Random(seed)
    names = [f"Candidate {i:02d}" for i in range(candidates)]
    # Mildly polarised electorate: each candidate has an appeal; scores cluster around it.
    appeal = [rng.randint(0, 5) for _ in names]
    pairs = list(zip(names, appeal, strict=True))
    return [{name: min(5, max(0, a + rng.randint(-2, 2))) for name, a in pairs} for _ in range(n)]


#: The peer's whole command: read the CSV with the csv module, tally with starvote.
STARVOTE_SCRIPT = """\
import csv, json, sys
import starvote
with open(sys.argv[1], newline="") as f:
    reader = csv.reader(f)
    names = next(reader)
    ballots = [{n: int(v) for n, v in zip(names, row)} for row in reader]
print(json.dumps(sorted(starvote.bloc_star_voting(ballots, seats=int(sys.argv[2])))))
"""


def write_csv(path: Path, ballots: list[dict[str, int]]) -> None:
    names = list(ballots[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        writer.writerows([b[n] for n in names] for b in ballots)


def wheelnext_command() -> list[str]:
    """The ``wheelnext`` console script beside this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("wheelnext")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from wheelnext.cli import main; main()"]


#: Runs the wheelnext CLI with ``wheelnext.governance`` read from another folder (a baseline).
BASELINE_RUNNER = """\
import sys
import wheelnext.governance
wheelnext.governance.__path__[:] = [sys.argv[1]]
from wheelnext.cli import main
main(sys.argv[2:])
"""


def checkout_governance(rev: str, folder: Path) -> Path:
    """``governance/*.py`` as of git revision ``rev``, written under ``folder``."""
    root = Path(__file__).resolve().parent.parent
    listing = subprocess.run(["git", "ls-tree", "--name-only", rev, "governance/"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.split()
    target = folder / "baseline-governance"
    target.mkdir()
    for name in listing:
        if name.endswith(".py"):
            text = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=root,
                                  capture_output=True, text=True, check=True).stdout
            (target / Path(name).name).write_text(text, encoding="utf-8")
    return target


def run_command(argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def whole_commands(
    ballots: list[dict[str, int]], seats: int, repeat: int, baseline: str | None = None
) -> dict[str, Any]:
    """Time both whole commands on one CSV file, alternating runs; medians.

    With ``baseline`` (a git revision), the same wheelnext command with that revision's
    ``governance`` package runs in the same rotation.
    """
    with tempfile.TemporaryDirectory(prefix="governance-bench-") as tmp:
        folder = Path(tmp)
        ballot_csv = folder / "ballots.csv"
        write_csv(ballot_csv, ballots)
        script = folder / "starvote_tally.py"
        script.write_text(STARVOTE_SCRIPT, encoding="utf-8")
        ours_argv = [*wheelnext_command(), "governance", "tally", str(ballot_csv),
                     "--method", "bloc-star", "--seats", str(seats), "--json"]
        theirs_argv = [sys.executable, str(script), str(ballot_csv), str(seats)]
        base_argv: list[str] = []
        if baseline is not None:
            runner = folder / "baseline_runner.py"
            runner.write_text(BASELINE_RUNNER, encoding="utf-8")
            base_argv = [sys.executable, str(runner), str(checkout_governance(baseline, folder)),
                         *ours_argv[-8:]]
        ours_t: list[float] = []
        theirs_t: list[float] = []
        base_t: list[float] = []
        w_ours: list[str] = []
        w_theirs: list[str] = []
        base_out = ours_out = ""
        for _ in range(repeat):
            if base_argv:
                t, base_out = run_command(base_argv)
                base_t.append(t)
            t, ours_out = run_command(ours_argv)
            ours_t.append(t)
            w_ours = list(json.loads(ours_out)["elected"])
            t, out = run_command(theirs_argv)
            theirs_t.append(t)
            w_theirs = list(json.loads(out))
        m_ours, m_theirs = statistics.median(ours_t), statistics.median(theirs_t)
        extra: dict[str, Any] = {}
        if base_argv:
            m_base = statistics.median(base_t)
            extra = {
                "baseline": baseline, "baseline_s": round(m_base, 3),
                "baseline_runs_s": [round(t, 3) for t in base_t],
                "baseline_ratio": round(m_theirs / m_base, 2),
                "speedup_over_baseline": round(m_base / m_ours, 2),
                "same_report_as_baseline": base_out == ours_out,
            }
        return {
            "command": " ".join(["wheelnext", *ours_argv[-8:]]).replace(str(ballot_csv), "FILE"),
            "csv_bytes": ballot_csv.stat().st_size,
            "runs": repeat,
            "wheelnext_s": round(m_ours, 3), "starvote_s": round(m_theirs, 3),
            "wheelnext_runs_s": [round(t, 3) for t in ours_t],
            "starvote_runs_s": [round(t, 3) for t in theirs_t],
            "ratio": round(m_theirs / m_ours, 2),
            "same_winners": set(w_ours) == set(w_theirs),
            **extra,
        }


def timed(fn: Callable[[], list[str]], repeat: int) -> tuple[float, list[str]]:
    best = float("inf")
    out: list[str] = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 ballots, one repeat")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--seats", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--whole", action="store_true",
                        help="also time whole commands reading a CSV file (medians)")
    parser.add_argument("--whole-runs", type=int, default=5,
                        help="alternating runs of each whole command")
    parser.add_argument("--baseline", metavar="REV",
                        help="with --whole: also run the command with governance/ from git REV")
    args = parser.parse_args()
    if args.quick:
        args.ballots, args.repeat, args.whole_runs = 10_000, 1, 1
    ballots = make_ballots(args.ballots, args.candidates)
    options = TallyOptions(method="bloc-star", seats=args.seats, seed="benchmark")

    def ours() -> list[str]:
        result = count_ballots(ballots_from_marks(ballots), None, options).result
        return list(result["elected"])

    def theirs() -> list[str]:
        return list(starvote.bloc_star_voting(ballots, seats=args.seats))

    t_ours, w_ours = timed(ours, args.repeat)
    t_theirs, w_theirs = timed(theirs, args.repeat)
    data: dict[str, Any] = {
        "ballots": args.ballots, "candidates": args.candidates, "seats": args.seats,
        "repeat": args.repeat, "wheelnext_s": round(t_ours, 4), "starvote_s": round(t_theirs, 4),
        "ratio": round(t_theirs / t_ours, 2), "same_winners": set(w_ours) == set(w_theirs),
        "starvote_version": starvote.__version__, "python": platform.python_version(),
        "cpu": cpu_model(), "load_average_before": load_average(),
    }
    if args.whole:
        data["whole"] = whole_commands(ballots, args.seats, args.whole_runs, args.baseline)
    data["load_average_after"] = load_average()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"{args.ballots} ballots x {args.candidates} candidates x {args.seats} seats "
              f"(Bloc STAR, best of {args.repeat}) on {data['cpu']}")
        print(f"  wheelnext.governance {t_ours:8.3f} s")
        print(f"  starvote {starvote.__version__:11} {t_theirs:8.3f} s")
        print(f"  ratio: {data['ratio']}x faster; same winners: {data['same_winners']}")
        if args.whole:
            whole = data["whole"]
            print(f"whole commands on a {whole['csv_bytes']} byte CSV "
                  f"(median of {whole['runs']}, alternating):")
            print(f"  {whole['command']:60} {whole['wheelnext_s']:8.3f} s")
            print(f"  {'csv module + starvote.bloc_star_voting':60} {whole['starvote_s']:8.3f} s")
            print(f"  ratio: {whole['ratio']}x faster; same winners: {whole['same_winners']}")
            if "baseline" in whole:
                print(f"  baseline {whole['baseline']}: {whole['baseline_s']:.3f} s "
                      f"({whole['baseline_ratio']}x starvote); now "
                      f"{whole['speedup_over_baseline']}x faster than it; same report: "
                      f"{whole['same_report_as_baseline']}")
        print(f"  load average: {data['load_average_before']} before, "
              f"{data['load_average_after']} after")


if __name__ == "__main__":
    main()
