"""Ties the ballots cannot settle: a recorded agreement or a verifiable random draw.

PEP 772, "Election of the Packaging Council", Phase 3: "If a tie occurs, it may be
resolved by mutual agreement among the candidates, or else the winner will be chosen
at random." The draw must be re-runnable by anyone from a published seed, so it is a
pure function of the seed and the tied names:

- ``sha256`` (default): rank each tied name by ``SHA-256(seed + "\\x00" + name)``
  (UTF-8, hex digest compared as text), lowest first; the first ``k`` win. Because every
  name's key is independent of the others, the relative order of two candidates is the
  same in every tie they share, whatever else is tied or excluded.
- ``psf``: the PSF's ``break-ties.py`` (psf/elections): sort the tied names, seed Python's
  ``random`` with their concatenation, ``random.sample(names, k)``. Re-implemented from
  its description; it depends on CPython's Mersenne Twister and ``random.sample``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wheelnext.governance.errors import GovernanceError

DRAWS = ("sha256", "psf")


@dataclass(frozen=True)
class Tie:
    """One settled tie: where, who, how many were needed, who won it and how."""

    stage: str
    tied: tuple[str, ...]
    needed: int
    chosen: tuple[str, ...]
    how: str
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "stage": self.stage, "tied": list(self.tied), "needed": self.needed,
            "chosen": list(self.chosen), "how": self.how, "detail": self.detail,
        }


def sha256_key(seed: str, name: str) -> str:
    """The draw key of one name: lower keys win."""
    return hashlib.sha256(f"{seed}\x00{name}".encode()).hexdigest()


def draw(names: Sequence[str], k: int, seed: str, method: str = "sha256") -> tuple[str, ...]:
    """Choose ``k`` of ``names`` by the published draw ``method``; ordered as drawn."""
    if method == "sha256":
        return tuple(sorted(names, key=lambda n: (sha256_key(seed, n), n))[:k])
    if method == "psf":
        ordered = sorted(names)
        rng = random.Random("".join(ordered))
        return tuple(rng.sample(ordered, k))
    raise GovernanceError(f"--draw: unknown draw method {method!r} (use sha256 or psf)")


@dataclass
class TieBreaker:
    """Settles ties by agreement where one was recorded, else by the seeded draw."""

    seed: str = ""
    method: str = "sha256"
    agreements: Sequence[Mapping[str, Sequence[str]]] = ()
    ties: list[Tie] = field(default_factory=list)

    def _agreement(self, tied: Sequence[str]) -> tuple[str, ...] | None:
        key = sorted(tied)
        for agreement in self.agreements:
            if sorted(agreement.get("tied", ())) == key:
                chosen = tuple(agreement.get("chosen", ()))
                if not chosen or not set(chosen) <= set(tied) or len(set(chosen)) != len(chosen):
                    raise GovernanceError(
                        f"--agreements: agreement for {key} must choose among the tied"
                    )
                return chosen
        return None

    def settle(self, stage: str, tied: Sequence[str], needed: int) -> tuple[str, ...]:
        """Choose ``needed`` of ``tied``, record how, return them (in rank order)."""
        key = sorted(tied)
        agreed = self._agreement(tied)
        if agreed is not None:
            if len(agreed) < needed:
                raise GovernanceError(
                    f"--agreements: agreement for {key} must choose {needed} of the tied"
                )
            chosen = agreed[:needed]
            self.ties.append(Tie(stage, tuple(key), needed, chosen, "agreement"))
            return chosen
        if not self.seed:
            raise GovernanceError(
                f"--seed: a tie among {', '.join(key)} ({stage}) needs a published seed "
                "or a recorded agreement"
            )
        chosen = draw(key, needed, self.seed, self.method)
        self.ties.append(
            Tie(stage, tuple(key), needed, chosen, f"draw:{self.method}", f"seed {self.seed!r}")
        )
        return chosen

    def order(self, stage: str, tied: Sequence[str]) -> tuple[str, ...]:
        """A full order of ``tied``: agreed names first, the rest by further agreement or draw."""
        agreed = self._agreement(tied)
        if agreed is None:
            return self.settle(stage, tied, len(tied))
        self.ties.append(Tie(stage, tuple(sorted(tied)), len(agreed), agreed, "agreement"))
        rest = [n for n in sorted(tied) if n not in agreed]
        if len(rest) > 1:
            rest = list(self.order(f"{stage}, after the agreement", rest))
        return (*agreed, *rest)
