"""Installing .whl and .whlx files: schemes, RECORD, scripts, links, atomicity, the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.errors import WheelnextError
from wheelnext.install.scheme import scheme_for_python, scheme_for_target
from wheelnext.install.staging import InstallConflict
from wheelnext.install.symlinks import LinkMode, LinksUnsupported
from wheelnext.install.wheelfile import install_wheel
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout

FILES = {
    "demo/__init__.py": b"X = 1\n",
    "demo/lib/libfoo.so.1.2": b"\x7fELF real\n",
    "demo-1.0.data/scripts/demo-tool": b"#!python\nprint('hi')\n",
    "demo-1.0.data/data/share/demo/readme.txt": b"data\n",
}
ENTRY_POINTS = "[console_scripts]\ndemo = demo:main\n"
LINKS = [("demo/lib/libfoo.so.1", "demo/lib/libfoo.so.1.2"),
         ("demo/lib/libfoo.so", "demo/lib/libfoo.so.1")]


def make(tmp: Path, **changes: object) -> Path:
    fields: dict[str, object] = {"files": dict(FILES), "entry_points": ENTRY_POINTS,
                                 "executable": {"demo-1.0.data/scripts/demo-tool"}}
    fields.update(changes)
    tmp.mkdir(parents=True, exist_ok=True)
    return forge_wheel(tmp, WheelRecipe(**fields))  # type: ignore[arg-type]


def record_rows(dist_info: Path) -> dict[str, list[str]]:
    with open(dist_info / "RECORD", newline="") as handle:
        return {row[0]: row for row in csv.reader(handle)}


@pytest.mark.parametrize("layout", list(Layout))
def test_wheel2_installs_with_links_scripts_and_record(tmp_path: Path, layout: Layout) -> None:
    wheel = make(tmp_path / "w", wheel_version="2.0", layout=layout, links=LINKS)
    target = tmp_path / "env"
    result = install_wheel(wheel, scheme_for_target(target), compile_bytecode=True)
    assert result.wheel_version == "2.0" and result.links == 2
    assert (target / "demo/__init__.py").read_bytes() == b"X = 1\n"
    link = target / "demo/lib/libfoo.so"
    assert link.is_symlink() and os.readlink(link) == "libfoo.so.1"
    assert link.read_bytes() == b"\x7fELF real\n"
    script = target / "bin/demo-tool"
    assert script.read_bytes().startswith(f"#!{sys.executable}".encode())
    assert os.access(script, os.X_OK) and (target / "bin/demo").exists()
    assert (target / "share/demo/readme.txt").read_bytes() == b"data\n"
    dist_info = target / "demo-1.0.dist-info"
    assert (dist_info / "INSTALLER").read_text() == "wheelnext\n"
    assert (dist_info / "REQUESTED").exists()
    rows = record_rows(dist_info)
    assert rows["demo/lib/libfoo.so"][1:] == ["", ""]
    assert rows["demo-1.0.dist-info/RECORD"][1:] == ["", ""]
    assert rows["demo/__init__.py"][1].startswith("sha256=")
    assert any(path.endswith(".pyc") for path in rows)
    assert "bin/demo-tool" in rows
    assert not list(tmp_path.glob("**/.wheelnext-stage-*"))


def test_wheel1_installs(tmp_path: Path) -> None:
    wheel = make(tmp_path / "w")
    result = install_wheel(wheel, scheme_for_target(tmp_path / "env"), compile_bytecode=False)
    assert result.wheel_version == "1.0"
    assert not list((tmp_path / "env").rglob("*.pyc"))


def test_links_copy_mode_copies(tmp_path: Path) -> None:
    wheel = make(tmp_path / "w", wheel_version="2.0", links=LINKS)
    target = tmp_path / "env"
    install_wheel(wheel, scheme_for_target(target), links=LinkMode.COPY, compile_bytecode=False)
    copy = target / "demo/lib/libfoo.so"
    assert not copy.is_symlink() and copy.read_bytes() == b"\x7fELF real\n"


def test_platform_without_symlinks_is_a_clear_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = make(tmp_path / "w", wheel_version="2.0", links=LINKS)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", refuse)
    with pytest.raises(LinksUnsupported, match="--links=copy"):
        install_wheel(wheel, scheme_for_target(tmp_path / "env"), compile_bytecode=False)
    assert not (tmp_path / "env").exists()


def test_failed_install_leaves_environment_as_it_was(tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / "demo").mkdir(parents=True)
    (env / "demo" / "__init__.py").write_text("old\n")
    (env / "other.txt").write_text("keep\n")
    wheel = make(tmp_path / "w")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(InstallConflict, match="already exists"):
        install_wheel(wheel, scheme_for_target(env), compile_bytecode=False)
    after = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert after == before
    assert (env / "demo" / "__init__.py").read_text() == "old\n"


def test_failure_midway_through_writing_rolls_back(tmp_path: Path) -> None:
    wheel = make(tmp_path / "w", tamper={"demo-1.0.data/data/share/demo/readme.txt": b"evil\n"})
    with pytest.raises(WheelnextError, match="RECORD"):
        install_wheel(wheel, scheme_for_target(tmp_path / "env"), compile_bytecode=False)
    assert not (tmp_path / "env").exists()


@pytest.mark.slow
def test_install_into_another_interpreter(tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    scheme = scheme_for_python(python)
    assert scheme.paths["purelib"].startswith(str(env))
    wheel = make(tmp_path / "w", wheel_version="2.0", links=LINKS, layout=Layout.CHUNKED)
    install_wheel(wheel, scheme, compile_bytecode=True)
    done = subprocess.run([str(python), "-c", "import demo, importlib.metadata as m;"
                           "print(demo.X, m.version('demo'))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "1.0"]
    assert (env / "bin" / "demo").exists()


def test_bad_python_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(WheelnextError, match="--python"):
        scheme_for_python(tmp_path / "no-python")


def test_cli_install_check_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make(tmp_path / "w", wheel_version="2.0", links=LINKS)
    runner = CliRunner()
    done = runner.invoke(cli, ["wheel", "install", str(wheel), "--target", str(tmp_path / "env"),
                               "--no-compile", "--json"])
    assert done.exit_code == 0, done.output
    assert '"links": 2' in done.output
    done = runner.invoke(cli, ["wheel", "check", str(wheel)])
    assert done.exit_code == 0 and "ok" in done.output
    bad = make(tmp_path / "bad", tamper={"demo/__init__.py": b"evil\n"})
    done = runner.invoke(cli, ["wheel", "check", str(bad), str(wheel)])
    assert done.exit_code == 1
    assert "RECORD" in done.output
    with pytest.raises(SystemExit) as exited:
        main(["wheel", "install", str(bad), "--target", str(tmp_path / "env2")])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and bad.name in err[0]
    assert not (tmp_path / "env2").exists()
    done = runner.invoke(cli, ["wheel", "install", str(wheel)])
    assert done.exit_code == 2 and "--python" in done.output


def test_uninstall_never_follows_links(tmp_path: Path) -> None:
    from wheelnext.install.uninstall import uninstall

    wheel = make(tmp_path / "w", wheel_version="2.0", links=LINKS)
    target = tmp_path / "env"
    install_wheel(wheel, scheme_for_target(target), compile_bytecode=False)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep\n")
    real_dir = tmp_path / "precious-dir"
    real_dir.mkdir()
    (real_dir / "f").write_text("keep\n")
    # A link swapped after install (by anyone) must still be removed as a link.
    (target / "demo/lib/libfoo.so").unlink()
    (target / "demo/lib/libfoo.so").symlink_to(outside)
    (target / "demo/lib/libfoo.so.1").unlink()
    (target / "demo/lib/libfoo.so.1").symlink_to(real_dir, target_is_directory=True)
    removed = uninstall(target / "demo-1.0.dist-info", allowed=[target / "bin"])
    assert removed > 5
    assert outside.read_text() == "keep\n" and (real_dir / "f").exists()
    assert not (target / "demo").exists()
    assert not (target / "demo-1.0.dist-info").exists()


def test_uninstall_refuses_record_paths_outside(tmp_path: Path) -> None:
    from wheelnext.install.uninstall import uninstall

    dist_info = tmp_path / "env" / "demo-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (tmp_path / "victim").write_text("keep\n")
    (dist_info / "RECORD").write_text("../../victim,,\n")
    with pytest.raises(WheelnextError, match="outside"):
        uninstall(dist_info)
    assert (tmp_path / "victim").exists()


def test_source_that_does_not_compile_still_installs(tmp_path: Path) -> None:
    files = {**FILES, "demo/broken.py": b"def (:\n"}
    wheel = make(tmp_path / "w", files=files)
    result = install_wheel(wheel, scheme_for_target(tmp_path / "env"), compile_bytecode=True)
    assert result.bytecode >= 1
    assert (tmp_path / "env/demo/broken.py").exists()
    assert not list((tmp_path / "env/demo/__pycache__").glob("broken.*"))


def test_wheel_install_into_another_interpreter_prints_nothing_stray(tmp_path: Path) -> None:
    """``wheel install --python`` compiles with the target's interpreter; its pipes are
    closed, so no "unclosed file" warning reaches the user (one was printed before)."""
    import subprocess
    import sys
    import venv

    from wheelnext.wheel2.forge import WheelRecipe, forge_wheel

    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    wheel = forge_wheel(tmp_path, WheelRecipe(files={"demo/__init__.py": b"X = 1\n"}))
    done = subprocess.run([sys.executable, "-W", "default", "-m", "wheelnext", "wheel", "install",
                           str(wheel), "--python", str(env / "bin" / "python")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def test_a_stage_checks_each_folder_once_and_still_refuses_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every wheel's files sit below the same mirror of the environment's path in the stage:
    each folder is made (or checked) once per stage, and a link is still never followed."""
    from wheelnext.install import staging

    stage = staging.Stage.near(tmp_path)
    root = str(stage.root)
    made: list[str] = []
    real_mkdir = os.mkdir

    def counting_mkdir(path: str, *args: object) -> None:
        made.append(path)
        real_mkdir(path)

    monkeypatch.setattr(os, "mkdir", counting_mkdir)
    staging.real_folder(root, "env/lib/one")
    staging.real_folder(root, "env/lib/two")
    assert [os.path.relpath(path, root) for path in made] == [
        "env", "env/lib", "env/lib/one", "env/lib/two"]
    os.symlink(tmp_path, os.path.join(root, "env", "lib", "link"))
    with pytest.raises(staging.UnsafeLayout, match="is a link"):
        staging.real_folder(root, "env/lib/link/inside")
    stage.discard()
    assert not stage.root.exists()
    assert root not in staging._KNOWN_REAL
