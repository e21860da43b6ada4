"""Hostile corpus, PEP 778 LINKS: links declared through directory links, links racing with
another wheel's files, names that land on the same place, symlinked folders in the target.

PEP 778, "Security Implications": installers "MUST resolve the paths of any link contained in
the LINKS file before deciding if any source_path or target_path are valid". Each case plants
names carrying its canary token; the witness proves that nothing landed anywhere, the command
says one line and exits 2, and ``wheel check`` calls the same wheel bad.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.hostile_wheels import (
    PKG,
    assert_one_line_error,
    check_cli,
    deep,
    forge,
    install_cli,
    install_together,
    v1,
    v2,
)
from _support.witness import Witness, snapshot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from wheelnext.errors import WheelnextError
from wheelnext.install.scheme import scheme_for_target
from wheelnext.install.wheelfile import install_wheel
from wheelnext.wheel2.check import check_wheel
from wheelnext.wheel2.forge import WheelRecipe

DEPTH = 40
Case = Callable[[str, Path], WheelRecipe]


def _root_name(sandbox: Path) -> str:
    """The first folder of *sandbox*'s real path (``tmp`` for ``/tmp/...``)."""
    return sandbox.resolve().parts[1]


def _below_root(sandbox: Path) -> str:
    return "/".join(sandbox.resolve().parts[2:])


def _keep(sandbox: Path) -> dict[str, bytes]:
    return {**PKG, f"{deep(DEPTH)}/keep.txt": b"k\n", f"{deep(DEPTH, 'demo/base')}/keep.txt": b"",
            "demo/etc/passwd": b"root:x:0:0\n", f"demo/{_root_name(sandbox)}/keep.txt": b""}


def etc_passwd_through_dir_link(token: str, sandbox: Path) -> WheelRecipe:
    """The issue's case: ``d -> demo/base`` then a link declared through ``d``; text computed
    from the deep folder as written climbs from ``demo/base`` to ``/etc/passwd``."""
    return v2(files=_keep(sandbox), links=[(f"{deep(DEPTH)}/d", "demo/base"),
                                           (f"{deep(DEPTH)}/d/{token}", "demo/etc/passwd")])


def _up_links(sandbox: Path) -> list[tuple[str, str]]:
    # "up" is declared through d (-> demo/base): its written text climbs 2*DEPTH + 1 levels
    # from a folder DEPTH + 2 deep, so it names the first folder of the sandbox's real path.
    return [(f"{deep(DEPTH)}/d", "demo/base"),
            (f"{deep(DEPTH)}/d/{deep(DEPTH)[5:].replace('p', 'q')}/up",
             f"demo/{_root_name(sandbox)}")]


def _through_up(sandbox: Path) -> str:
    return f"{deep(DEPTH)}/d/{deep(DEPTH)[5:].replace('p', 'q')}/up/{_below_root(sandbox)}"


def folder_outside_through_escaped_link(token: str, sandbox: Path) -> WheelRecipe:
    """A third link declared through ``up`` makes its folder (``mkdir -p``) beside the target."""
    return v2(files=_keep(sandbox), links=[
        *_up_links(sandbox), (f"{_through_up(sandbox)}/{token}/x", "demo/__init__.py")])


def pth_link_outside(token: str, sandbox: Path) -> WheelRecipe:
    """A ``.pth``-named symlink beside the target, made before any check."""
    return v2(files=_keep(sandbox), links=[
        *_up_links(sandbox), (f"{_through_up(sandbox)}/{token}.pth", "demo/__init__.py")])


def same_place_twice(token: str, sandbox: Path) -> WheelRecipe:
    """Two spellings of one place: ``demo/lib/T`` and ``demo/d/T`` with ``d -> demo/lib``."""
    return v2(links=[(f"demo/lib/{token}", "demo/__init__.py"), ("demo/d", "demo/lib"),
                     (f"demo/d/{token}", "demo/lib/libfoo.so")])


def link_over_file_through_dir_link(token: str, sandbox: Path) -> WheelRecipe:
    """``d/libfoo.so`` really is the wheel's ``demo/lib/libfoo.so``: a link over a file."""
    return v2(files={**PKG, f"demo/{token}.py": b""},
              links=[("demo/d", "demo/lib"), ("demo/d/libfoo.so", f"demo/{token}.py")])


def link_to_own_ancestor(token: str, sandbox: Path) -> WheelRecipe:
    """A folder link to a folder holding it: a copy never ends (``RecursionError``)."""
    return v2(files={**PKG, "demo/lib/sub/x.py": b""}, links=[(f"demo/lib/sub/{token}",
                                                              "demo/lib")])


