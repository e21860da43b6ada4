"""Hostile corpus, defects other than LINKS: entry-point names, damaged ZIPs, a file that is
also a folder, names too long or too deep, RECORD sizes, headers of a virtual environment.

Bad input gets one line naming the file, exit 2, never
a traceback, nothing half-written. Each case names what it plants with its canary token.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.hostile_wheels import (
    PKG,
    assert_one_line_error,
    check_cli,
    forge,
    install_cli,
    patch_bytes,
    restored,
    run_cli,
    set_central,
    v1,
)
from _support.witness import Witness

from wheelnext.install.scheme import scheme_for_python
from wheelnext.wheel2.forge import WheelRecipe, _metadata, _wheel

Make = Callable[[str, Path], WheelRecipe]

ENTRY_POINTS: dict[str, Callable[[str, Path], str]] = {
    "ep-dotdot": lambda token, sandbox: f"[console_scripts]\n../../{token} = demo:main\n",
    "ep-absolute": lambda token, sandbox: f"[console_scripts]\n{sandbox}/{token} = demo:main\n",
    "ep-dot": lambda token, sandbox: "[console_scripts]\n. = demo:main\n",
    "ep-dotdot-alone": lambda token, sandbox: "[gui_scripts]\n.. = demo:main\n",
    "ep-malformed": lambda token, sandbox: f"[console_scripts\n{token} = demo:main\n",
    "ep-missing-attr": lambda token, sandbox: f"[console_scripts]\n{token} = demo\n",
    "ep-duplicate-name": lambda token, sandbox: (
        f"[console_scripts]\n{token} = demo:a\n{token} = demo:b\n"),
}


def _sandbox(tmp_path: Path) -> Path:
    sandbox = tmp_path / "sandbox"
    (sandbox / "env").mkdir(parents=True)
    (sandbox / "env" / "existing.txt").write_text("keep me\n")
    return sandbox


@pytest.mark.parametrize("case", sorted(ENTRY_POINTS))
def test_bad_entry_points_are_one_line(case: str, tmp_path: Path,
                                       witness: Callable[..., Witness],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness(case, sandbox)
    wheel = forge(tmp_path / "w", v1(entry_points=ENTRY_POINTS[case](seen.token, sandbox)))
    with seen:
        code, err = install_cli(wheel, sandbox / "env", capsys)
    assert_one_line_error(code, err)
    assert "entry_points.txt" in err
    seen.assert_untouched()
    assert check_cli(wheel, capsys)[0] == 1


def _crc(wheel: Path, token: str) -> None:
    patch_bytes(restored(wheel), b"X = 1\n", b"Y = 1\n")


def _name_mismatch(wheel: Path, token: str) -> None:
    name = f"demo/{token}.py".encode()
    patch_bytes(restored(wheel), name, name[:-1] + b"z")


def _overlap(wheel: Path, token: str) -> None:
    set_central(wheel, f"demo/{token}.py", offset=40)


def _shared_header(wheel: Path, token: str) -> None:
    set_central(restored(wheel), f"demo/{token}.py", header_offset_of="demo/__init__.py")


DAMAGE: dict[str, Callable[[Path, str], None]] = {
    "zip-bad-crc": _crc,
    "zip-name-mismatch": _name_mismatch,
    "zip-overlapping-entries": _overlap,
    "zip-two-entries-one-header": _shared_header,
}


@pytest.mark.parametrize("command", ["install", "check", "convert"])
@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_zip_is_one_line(case: str, command: str, tmp_path: Path,
                                 witness: Callable[..., Witness],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness(f"{case}-{command}", sandbox)
    wheel = forge(tmp_path / "w", v1(files={**PKG, f"demo/{seen.token}.py": b"X = 1\n",
                                            "demo/zz.py": b"Z = 3\n"}))
    DAMAGE[case](wheel, seen.token)
    with seen:
        if command == "install":
            code, err = install_cli(wheel, sandbox / "env", capsys)
        elif command == "convert":
            code, err = run_cli(["wheel", "convert", str(wheel), "-o",
                                 str(sandbox / "env" / "out"), "--json"], capsys)
        else:
            code, out = check_cli(wheel, capsys)
            assert code == 1 and out.strip(), out
            assert "Traceback" not in out
            return
    assert_one_line_error(code, err)
    assert wheel.name in err
    if command == "convert":
        assert not list((sandbox / "env").rglob("*.whlx"))
        (sandbox / "env" / "out").rmdir() if (sandbox / "env" / "out").exists() else None
    seen.assert_untouched()


def _file_and_folder(token: str, sandbox: Path) -> WheelRecipe:
    return v1(files={**PKG, "demo/x": b"", f"demo/x/{token}.py": b""})


def _file_and_folder_via_data(token: str, sandbox: Path) -> WheelRecipe:
    return v1(files={**PKG, "demo/x": b"", f"demo-1.0.data/purelib/demo/x/{token}.py": b""})


def _long_name(token: str, sandbox: Path) -> WheelRecipe:
    return v1(files={**PKG, f"demo/{token}{'x' * 300}.py": b""})


def _deep_path(token: str, sandbox: Path) -> WheelRecipe:
    return v1(files={**PKG, "demo/" + "d/" * 2100 + f"{token}.py": b""})


LAYOUT: dict[str, Make] = {
    "file-and-folder": _file_and_folder,
    "file-and-folder-via-data": _file_and_folder_via_data,
    "very-long-name": _long_name,
    "very-deep-path": _deep_path,
}


@pytest.mark.parametrize("case", sorted(LAYOUT))
def test_impossible_layouts_are_one_line(case: str, tmp_path: Path,
                                         witness: Callable[..., Witness],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness(case, sandbox)
    wheel = forge(tmp_path / "w", LAYOUT[case](seen.token, sandbox))
    with seen:
        code, err = install_cli(wheel, sandbox / "env", capsys)
    assert_one_line_error(code, err)
    assert ".wheelnext-stage" not in err
    seen.assert_untouched()
    assert check_cli(wheel, capsys)[0] == 1


def _record(files: dict[str, bytes], recipe: WheelRecipe, lie: str,
            spell: Callable[[int], str] = lambda size: str(size + 7)) -> str:
    rows = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{spell(len(data)) if path == lie else len(data)}")
    for name, data in (("METADATA", _metadata(recipe)), ("WHEEL", _wheel(recipe))):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{recipe.dist_info}/{name},sha256={digest},{len(data)}")
    rows.append(f"{recipe.dist_info}/RECORD,,")
    return "\n".join(rows) + "\n"


#: RECORD size spellings that are no "base 10 integer" though ``int()`` reads them.
SIZE_SPELLINGS: dict[str, Callable[[int], str]] = {
    "size-lie": lambda size: str(size + 7),
    "size-plus-sign": lambda size: f"+{size}",
    "size-space": lambda size: f" {size}",
    "size-underscore": lambda size: f"{size // 10}_{size % 10}",
    "size-arabic-digits": lambda size: str(size).translate(str.maketrans("0123456789",
                                                                         "٠١٢٣٤٥٦٧٨٩")),
    "size-negative": lambda size: f"-{size}",
}


@pytest.mark.parametrize("case", sorted(SIZE_SPELLINGS))
def test_convert_refuses_record_sizes_that_check_flags(
        case: str, tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness(f"convert-{case}", sandbox)
    files = {**PKG, f"demo/{seen.token}.py": b"X = 1\n"}
    wheel = forge(tmp_path / "w", v1(files=files, record=_record(
        files, v1(files=files), f"demo/{seen.token}.py", SIZE_SPELLINGS[case])))
    assert check_cli(wheel, capsys)[0] != 0
    with seen:
        code, err = install_cli(wheel, sandbox / "env", capsys)
        assert_one_line_error(code, err)
        code, err = run_cli(["wheel", "convert", str(wheel), "-o", str(sandbox / "out")],
                            capsys)
    assert_one_line_error(code, err)
    assert not list(sandbox.rglob("*.whlx"))


@pytest.fixture(scope="module")
def virtualenv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    place = tmp_path_factory.mktemp("venv") / "venv"
    venv.create(place, with_pip=False, symlinks=os.name != "nt")
    return place


def _python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def test_every_scheme_path_of_a_venv_lies_inside_it(virtualenv: Path) -> None:
    """Issue part 4: ``sysconfig``'s ``include`` in a venv is the base interpreter's."""
    prefix = subprocess.run([_python(virtualenv), "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    paths = scheme_for_python(_python(virtualenv)).for_distribution("demo")
    for key, path in paths.items():
        assert Path(path).resolve().is_relative_to(Path(prefix).resolve()), (key, path)
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert Path(paths["headers"]) == Path(prefix) / "include" / "site" / version / "demo"


def test_headers_of_a_venv_install_stay_in_the_venv(
        virtualenv: Path, tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    seen = witness("venv-headers", virtualenv.parent)
    wheel = forge(tmp_path / "w", v1(files={**PKG,
                                            f"demo-1.0.data/headers/{seen.token}.h": b"/* */\n"}))
    with seen:
        code, err = run_cli(["wheel", "install", str(wheel), "--python",
                             str(_python(virtualenv)), "--no-compile"], capsys)
        assert code == 0, err
        landed = list(virtualenv.rglob(f"{seen.token}.h"))
        assert [p.relative_to(virtualenv).parts[:2] for p in landed] == [("include", "site")]
        for path in landed:
            path.unlink()
        dist_info = next(virtualenv.rglob("demo-1.0.dist-info"))
        for line in (dist_info / "RECORD").read_text().splitlines():
            entry = os.path.normpath(dist_info.parent / line.split(",")[0])
            assert Path(entry).is_relative_to(virtualenv), line
    assert not seen.planted()


@pytest.mark.parametrize("name", ["..", "."])
def test_distribution_names_that_are_no_folder_names(name: str, tmp_path: Path,
                                                     virtualenv: Path) -> None:
    """A distribution named ``..`` would write headers into ``include/`` itself."""
    from wheelnext.errors import WheelnextError

    with pytest.raises(WheelnextError) as caught:
        scheme_for_python(_python(virtualenv)).for_distribution(name)
    assert "\n" not in str(caught.value)
