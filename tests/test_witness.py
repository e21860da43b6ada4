"""The hostile corpus's witness sees what it must see (otherwise every case would pass)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _support.witness import Witness


def test_a_write_in_a_watched_place_is_seen(tmp_path: Path,
                                            witness: Callable[..., Witness]) -> None:
    place = tmp_path / "parent"
    place.mkdir()
    (place / "kept.txt").write_text("x")
    seen = witness("write", place)
    with seen:
        (place / "kept.txt").write_text("y")
    assert any("kept.txt" in line for line in seen.changes())
    with pytest.raises(AssertionError):
        seen.assert_untouched()


def test_a_canary_anywhere_under_the_test_folder_is_found(
        tmp_path: Path, witness: Callable[..., Witness]) -> None:
    seen = witness("canary", tmp_path / "parent")
    with seen:
        deep = tmp_path / "a" / "b" / "c"
        deep.mkdir(parents=True)
        (deep / f"{seen.token}.pth").write_text("import os")
    assert seen.planted() == [deep / f"{seen.token}.pth"]
    with pytest.raises(AssertionError):
        seen.assert_untouched()


def test_nothing_done_is_untouched(tmp_path: Path, witness: Callable[..., Witness]) -> None:
    (tmp_path / "parent").mkdir()
    with witness("quiet", tmp_path / "parent") as seen:
        pass
    seen.assert_untouched()
    assert seen.base, "the base interpreter's folders are watched"