def folder_ring(token: str, sandbox: Path) -> WheelRecipe:
    """Two folder links, each inside the other's target: an endless tree."""
    return v2(files={**PKG, "demo/q/keep.txt": b""},
              links=[(f"demo/lib/{token}", "demo/q"), (f"demo/q/{token}b", "demo/lib")])


def link_makes_a_folder(token: str, sandbox: Path) -> WheelRecipe:
    """Links never make folders: ``demo/T/x`` has no folder ``demo/T`` in the wheel."""
    return v2(links=[(f"demo/{token}/x", "demo/__init__.py")])


def deep_chain_of_self_links(token: str, sandbox: Path) -> WheelRecipe:
    """Hundreds of folders through one ``d -> demo`` link: a very deep written path."""
    return v2(files={**PKG, "demo/lib/sub/x.py": b""},
              links=[("demo/d", "demo/lib/sub"), ("demo/lib/sub/e", "demo/lib"),
                     ("demo/" + "d/e/" * 150 + token, "demo/__init__.py")])


def target_through_escaping_folder(token: str, sandbox: Path) -> WheelRecipe:
    """The target, not the link, is spelled through a folder link that climbs out."""
    return v2(files=_keep(sandbox), links=[
        *_up_links(sandbox), (f"demo/{token}", f"{_through_up(sandbox)}/outside/secret.txt")])


def very_long_link_name(token: str, sandbox: Path) -> WheelRecipe:
    return v2(links=[(f"demo/{token}" + "x" * 300, "demo/__init__.py")])


def link_through_file_link(token: str, sandbox: Path) -> WheelRecipe:
    """A link whose folder is, once resolved, a file: ``f -> __init__.py`` then ``f/T``."""
    return v2(links=[("demo/f", "demo/__init__.py"), (f"demo/f/{token}", "demo/lib/libfoo.so")])


def link_over_data_purelib_file(token: str, sandbox: Path) -> WheelRecipe:
    """``.data/purelib`` files land in the root too: a link may not take their place."""
    return v2(files={**PKG, f"demo-1.0.data/purelib/demo/lib/{token}": b"x"},
              links=[(f"demo/lib/{token}", "demo/__init__.py")])


def link_over_data_purelib_folder(token: str, sandbox: Path) -> WheelRecipe:
    return v2(files={**PKG, f"demo-1.0.data/purelib/demo/{token}/x.py": b"x"},
              links=[(f"demo/{token}", "demo/lib")])



def link_named_pycache(token: str, sandbox: Path) -> WheelRecipe:
    """Bytecode of ``demo`` would be written through a ``__pycache__`` link."""
    return v2(files={**PKG, f"demo/lib/{token}.txt": b""}, links=[("demo/__pycache__", "demo/lib")])


#: Cases whose links, placed where they really land, are harmless: the fixed installer makes
#: them inside the target, and ``wheel check`` agrees. The old one wrote or checked them by
#: their text.
HARMLESS_WHEN_RESOLVED = {"etc-passwd-through-dir-link"}

CASES: dict[str, tuple[Case, tuple[str, ...]]] = {
    "etc-passwd-through-dir-link": (etc_passwd_through_dir_link, ()),
    "folder-outside-through-escaped-link": (folder_outside_through_escaped_link, ()),
    "pth-link-outside": (pth_link_outside, ()),
    "same-place-twice": (same_place_twice, ()),
    "link-over-file-through-dir-link": (link_over_file_through_dir_link, ()),
    "link-to-own-ancestor-copy": (link_to_own_ancestor, ("--links", "copy")),
    "link-to-own-ancestor": (link_to_own_ancestor, ()),
    "folder-ring-copy": (folder_ring, ("--links", "copy")),
    "link-makes-a-folder": (link_makes_a_folder, ()),
    "deep-chain-of-self-links": (deep_chain_of_self_links, ()),
    "target-through-escaping-folder": (target_through_escaping_folder, ()),
    "very-long-link-name": (very_long_link_name, ()),
    "link-through-file-link": (link_through_file_link, ()),
    "link-over-data-purelib-file": (link_over_data_purelib_file, ()),
    "link-over-data-purelib-folder": (link_over_data_purelib_folder, ()),
    "link-named-pycache": (link_named_pycache, ()),
}


