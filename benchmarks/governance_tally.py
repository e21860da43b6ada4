"""Bloc STAR tally speed: wheelnext.governance against starvote, same ballots, same run.

    python benchmarks/governance_tally.py [--quick] [--json] [--ballots N] [--candidates N]

Both tabulators get the same in-memory ballots (dicts of candidate -> score 0..5) and
must validate them; we time from ballots to winners. Winner sets are compared.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections.abc import Callable
from typing import Any

import starvote
from _machine import cpu_model

from wheelnext.governance.ballots import ballots_from_marks
from wheelnext.governance.tally import TallyOptions, count_ballots


def make_ballots(n: int, candidates: int, seed: int = 772) -> list[dict[str, int]]:
    rng = random.Random(seed)
    names = [f"Candidate {i:02d}" for i in range(candidates)]
    # Mildly polarised electorate: each candidate has an appeal; scores cluster around it.
    appeal = [rng.randint(0, 5) for _ in names]
    pairs = list(zip(names, appeal, strict=True))
    return [{name: min(5, max(0, a + rng.randint(-2, 2))) for name, a in pairs} for _ in range(n)]


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
    args = parser.parse_args()
    if args.quick:
        args.ballots, args.repeat = 10_000, 1
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
        "cpu": cpu_model(),
    }
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"{args.ballots} ballots x {args.candidates} candidates x {args.seats} seats "
              f"(Bloc STAR, best of {args.repeat}) on {data['cpu']}")
        print(f"  wheelnext.governance {t_ours:8.3f} s")
        print(f"  starvote {starvote.__version__:11} {t_theirs:8.3f} s")
        print(f"  ratio: {data['ratio']}x faster; same winners: {data['same_winners']}")


if __name__ == "__main__":
    main()
