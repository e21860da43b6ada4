"""Reading large ballot files reports progress; the rich bar goes to stderr only."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import wheelnext.commands.governance as governance_cli
from wheelnext.cli import cli
from wheelnext.commands.governance_progress import RichReadProgress
from wheelnext.governance.ballots import load_ballots
from wheelnext.governance.progress import STEP, THRESHOLD


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def update(self, done: int, total: int) -> None:
        self.calls.append((done, total))


def _csv(path: Path, n: int) -> Path:
    rows = ["ballot_id,A,B,C"] + [f"{i},1,{i % 2},0" for i in range(n)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _json(path: Path, n: int) -> Path:
    ballots = [{"id": str(i), "approved": ["A"]} for i in range(n)]
    path.write_text(json.dumps({"candidates": ["A", "B"], "ballots": ballots}))
    return path


@pytest.mark.parametrize("make", [_csv, _json])
def test_readers_report_monotone_progress_ending_at_the_count(
    make: Callable[[Path, int], Path], tmp_path: Path
) -> None:
    n = THRESHOLD + 2_345
    path = make(tmp_path / ("b.csv" if make is _csv else "b.json"), n)
    rec = Recorder()
    assert len(load_ballots(path, progress=rec).ballots) == n
    assert rec.calls[-1] == (n, n)
    assert len(rec.calls) == n // STEP + 1
    done = [d for d, _ in rec.calls]
    assert done == sorted(done) and all(t >= d for d, t in rec.calls)


def test_rich_bar_only_for_large_files(tmp_path: Path) -> None:
    for n, shown in ((THRESHOLD - 1, False), (THRESHOLD, True)):
        out = io.StringIO()
        with RichReadProgress("reading b.csv", Console(file=out, force_terminal=True)) as bar:
            load_ballots(_csv(tmp_path / "b.csv", n), progress=bar)
        assert ("reading b.csv" in out.getvalue()) is shown


def test_cli_progress_on_stderr_never_in_json_stdout(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    class OnTerminal(RichReadProgress):
        def __init__(self, description: str) -> None:
            super().__init__(description, Console(stderr=True, force_terminal=True))

    monkeypatch.setattr(governance_cli, "RichReadProgress", OnTerminal)
    ballots = _csv(tmp_path / "big.csv", THRESHOLD + 1)
    res = CliRunner().invoke(cli, ["governance", "tally", str(ballots), "--seats", "1",
                                   "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["elected"] == ["A"]
    assert "reading big.csv" in res.stderr