def _sandbox(tmp_path: Path) -> Path:
    sandbox = tmp_path / "sandbox"
    (sandbox / "outside").mkdir(parents=True)
    (sandbox / "outside" / "secret.txt").write_text("secret\n")
    return sandbox


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_links_are_refused_and_nothing_lands(
        case: str, tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    make, options = CASES[case]
    seen = witness(case, sandbox)
    wheel = forge(tmp_path / "wheels", make(seen.token, sandbox))
    env = sandbox / "env"
    with seen:
        code, err = install_cli(wheel, env, capsys, *options)
    status, out = check_cli(wheel, capsys)
    if case in HARMLESS_WHEN_RESOLVED:
        assert code == 0, err
        for path in env.rglob("*"):
            assert path.resolve().is_relative_to(env.resolve()) and path.exists(), path
        assert status == 0, f"wheel check refused what install accepts: {out}"
        return
    assert_one_line_error(code, err)
    seen.assert_untouched()
    assert status == 1, f"wheel check called {case} ok: {out}"


def _filler(count: int) -> dict[str, bytes]:
    return {f"other/f{i}.py": b"" for i in range(count)}


def test_second_wheel_writes_through_the_first_wheels_escaping_link(
        tmp_path: Path, witness: Callable[..., Witness]) -> None:
    """Issue part 2: one stage, parallel threads; wheel B's file goes through wheel A's link."""
    sandbox = _sandbox(tmp_path)
    seen = witness("cross-wheel-escape", sandbox)
    first = forge(tmp_path / "a", v2(files=_keep(sandbox), links=_up_links(sandbox)))
    evil = f"{_through_up(sandbox)}/{seen.token}.pth"
    second = forge(tmp_path / "b", v1(name="other", files={**_filler(300),
                                                           evil: b"import os\n"}))
    with seen, pytest.raises(WheelnextError) as caught:
        install_together([first, second], sandbox / "env")
    assert "\n" not in str(caught.value)
    seen.assert_untouched()


def test_second_wheel_writes_through_the_first_wheels_folder_link(
        tmp_path: Path, witness: Callable[..., Witness]) -> None:
    """Even inside the target, no wheel writes through another wheel's link."""
    sandbox = _sandbox(tmp_path)
    seen = witness("cross-wheel-inside", sandbox)
    first = forge(tmp_path / "a", v2(links=[("demo/shared", "demo/lib")]))
    second = forge(tmp_path / "b", v1(name="other", files={
        **_filler(300), f"demo/shared/{seen.token}.py": b"import os\n"}))
    with seen, pytest.raises(WheelnextError) as caught:
        install_together([first, second], sandbox / "env")
    assert "\n" not in str(caught.value)
    seen.assert_untouched()


def test_file_and_folder_of_the_same_name_in_two_wheels(
        tmp_path: Path, witness: Callable[..., Witness]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness("cross-wheel-file-folder", sandbox)
    first = forge(tmp_path / "a", v1(files={**PKG, "demo/thing": b"x"}))
    second = forge(tmp_path / "b", v1(name="other", files={
        **_filler(50), f"demo/thing/{seen.token}.py": b""}))
    with seen, pytest.raises(WheelnextError) as caught:
        install_together([first, second], sandbox / "env")
    assert "\n" not in str(caught.value)
    seen.assert_untouched()


def test_commit_never_merges_into_a_link_inside_the_target(
        tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    """A folder link already in the environment (an earlier install) is not followed."""
    sandbox = _sandbox(tmp_path)
    env = sandbox / "env"
    env.mkdir()
    (env / "demo").symlink_to(sandbox / "outside", target_is_directory=True)
    seen = witness("merge-into-link", sandbox)
    wheel = forge(tmp_path / "w", v1(files={f"demo/{seen.token}.py": b"import os\n"}))
    with seen:
        code, err = install_cli(wheel, env, capsys)
    assert_one_line_error(code, err)
    seen.assert_untouched()


def test_a_target_under_a_symlinked_folder_still_installs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Control: symlinks above the target are the user's choice and are followed."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    wheel = forge(tmp_path / "w", v2(links=[("demo/lib/libfoo.so.1", "demo/lib/libfoo.so"),
                                            ("demo/alias", "demo/lib"),
                                            ("demo/alias/libfoo.so.2", "demo/lib/libfoo.so.1")]))
    code, err = install_cli(wheel, tmp_path / "alias" / "env", capsys)
    assert code == 0, err
    link = real / "env" / "demo" / "lib" / "libfoo.so.2"
    assert os.readlink(link) == "libfoo.so.1"
    assert link.read_bytes() == PKG["demo/lib/libfoo.so"]
    assert check_cli(wheel, capsys)[0] == 0


