"""The published, re-runnable random draw and recorded agreements."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.governance.errors import GovernanceError
from wheelnext.governance.ties import TieBreaker, draw

names = st.lists(st.text(min_size=1, max_size=8), min_size=2, max_size=6, unique=True)


def test_sha256_draw_is_the_documented_formula() -> None:
    tied = ["Bob", "Amy", "Cy"]
    expected = sorted(tied, key=lambda n: hashlib.sha256(f"s\x00{n}".encode()).hexdigest())
    assert list(draw(tied, 3, "s")) == expected


def test_psf_draw_matches_the_break_ties_description() -> None:
    tied = ["Candidate 12", "Candidate 0", "Candidate 8", "Candidate 3"]
    ordered = sorted(tied)
    rng = random.Random("".join(ordered))
    assert list(draw(tied, 2, "ignored", "psf")) == rng.sample(ordered, 2)


@given(names, st.text(max_size=10))
def test_sha256_draw_ignores_input_order_and_other_candidates(tied: list[str], seed: str) -> None:
    full = draw(tied, len(tied), seed)
    assert draw(list(reversed(tied)), len(tied), seed) == full
    sub = tied[1:]
    assert draw(sub, len(sub), seed) == tuple(n for n in full if n in sub)


def test_agreement_wins_over_draw_and_is_recorded() -> None:
    t = TieBreaker("seed", agreements=[{"tied": ["B", "A"], "chosen": ["B"]}])
    assert t.settle("x", ["A", "B"], 1) == ("B",)
    assert t.ties[0].how == "agreement"


def test_tie_without_seed_or_agreement_is_an_error() -> None:
    with pytest.raises(GovernanceError, match="--seed"):
        TieBreaker().settle("x", ["A", "B"], 1)
