"""Approval voting, top N by count: the PSF Board method that PEP 772 adopts.

PEP 772, Phase 3: "The mechanics of the election (...) are conducted by the PSF, in
accordance with the PSF bylaws and its regular Board election procedures." The PSF
elections README (psf/elections): "The top M vote-getters will be elected to the board".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from wheelnext.governance.ties import TieBreaker
from wheelnext.governance.validation import ValidBallots


class ApprovalCount:
    """Approval totals and the rank order they give (ties settled when reached)."""

    method = "approval"

    def __init__(self, ballots: ValidBallots, ties: TieBreaker) -> None:
        self.candidates = ballots.candidates
        columns = list(zip(*ballots.rows, strict=True)) if ballots.rows else []
        #: totals before any exclusion (PEP 772: "full vote totals *before* any exclusions").
        self.totals: dict[str, int] = {
            name: (sum(columns[i]) if columns else 0) for i, name in enumerate(self.candidates)
        }
        self.ties = ties
        self.rounds: list[dict[str, object]] = []

    def votes(self, name: str) -> int:
        return self.totals[name]

    def tiers(self, eligible: Sequence[str]) -> Iterator[list[str]]:
        """Eligible candidates in groups of equal count, highest first; ties left to the caller.

        The caller (the council rules) settles a tie only where it decides a seat, a
        disqualification or a cohort (``docs/spec-notes/pep772-ties.rst``).
        """
        groups: dict[int, list[str]] = {}
        for name in eligible:
            groups.setdefault(self.totals[name], []).append(name)
        for count in sorted(groups, reverse=True):
            yield sorted(groups[count])
