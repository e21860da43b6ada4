"""Progress while reading large ballot files: the protocol at the seam.

The readers report ``(done, total)`` through :class:`ReadProgress`; the CLI layer plugs in
a rich bar (:class:`wheelnext.commands.governance_progress.RichReadProgress`), which draws
on stderr only (``--json`` output on stdout stays clean) and only for files of at least
:data:`THRESHOLD` ballots.
"""

from __future__ import annotations

from typing import Protocol

#: Files with fewer ballots than this read without a progress bar.
THRESHOLD = 10_000
#: The readers report after every this many ballots (and once at the end).
STEP = 1_000


class ReadProgress(Protocol):
    """Told how far a reader has come; ``total`` is the number of ballots expected."""

    def update(self, done: int, total: int) -> None: ...