def test_corpus_size() -> None:
    assert len(CASES) + 4 >= 14


FIXTURE = HealthCheck.function_scoped_fixture
_REAL_FOLDERS = ["demo", "demo/a", "demo/b", "demo/a/c"]
_NAMES = ["x", "y", "z", "w"]
_TARGETS = ["demo/a", "demo/b", "demo/a/c", "demo/__init__.py", "demo/a/f.txt", "demo/b/g.txt",
            "demo/x", "demo/y", "demo/x/c", "demo/x/f.txt", "demo/y/c/h.txt", "demo/x/y"]


@st.composite
def link_graphs(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """Up to six links; each one's folder is a real folder or a link declared before it (so
    many links are declared through others), its target mostly a real path or an earlier
    link, sometimes any path; names mostly fresh, sometimes colliding."""
    folders = list(_REAL_FOLDERS)
    targets = list(_TARGETS[:6])
    rows = []
    for number in range(draw(st.integers(1, 6))):
        folder = draw(st.sampled_from(folders))
        name = draw(st.sampled_from(_NAMES)) if draw(st.integers(0, 3)) == 0 else f"l{number}"
        pool = _TARGETS if draw(st.integers(0, 3)) == 0 else targets
        target = draw(st.sampled_from(pool))
        rows.append((folder, name, target))
        if target in _REAL_FOLDERS or draw(st.booleans()):
            folders.append(f"{folder}/{name}")
        targets.append(f"{folder}/{name}")
    return rows


_GRAPH_FILES = {**PKG, "demo/a/f.txt": b"f", "demo/b/g.txt": b"g", "demo/a/c/h.txt": b"h"}


@settings(max_examples=100, deadline=None, suppress_health_check=[FIXTURE])
@given(link_graphs())
def test_random_link_graphs_never_leave_the_target(
        tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Random LINKS over a few folders, many declared through other folder links: whatever
    the installer accepts lands inside the target on a real file system, whatever it refuses
    leaves no trace, and ``wheel check`` gives the same verdict."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    wheel = forge(root / "w", v2(files=_GRAPH_FILES,
                                 links=[(f"{folder}/{name}", target)
                                        for folder, name, target in rows]))
    sandbox = root / "sandbox"
    sandbox.mkdir()
    before = snapshot(root)
    env = sandbox / "env"
    try:
        install_wheel(wheel, scheme_for_target(env), compile_bytecode=False)
    except WheelnextError as exc:
        assert "\n" not in str(exc)
        assert snapshot(root) == before
        assert check_wheel(wheel), "install refused what wheel check accepts"
        event("refused: " + str(exc).split(": ", 2)[-1][:40])
        return
    event("installed")
    real_env = env.resolve()
    for folder, dirs, files in os.walk(env):
        for name in dirs + files:
            path = Path(folder) / name
            assert path.resolve().is_relative_to(real_env), path
            assert path.exists(), f"{path} dangles"
    assert check_wheel(wheel) == [], "wheel check refused what install accepts"


def test_two_wheels_link_the_same_place(tmp_path: Path, witness: Callable[..., Witness]) -> None:
    sandbox = _sandbox(tmp_path)
    seen = witness("cross-wheel-same-link", sandbox)
    first = forge(tmp_path / "a", v2(links=[(f"demo/lib/{seen.token}", "demo/__init__.py")]))
    second = forge(tmp_path / "b", v2(name="other", files={**PKG, "other/x.py": b""},
                                      links=[(f"demo/lib/{seen.token}", "demo/lib/libfoo.so")]))
    with seen, pytest.raises(WheelnextError) as caught:
        install_together([first, second], sandbox / "env")
    assert "\n" not in str(caught.value)
    seen.assert_untouched()


def test_a_link_never_replaces_a_folder_already_installed(
        tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = _sandbox(tmp_path)
    env = sandbox / "env"
    (env / "demo" / "plugins").mkdir(parents=True)
    (env / "demo" / "plugins" / "mine.py").write_text("kept\n")
    seen = witness("link-over-installed-folder", sandbox)
    wheel = forge(tmp_path / "w", v2(files={"demo/lib/libfoo.so": b"x",
                                            f"demo/lib/{seen.token}.py": b""},
                                     links=[("demo/plugins", "demo/lib")]))
    with seen:
        code, err = install_cli(wheel, env, capsys)
    assert_one_line_error(code, err)
    seen.assert_untouched()
