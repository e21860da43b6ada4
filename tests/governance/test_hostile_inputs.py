"""Every governance command that reads a file, given hostile files in every file slot: one
line naming the input, exit 2, no traceback, nothing written (reliability issue #17,
"Everywhere")."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.witness import Witness

from wheelnext.cli import main

KINDS = ("deep-json", "binary", "dev-zero", "directory", "unreadable", "nul-csv", "huge-field")


def _hostile(kind: str, folder: Path) -> Path:
    """A hostile input of ``kind`` (the witness's canary marks what it must not write)."""
    suffix = ".json" if kind in ("deep-json", "binary") else ".csv"
    path = folder / f"hostile-{kind}{suffix}"
    if kind == "deep-json":
        path.write_text("{\"a\":" * 50_000 + "1" + "}" * 50_000)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "dev-zero":
        return Path("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "unreadable":
        path.write_text("A,B\nx,\n")
        path.chmod(0)
    elif kind == "nul-csv":
        path.write_bytes(b"A,B\n\x00,\x00\n")
    elif kind == "huge-field":
        path.write_text("A,B\n" + "x" * 300_000 + ",1\n")
    return path


def _slots(good: dict[str, Path], out: Path) -> dict[str, Callable[[Path], list[str]]]:
    """Each file slot of each command, filled with the hostile file."""
    tally = ["tally", str(good["ballots"]), "--seats", "1", "--seed", "s",
             "--report-md", str(out / "r.md"), "--audit", str(out / "a.json")]
    return {
        "tally BALLOTS": lambda p: ["tally", str(p), *tally[2:]],
        "tally --candidates": lambda p: [*tally, "--candidates", str(p)],
        "tally --roll": lambda p: [*tally, "--roll", str(p)],
        "tally --agreements": lambda p: [*tally, "--agreements", str(p)],
        "verify AUDIT": lambda p: ["verify", str(p)],
        "verify --ballots": lambda p: ["verify", str(good["audit"]), "--ballots", str(p)],
        "verify recorded ballots": lambda p: ["verify", str(_audit_naming(good, p, out))],
    }


def _audit_naming(good: dict[str, Path], path: Path, out: Path) -> Path:
    record = json.loads(good["audit"].read_text())
    record["inputs"]["ballots"]["path"] = str(path)
    forged = out.parent / f"{path.name}-audit.json"
    forged.write_text(json.dumps(record))
    return forged


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make reading ``denied`` fail as it does for a user without read permission."""
    read_bytes, open_ = Path.read_bytes, Path.open

    def guard(path: Path) -> None:
        if path == denied:
            raise PermissionError(13, "Permission denied", str(path))

    def denied_read_bytes(path: Path) -> bytes:
        guard(path)
        return read_bytes(path)

    def denied_open(path: Path, *args: object, **kwargs: object) -> object:
        guard(path)
        return open_(path, *args, **kwargs)  # type: ignore[call-overload]

    os_open = os.open

    def denied_os_open(path: str | os.PathLike[str], *args: int, **kwargs: int) -> int:
        guard(Path(path))
        return os_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", denied_read_bytes)
    monkeypatch.setattr(Path, "open", denied_open)
    monkeypatch.setattr(os, "open", denied_os_open)


CASES = [(slot, kind) for slot in (
    "tally BALLOTS", "tally --candidates", "tally --roll", "tally --agreements",
    "verify AUDIT", "verify --ballots", "verify recorded ballots") for kind in KINDS]


@pytest.mark.parametrize(("slot", "kind"), CASES)
def test_hostile_file_in_every_slot(
    slot: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    witness: Callable[..., Witness], monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    good = {"ballots": inputs / "b.csv", "audit": inputs / "good-audit.json"}
    good["ballots"].write_text("A,B\nx,\nx,x\n")
    with pytest.raises(SystemExit) as done:
        main(["governance", "tally", str(good["ballots"]), "--seats", "1",
              "--audit", str(good["audit"])])
    assert done.value.code == 0
    capsys.readouterr()
    out = tmp_path / "out"
    out.mkdir()
    case = witness(f"{slot.replace(' ', '_')}-{kind}", out)
    hostile = _hostile(kind, inputs)
    args = _slots(good, out)[slot](hostile)
    if kind == "unreadable" and os.geteuid() == 0:
        _deny(monkeypatch, hostile)  # root reads files whatever their mode
    with case, pytest.raises(SystemExit) as info:
        main(["governance", *args])
    captured = capsys.readouterr()
    assert info.value.code == 2, (slot, kind, captured)
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    assert str(hostile) in captured.err or hostile.name in captured.err, captured.err
    assert captured.out == ""
    assert list(out.iterdir()) == []
    case.assert_untouched()


OUTPUT_KINDS = ("fifo", "directory", "under-a-file")
OUTPUT_SLOTS = ("tally --audit", "tally --report-md", "no-confidence --audit", "motion --audit")


def _output_target(kind: str, out: Path) -> Path:
    if kind == "fifo":  # beside ``out``: the witness would block reading a FIFO it watches
        special = out.parent / "special"
        special.mkdir()
        os.mkfifo(special / "fifo")
        return special / "fifo"
    if kind == "directory":
        (out / "folder").mkdir()
        return out / "folder"
    (out / "plain").write_text("keep\n")
    return out / "plain" / "a.json"


@pytest.mark.parametrize(("slot", "kind"),
                         [(s, k) for s in OUTPUT_SLOTS for k in OUTPUT_KINDS])
def test_hostile_output_targets_are_refused_and_left_alone(
    slot: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    witness: Callable[..., Witness],
) -> None:
    """An output that is not a regular file is never replaced (renaming over a device such
    as /dev/null would replace the device), and nothing else is written."""
    ballots = tmp_path / "b.csv"
    ballots.write_text("A,B\nx,\nx,x\n")
    out = tmp_path / "out"
    out.mkdir()
    target = _output_target(kind, out)
    command, option = slot.split()
    args = {
        "tally": ["tally", str(ballots), "--seats", "1"],
        "no-confidence": ["no-confidence", "--target", "Amy", "--electors", "3", "--against",
                          "2"],
        "motion": ["motion", "--vote", "a=yes", "--vote", "b=yes", "--vote", "c=no"],
    }[command]
    case = witness(f"{command}-{kind}", out)
    with case, pytest.raises(SystemExit) as info:
        main(["governance", *args, option, str(target)])
    captured = capsys.readouterr()
    assert info.value.code == 2, captured
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert target.name in captured.err and captured.out == ""
    case.assert_untouched()
    if kind == "fifo":
        assert target.is_fifo() and os.listdir(target.parent) == ["fifo"]
