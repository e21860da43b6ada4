"""Every input file a command takes, fed malformed: one line naming the input, exit 2.

The slots are found by walking the click command tree (every ``click.Path`` parameter that
takes a file), so a new command or option is covered or this test fails until it is listed.
The inputs are generated per kind: empty, binary, wrong encoding, NUL bytes, wrong JSON
type, JSON and TOML nested far too deep, a directory, a FIFO, ``/dev/zero`` and a missing
file. Governance and variants commands have walks of their own with the same rule
(``tests/governance/test_hostile_inputs.py``, ``tests/impl/test_variants_hostile_inputs.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from _support.witness import Witness

from wheelnext.cli import cli, main
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel

#: Command paths whose file slots another test walks.
WALKED_ELSEWHERE = ("governance", "variants")


def make_input(kind: str, folder: Path) -> Path:
    """A malformed input of *kind* in *folder* (``/dev/zero`` is the device itself)."""
    path = folder / f"input-{kind}.toml"
    writers: dict[str, Callable[[], None]] = {
        "empty": lambda: path.write_bytes(b""),
        "binary": lambda: path.write_bytes(bytes(range(256)) * 8),
        "latin-1": lambda: path.write_bytes("name = 'caf\xe9'\n".encode("latin-1")),
        "nul": lambda: path.write_bytes(b"a = 1\x00\n"),
        "wrong-type-json": lambda: path.write_text("[5, \"x\"]\n"),
        "deep-json": lambda: path.write_text("[" * 100_000 + "]" * 100_000),
        "deep-toml": lambda: path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        "directory": lambda: path.mkdir(),
        "fifo": lambda: os.mkfifo(path),
        "missing": lambda: None,
    }
    if kind == "dev-zero":
        return Path("/dev/zero")
    writers[kind]()
    return path


KINDS = ("empty", "binary", "latin-1", "nul", "wrong-type-json", "deep-json", "deep-toml",
         "directory", "fifo", "dev-zero", "missing")

#: For each input-file slot, the command line that feeds it FILE (OUT is a fresh folder).
SLOTS: dict[tuple[str, str], Callable[[Path, Path], list[str]]] = {
    ("build", "spec_file"): lambda f, out: ["build", str(f), "-o", str(out / "dist")],
    ("wheel check", "files"): lambda f, out: ["wheel", "check", str(f)],
    ("wheel convert", "file"): lambda f, out: ["wheel", "convert", str(f), "-o",
                                               str(out / "converted")],
    ("wheel install", "file"): lambda f, out: ["wheel", "install", str(f), "--target",
                                               str(out / "target")],
    ("install", "requirement_files"): lambda f, out: [
        "install", "--dry-run", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/",
        "-r", str(f)],
    ("install", "config_file"): lambda f, out: [
        "install", "--dry-run", "--no-cache", "--config", str(f), "demo"],
    ("install", "variant_properties_file"): lambda f, out: [
        "install", "--dry-run", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/",
        "--variant-properties-file", str(f), "demo"],
    ("lock", "requirement_files"): lambda f, out: [
        "lock", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/", "-r", str(f),
        "-o", str(out / "pylock.toml")],
    ("lock", "config_file"): lambda f, out: [
        "lock", "--no-cache", "--config", str(f), "demo", "-o", str(out / "pylock.toml")],
    ("lock", "variant_properties_file"): lambda f, out: [
        "lock", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/",
        "--variant-properties-file", str(f), "demo", "-o", str(out / "pylock.toml")],
    ("install", "python"): lambda f, out: [
        "install", "--dry-run", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/",
        "--python", str(f), "demo"],
    ("lock", "python"): lambda f, out: [
        "lock", "--no-cache", "--index", "a=http://127.0.0.1:9/simple/", "--python", str(f),
        "demo", "-o", str(out / "pylock.toml")],
    ("wheel install", "python"): lambda f, out: [
        "wheel", "install", str(_good_wheel(out.parent)), "--python", str(f)],
    ("index serve", "directory"): lambda f, out: ["index", "serve", str(f), "--port", "0"],
    ("nativelib audit", "python"): lambda f, out: ["nativelib", "audit", "--python", str(f)],
    ("nativelib audit", "roots"): lambda f, out: ["nativelib", "audit", str(f)],
    ("spec trace", "peps"): lambda f, out: ["spec", "trace", "--pep", str(f)],
    ("spec trace", "schema"): lambda f, out: ["spec", "trace", "--schema", str(f)],
    ("spec trace", "results"): lambda f, out: [
        "spec", "trace", "--pep", str(_pep_text(out.parent)), "--results", str(f)],
    ("conformance report", "runs"): lambda f, out: [
        "conformance", "report", str(f), "--json", str(out / "merged.json")],
    ("conformance verify", "cert"): lambda f, out: ["conformance", "verify", str(f)],
    ("conformance xfail", "source"): lambda f, out: [
        "conformance", "xfail", "--from", str(f), "--out", str(out / "lists")],
    ("conformance run", "xfail"): lambda f, out: [
        "conformance", "run", "--installer", "wheelnext", "--select", "no-such-scenario",
        "--xfail", str(f), "--json", str(out / "run.json")],
    ("upload", "files"): lambda f, out: [
        "upload", "--repository-url", "http://127.0.0.1:9/", str(f)],
    ("conformance run", "durations"): lambda f, out: [
        "conformance", "run", "--installer", "wheelnext", "--select", "baseline-single-wheel",
        "--shard", "1/2", "--durations", str(f), "--json", str(out / "run.json")],
}

#: Kinds that are valid input for a slot (a folder is what ``index serve`` serves, and an
#: installed-packages folder what ``nativelib audit`` reads).
VALID = {("index serve", "directory"): {"directory"},
         ("nativelib audit", "roots"): {"directory"},
         ("install", "config_file"): {"empty"}, ("lock", "config_file"): {"empty"},
         ("conformance run", "xfail"): {"empty"},
         # An absent results file means "not run yet" (the default path may not exist).
         ("spec trace", "results"): {"missing"}}

#: Slots whose command reports on a file rather than refusing it (``wheel check`` exits 1
#: with one line per unusable file, as it does for any wheel it finds fault with).
REPORTS: dict[tuple[str, str], set[int]] = {("wheel check", "files"): {1, 2}}


def _pep_text(folder: Path) -> Path:
    """A small PEP text with one MUST nobody quotes, so ``spec trace`` must read --results."""
    path = folder / "pep-9999.rst"
    path.write_text("PEP: 825\nTitle: t\n\nSpecification\n=============\n\n"
                    "Tools MUST do a new thing.\n")
    return path


def _good_wheel(folder: Path) -> Path:
    """A wheel that installs, for slots where another argument is the malformed one."""
    return forge_wheel(folder, WheelRecipe(files={"demo/__init__.py": b"X = 1\n"}))


def input_file_slots() -> set[tuple[str, str]]:
    """(command path, parameter name) of every parameter that reads a file the user names."""
    found: set[tuple[str, str]] = set()
    context = click.Context(cli)

    def walk(group: click.Group, prefix: list[str]) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if command is None or name in WALKED_ELSEWHERE:
                continue
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])
                continue
            for param in command.params:
                kind = param.type
                if isinstance(kind, click.Path) and kind.file_okay and not _is_output(param):
                    found.add((" ".join([*prefix, name]), param.name or ""))

    walk(cli, [])
    return found


#: Parameters that name a file to write, not one to read.
OUTPUT_WORDS = ("out", "html", "junit", "json", "certificate", "audit", "report_md", "summary_md")


def _is_output(param: click.Parameter) -> bool:
    return any(word in (param.name or "") for word in OUTPUT_WORDS)


def test_every_input_file_slot_is_walked() -> None:
    assert input_file_slots() == set(SLOTS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("slot", sorted(SLOTS), ids=lambda slot: f"{slot[0]}:{slot[1]}")
def test_malformed_input_is_one_line_naming_it(
        slot: tuple[str, str], kind: str, tmp_path: Path,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    if kind in VALID.get(slot, set()):
        pytest.skip(f"a {kind} is valid input for {slot[0]} {slot[1]}")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    bad = make_input(kind, inputs)
    seen = witness(f"{slot[0]}-{slot[1]}-{kind}".replace(" ", "_"), out)
    with seen, pytest.raises(SystemExit) as exited:
        main(SLOTS[slot](bad, out))
    captured = capsys.readouterr()
    err = captured.err if slot not in REPORTS else captured.out + captured.err
    assert exited.value.code in REPORTS.get(slot, {2}), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert bad.name in lines[0], err
    seen.assert_untouched()
