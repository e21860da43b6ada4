"""Fixtures for every test folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _support.witness import Witness, canary
from hypothesis import HealthCheck, settings

# Tests never assert on wall-clock time: hypothesis's per-example deadline (200 ms) is such an
# assertion, and it failed on a loaded 2-core machine. Examples still run in full.
settings.register_profile("wheelnext", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("wheelnext")


@pytest.fixture
def witness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Witness]:
    """Make a :class:`Witness` for one hostile case.

    HOME and ``XDG_CACHE_HOME`` move under ``tmp_path`` (so the installer's cache is watched
    too); the witness watches *watched* (default: the target's parent) plus HOME, and
    searches ``tmp_path`` and the working directory for the case's canary token.
    """
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))

    def make(case: str, *watched: Path, token: str | None = None) -> Witness:
        return Witness(token or canary(case), [*watched, home], [tmp_path, Path.cwd()])

    return make
