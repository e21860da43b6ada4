"""Builders and runners shared by the hostile corpus in ``tests/impl/hostile``.

Wheels are forged with ``wheelnext.wheel2.forge``; each case runs the real command line
(``wheelnext wheel install --target``) in-process and expects one ``error:`` line and
exit status 2, or, for several wheels of one resolution, ``install_planned`` with a
``--target`` scheme.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from packaging import tags
from packaging.utils import canonicalize_name

from wheelnext.cli import main
from wheelnext.install.apply import Planned, install_planned
from wheelnext.install.scheme import scheme_for_target
from wheelnext.install.target import TargetPython
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel

PKG = {"demo/__init__.py": b"X = 1\n", "demo/lib/libfoo.so": b"\x7fELF fake\n"}


def v2(**changes: Any) -> WheelRecipe:
    """A Wheel 2.0 recipe (LINKS need it) with the demo package plus *changes*."""
    fields: dict[str, Any] = {"files": dict(PKG), "wheel_version": "2.0"}
    fields.update(changes)
    return WheelRecipe(**fields)


def v1(**changes: Any) -> WheelRecipe:
    fields: dict[str, Any] = {"files": dict(PKG)}
    fields.update(changes)
    return WheelRecipe(**fields)


def deep(depth: int, prefix: str = "demo") -> str:
    """``demo/p1/p2/.../pN``: a folder *depth* levels below the package."""
    return "/".join([prefix, *(f"p{i}" for i in range(1, depth + 1))])


def run_cli(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``wheelnext ARGS`` in-process; return its exit status and standard error."""
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def assert_one_line_error(code: int, err: str) -> None:
    """Exit status 2 and a single ``error:`` line, no traceback."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err


def install_cli(wheel: Path, target: Path, capsys: pytest.CaptureFixture[str],
                *extra: str) -> tuple[int, str]:
    return run_cli(["wheel", "install", str(wheel), "--target", str(target), "--no-compile",
                    *extra], capsys)


def check_cli(wheel: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``wheel check``: status and standard output (problems, or ``ok``)."""
    with pytest.raises(SystemExit) as stopped:
        main(["wheel", "check", str(wheel)])
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().out


def target_python(env: Path) -> TargetPython:
    """This interpreter, installing into the ``--target``-style folder *env*."""
    return TargetPython(sys.executable, {}, tuple(tags.sys_tags())[:1], scheme_for_target(env))


def install_together(wheels: Sequence[Path], env: Path) -> None:
    """Install *wheels* as one resolution (one stage, parallel threads), as ``install`` does."""
    plans = [Planned(canonicalize_name(f"p{i}"), "1.0", wheel.name, None, wheel, True)
             for i, wheel in enumerate(wheels)]
    install_planned(plans, {wheel.name: wheel for wheel in wheels}, target_python(env),
                    compile_bytecode=False)


def forge(out: Path, recipe: WheelRecipe) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return forge_wheel(out, recipe)


__all__ = ["PKG", "assert_one_line_error", "check_cli", "deep", "forge", "install_cli",
           "install_together", "run_cli", "target_python", "v1", "v2"]


def restored(wheel: Path) -> Path:
    """Rewrite *wheel* with every member stored (uncompressed), so bytes can be patched."""
    import zipfile

    with zipfile.ZipFile(wheel) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as out:
        for info, data in members:
            info.compress_type = zipfile.ZIP_STORED
            out.writestr(info, data)
    return wheel


def patch_bytes(wheel: Path, old: bytes, new: bytes, *, occurrence: int = 0) -> Path:
    """Replace the *occurrence*-th *old* in the file's bytes by *new* (same length)."""
    assert len(old) == len(new)
    data = bytearray(wheel.read_bytes())
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(old, at + 1)
    data[at:at + len(old)] = new
    wheel.write_bytes(bytes(data))
    return wheel


def central_entries(wheel: Path) -> dict[str, int]:
    """Offset of each member's central directory record, by name."""
    import struct

    data = wheel.read_bytes()
    found: dict[str, int] = {}
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[at + 28:at + 34])
        found[data[at + 46:at + 46 + name_len].decode()] = at
        at = data.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return found


def set_central(wheel: Path, name: str, *, offset: int | None = None,
                header_offset_of: str | None = None) -> Path:
    """Patch the central directory record of *name*: its compressed size grown by *offset*,
    or its local header offset set to the one of *header_offset_of* (two entries, one header)."""
    import struct

    entries = central_entries(wheel)
    data = bytearray(wheel.read_bytes())
    if header_offset_of is not None:
        other = entries[header_offset_of]
        data[entries[name] + 42:entries[name] + 46] = data[other + 42:other + 46]
    if offset is not None:  # the compressed size only: its data then runs into the next entry
        size = struct.unpack("<I", data[entries[name] + 20:entries[name] + 24])[0]
        data[entries[name] + 20:entries[name] + 24] = struct.pack("<I", size + offset)
    wheel.write_bytes(bytes(data))
    return wheel
