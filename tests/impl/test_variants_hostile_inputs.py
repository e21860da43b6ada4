"""Every ``variants`` / ``detect`` command given bad input: one line naming it, exit 2, no writes.

Inputs are generated: empty, truncated, binary, wrong encoding, wrong type,
duplicate keys, deeply nested, endless (``/dev/zero``), a FIFO, a directory
where a file is expected. Each command that reads a file is walked with each.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.variants import PEP825_VARIANTS_JSON, make_wheel

from wheelnext.cli import main
from wheelnext.providers.overrides import ENV_VAR

VALID = json.dumps(PEP825_VARIANTS_JSON)
LABEL = next(iter(PEP825_VARIANTS_JSON["variants"]))
ONE = {**PEP825_VARIANTS_JSON, "variants": {LABEL: PEP825_VARIANTS_JSON["variants"][LABEL]}}
DUPLICATE = (
    '{"$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",'
    ' "default-priorities": {"namespace": ["x86_64"]},'
    ' "variants": {"x86_64_v3": {"x86_64": {"level": ["v3"]}, "x86_64": {"level": ["v2"]}}}}'
)

#: name -> bytes of the input (None: special, made by :func:`make_input`).
CONTENTS: dict[str, bytes | None] = {
    "empty": b"",
    "truncated": VALID[: len(VALID) // 2].encode(),
    "binary": bytes(range(256)) * 4,
    "utf16": VALID.encode("utf-16"),
    "latin1": VALID.replace("x86_64", "x86_64\xe9").encode("latin-1"),
    "wrongtype": b"[1, 2, 3]",
    "string": b'"hello"',
    "duplicate": DUPLICATE.encode(),
    "deep": b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
    "deeplist": b"[" * 200_000 + b"]" * 200_000,
    "moderately_deep": b'{"a":' * 500 + b"1" + b"}" * 500,
    "devzero": None,
    "fifo": None,
    "directory": None,
}


def make_input(tmp: Path, kind: str, suffix: str) -> Path:
    if kind == "devzero":
        return Path("/dev/zero")
    path = tmp / f"input-{kind}{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        content = CONTENTS[kind]
        assert content is not None
        path.write_bytes(content)
    return path


def variants_file(tmp: Path) -> Path:
    path = tmp / "foo-1.0-variants.json"
    path.write_text(VALID, encoding="utf-8")
    return path


#: command name -> argv maker from (tmp folder, hostile input path).
COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "validate": lambda tmp, f: ["variants", "validate", str(f)],
    "validate-json": lambda tmp, f: ["variants", "validate", "--json", str(f)],
    "order": lambda tmp, f: ["variants", "order", str(f), "-p", "x86_64 :: level :: v3"],
    "explain": lambda tmp, f: ["variants", "explain", str(f), "-p", "x86_64 :: level :: v3"],
    "merge": lambda tmp, f: ["variants", "merge", str(f), "-o", str(tmp / "out" / "m.json")],
    "order-properties": lambda tmp, f: [
        "variants", "order", str(variants_file(tmp)), "--properties-file", str(f)],
    "explain-properties": lambda tmp, f: [
        "variants", "explain", str(variants_file(tmp)), "--properties-file", str(f)],
    "detect-properties": lambda tmp, f: ["variants", "detect", "--properties-file", str(f)],
}


@pytest.fixture(autouse=True)
def _private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    code = exit_info.value.code
    return code if isinstance(code, int) else 1, captured.out, captured.err


def assert_one_line_error(code: int, err: str, name: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert name in lines[0], lines[0]


@pytest.mark.parametrize("kind", list(CONTENTS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_input_is_one_line_exit_2_nothing_written(
    command: str, kind: str, tmp_path: Path, witness: Callable[..., object],
    capsys: pytest.CaptureFixture[str],
) -> None:
    suffix = ".toml" if command == "validate" and kind in ("binary", "utf16") else ".json"
    path = make_input(tmp_path, kind, suffix)
    argv = COMMANDS[command](tmp_path, path)
    watch = tmp_path / "watched"
    watch.mkdir()
    seen = witness(f"{command}-{kind}", watch)
    with seen:  # type: ignore[attr-defined]
        code, _, err = run_main(argv, capsys)
    assert_one_line_error(code, err, str(path) if kind != "directory" else path.name)
    assert not (tmp_path / "out").exists()
    seen.assert_untouched()  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["empty", "truncated", "binary", "utf16", "wrongtype", "duplicate",
                                  "deep", "moderately_deep"])
@pytest.mark.parametrize("command", ["show", "validate", "order", "explain", "merge"])
def test_bad_variant_json_inside_a_wheel(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / f"foo-1.0-py3-none-any-{LABEL}.whl"
    content = CONTENTS[kind]
    assert content is not None
    make_wheel(tmp_path, wheel.name, None)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("foo-1.0.dist-info/variant.json", content)
    argv = ["variants", command, str(wheel)]
    if command == "merge":
        argv += ["-o", str(tmp_path / "out" / "m.json")]
    code, _, err = run_main(argv, capsys)
    assert_one_line_error(code, err, wheel.name)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["empty", "binary", "utf16", "deep", "devzero", "directory"])
def test_bad_toml_is_one_line(kind: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "deep":
        path = tmp_path / "pyproject.toml"
        path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    elif kind == "devzero":
        link = tmp_path / "zero.toml"
        link.symlink_to("/dev/zero")
        path = link
    else:
        path = make_input(tmp_path, kind, ".toml")
    code, _, err = run_main(["variants", "validate", str(path)], capsys)
    assert_one_line_error(code, err, path.name)


def test_show_of_a_truncated_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(tmp_path, f"foo-1.0-py3-none-any-{LABEL}.whl", ONE)
    wheel.write_bytes(wheel.read_bytes()[:100])
    code, _, err = run_main(["variants", "show", str(wheel)], capsys)
    assert_one_line_error(code, err, wheel.name)


def test_variant_json_bomb_in_a_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = tmp_path / f"foo-1.0-py3-none-any-{LABEL}.whl"
    make_wheel(tmp_path, wheel.name, None)
    with zipfile.ZipFile(wheel, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("foo-1.0.dist-info/variant.json", b" " * (64 << 20))
    code, _, err = run_main(["variants", "show", str(wheel)], capsys)
    assert_one_line_error(code, err, wheel.name)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_unreadable_input_is_one_line(command: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "input-unreadable.json"
    path.write_text(VALID)
    path.chmod(0)
    code, _, err = run_main(COMMANDS[command](tmp_path, path), capsys)
    assert_one_line_error(code, err, str(path))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_missing_input_is_one_line(command: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "input-missing.json"
    code, _, err = run_main(COMMANDS[command](tmp_path, path), capsys)
    assert_one_line_error(code, err, str(path))
