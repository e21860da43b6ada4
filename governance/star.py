"""Multi-winner Bloc STAR with the official STAR Voting tie-breaking protocol.

PEP 13, "Electing the council": "The outcome of the vote is determined using the STAR
voting system, modified to use the Multi-winner Bloc STAR approach." Bloc STAR fills one
seat per round: each round is a single-winner STAR election (scoring round, then an
automatic runoff between the two highest-scoring candidates) among the candidates not
yet elected.

Ties follow starvoting.org's Official Tiebreaker Protocol (see
``docs/spec-notes/pep772-star-ties.rst``):

- scoring round: a tie for a finalist place goes to the candidate preferred head to
  head by more voters; with three or more tied, the tied candidates are compared head to
  head and the one(s) with the most losses eliminated, repeatedly; then the most
  maximum-score ("five star") ratings; then the published random draw;
- runoff: an equal preference count goes to the higher total score, then the most
  maximum-score ratings, then the draw.

``scoring_ties="bettervoting"`` replaces the scoring-round rule by BetterVoting's (the
software the PSF uses for STAR): finalists are chosen one at a time; among the tied, the
candidate(s) with the most *ballot-weighted* head-to-head losses (the number of ballots
scoring another tied candidate above them, summed over the others) are eliminated,
repeatedly; then the most maximum-score ratings; then the draw.

Written by hand (no library tabulates with this protocol and exact integers): each
candidate's column of marks is built once; totals and maximum-score counts are sums over
it, and a head-to-head count is ``sum(map(gt, a, b))``, computed once per pair and only
for the pairs a round or tie actually looks at.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import gt

from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.ties import TieBreaker
from wheelnext.governance.validation import ValidBallots

#: Scoring-round rules for three or more tied candidates (``pep772-star-ties``):
#: ``matchups`` eliminates the most head-to-head match-ups lost (starvoting.org's Official
#: Tiebreaker Protocol as we read it); ``bettervoting`` the most ballot-weighted losses.
SCORING_TIES = ("matchups", "bettervoting")


class BlocStarCount:
    """Bloc STAR rounds over validated ballots; totals are exact integers."""

    method = "bloc-star"

    def __init__(
        self, ballots: ValidBallots, ties: TieBreaker, scoring_ties: str = "matchups"
    ) -> None:
        if scoring_ties not in SCORING_TIES:
            raise GovernanceError(f"--star-scoring-ties: unknown value {scoring_ties!r}")
        self.scoring_ties = scoring_ties
        self.candidates = ballots.candidates
        self.maximum = ballots.maximum
        rows = ballots.rows
        n = len(self.candidates)
        cols: list[tuple[int, ...]] = list(zip(*rows, strict=True)) if rows else [()] * n
        self._columns = dict(zip(self.candidates, cols, strict=True))
        #: total stars before any exclusion.
        self.totals: dict[str, int] = {c: sum(col) for c, col in self._columns.items()}
        self.top_marks: dict[str, int] = {
            c: col.count(self.maximum) for c, col in self._columns.items()
        }
        self._pref: dict[tuple[str, str], int] = {}
        self.ties = ties
        self.rounds: list[dict[str, object]] = []

    def votes(self, name: str) -> int:
        return self.totals[name]

    def preferred(self, a: str, b: str) -> int:
        """How many ballots score ``a`` above ``b``."""
        key = (a, b)
        if key not in self._pref:
            self._pref[key] = sum(map(gt, self._columns[a], self._columns[b]))
        return self._pref[key]

    def _losses(self, group: Sequence[str]) -> dict[str, int]:
        return {
            c: sum(1 for d in group if d != c and self.preferred(d, c) > self.preferred(c, d))
            for c in group
        }

    def _weighted_losses(self, group: Sequence[str]) -> dict[str, int]:
        return {c: sum(self.preferred(d, c) for d in group if d != c) for c in group}

    def _select_bettervoting(
        self, tied: list[str], k: int, steps: list[dict[str, object]], stage: str
    ) -> list[str]:
        """BetterVoting's scoring-round rule: one finalist at a time, eliminating the most
        ballot-weighted losses, then the most maximum-score ratings, then the draw."""
        chosen: list[str] = []
        while len(chosen) < k:
            need = k - len(chosen)
            group = [c for c in sorted(tied) if c not in chosen]
            if len(group) <= need:
                return chosen + group
            while len(group) > 1:
                losses = self._weighted_losses(group)
                steps.append({"step": "ballot-weighted head-to-head losses", "among": group,
                              "losses": losses})
                worst = max(losses.values())
                if worst != min(losses.values()):
                    group = [c for c in group if losses[c] < worst]
                    continue
                if need == 2 and len(group) == 2:
                    return chosen + group
                top = {c: self.top_marks[c] for c in group}
                steps.append({"step": f"most ratings of {self.maximum}", "among": group,
                              "counts": top})
                ranked = sorted(group, key=lambda c: -top[c])
                if need == 2 and top[ranked[1]] > top[ranked[2]]:
                    return chosen + ranked[:2]
                best = top[ranked[0]]
                leaders = [c for c in group if top[c] == best]
                if len(leaders) == 1:
                    group = leaders
                else:
                    drawn = self.ties.settle(stage, leaders, 1)
                    steps.append({"step": "tie settled", "among": leaders,
                                  "chosen": list(drawn)})
                    group = list(drawn)
            chosen.append(group[0])
        return chosen

    def _by_key(
        self, group: list[str], k: int, key: dict[str, int]
    ) -> tuple[list[str], list[str], int]:
        """Split ``group`` into sure winners and a still-tied remainder needing ``k'`` more."""
        values = sorted(set(key[c] for c in group), reverse=True)
        sure: list[str] = []
        for v in values:
            tier = [c for c in group if key[c] == v]
            if len(sure) + len(tier) <= k:
                sure.extend(tier)
                if len(sure) == k:
                    return sure, [], 0
            else:
                return sure, tier, k - len(sure)
        return sure, [], 0

    def _select(
        self, tied: list[str], k: int, steps: list[dict[str, object]], stage: str
    ) -> list[str]:
        """Choose ``k`` finalists among ``tied`` (equal scores) by the official protocol."""
        if self.scoring_ties == "bettervoting" and len(tied) > 2:
            return self._select_bettervoting(tied, k, steps, stage)
        group = sorted(tied)
        chosen: list[str] = []
        while len(group) > k:
            losses = self._losses(group)
            steps.append({"step": "head-to-head losses", "among": group, "losses": losses})
            worst = max(losses.values())
            if worst == min(losses.values()):
                break
            survivors = [c for c in group if losses[c] < worst]
            if len(survivors) >= k:
                group = survivors
            else:
                chosen.extend(survivors)
                k -= len(survivors)
                group = [c for c in group if losses[c] == worst]
        if len(group) <= k:
            return chosen + group
        top = {c: self.top_marks[c] for c in group}
        steps.append({"step": f"most ratings of {self.maximum}", "among": group, "counts": top})
        sure, rest, need = self._by_key(group, k, top)
        chosen.extend(sure)
        if need:
            drawn = self.ties.settle(stage, rest, need)
            steps.append({"step": "tie settled", "among": rest, "chosen": list(drawn)})
            chosen.extend(drawn)
        return chosen

    def _round(self, number: int, remaining: list[str]) -> str:
        record: dict[str, object] = {"round": number}
        scores = sorted(remaining, key=lambda c: (-self.totals[c], c))
        record["scoring"] = [[c, self.totals[c]] for c in scores]
        if len(remaining) == 1:
            record["winner"] = remaining[0]
            record["decided_by"] = "only remaining candidate"
            self.rounds.append(record)
            return remaining[0]
        steps: list[dict[str, object]] = []
        first_score = self.totals[scores[0]]
        top = [c for c in scores if self.totals[c] == first_score]
        if len(top) >= 2:
            finalists = self._select(top, 2, steps, f"round {number} scoring round")
        else:
            second_score = self.totals[scores[1]]
            nxt = [c for c in scores if self.totals[c] == second_score]
            finalists = [top[0], *self._select(nxt, 1, steps, f"round {number} scoring round")]
        record["scoring_tiebreak"] = steps
        a, b = finalists
        pa, pb = self.preferred(a, b), self.preferred(b, a)
        n = len(self._columns[a])
        record["finalists"] = [a, b]
        record["runoff"] = {a: pa, b: pb, "equal": n - pa - pb}
        if pa != pb:
            winner, how = (a if pa > pb else b), "runoff"
        elif self.totals[a] != self.totals[b]:
            winner, how = (a if self.totals[a] > self.totals[b] else b), "runoff tie: higher score"
        elif self.top_marks[a] != self.top_marks[b]:
            winner = a if self.top_marks[a] > self.top_marks[b] else b
            how = f"runoff tie: more ratings of {self.maximum}"
        else:
            winner = self.ties.settle(f"round {number} runoff", [a, b], 1)[0]
            how = "runoff tie: settled as a tie"
        record["winner"] = winner
        record["decided_by"] = how
        self.rounds.append(record)
        return winner

    def tiers(self, eligible: Sequence[str]) -> Iterator[list[str]]:
        """Winners in order of election, one per round, among ``eligible``."""
        remaining = list(eligible)
        number = 0
        while remaining:
            number += 1
            winner = self._round(number, remaining)
            remaining.remove(winner)
            yield [winner]
