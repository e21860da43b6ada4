"""Hostile wheels: each is refused with a one-line message and nothing lands anywhere.

The corpus mixes the builder's named defects (``wheelnext.build.unsafe``) with wheels forged
here (``wheelnext.wheel2.forge``). For every one, installing into a ``--target`` inside a
sandbox leaves the sandbox byte for byte as it was, and ``wheel check`` reports a problem.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.hostile_wheels import assert_one_line_error, install_cli
from _support.witness import Witness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wheelnext.build import spec_from_mapping
from wheelnext.build.unsafe import build_hostile
from wheelnext.errors import UnsafeArtifact, WheelnextError
from wheelnext.install.scheme import scheme_for_target
from wheelnext.install.wheelfile import install_wheel
from wheelnext.links import parse_links, validate_links
from wheelnext.wheel2.check import check_wheel
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout
from wheelnext.wheel2.names import check_member_name

PKG = {"demo/__init__.py": b"X = 1\n", "demo/lib/libfoo.so": b"\x7fELF fake\n"}
FIXTURE = HealthCheck.function_scoped_fixture
OUTSIDE_MARKER = Path(tempfile.gettempdir()) / "wheelnext-hostile-demo-absolute.txt"


def recipe(**changes: Any) -> WheelRecipe:
    base: dict[str, Any] = {"files": dict(PKG)}
    base.update(changes)
    return WheelRecipe(**base)


def v2(**changes: Any) -> WheelRecipe:
    return recipe(wheel_version="2.0", **changes)


def record_with(extra: str) -> str:
    return f"demo/__init__.py,,\n{extra}\n"


Forger = Callable[[Path], Path]


def forged(make: Callable[[], WheelRecipe]) -> Forger:
    return lambda out: forge_wheel(out, make())


def builder(defect: str, **table: Any) -> Forger:
    spec = spec_from_mapping({"name": "demo", "version": "1.0", **table}, source="t:dist[0]")
    return lambda out: build_hostile(spec, out, defect=defect, bomb_size=8 << 20)


CORPUS: dict[str, Forger] = {
    "dotdot-member": forged(lambda: recipe(extra_members=[("../evil.py", b"x")])),
    "nested-dotdot": forged(lambda: recipe(extra_members=[("demo/../../evil.py", b"x")])),
    "absolute-member": forged(lambda: recipe(extra_members=[("/tmp/wheelnext-evil.py", b"x")])),
    "drive-letter": forged(lambda: recipe(extra_members=[("C:/evil.py", b"x")])),
    "backslash": forged(lambda: recipe(extra_members=[("demo\\..\\..\\evil.py", b"x")])),
    "duplicate-member": forged(lambda: recipe(extra_members=[("demo/__init__.py", b"Y = 2\n")])),
    "record-tampered": forged(lambda: recipe(tamper={"demo/__init__.py": b"import os\n"})),
    "record-unlisted": forged(lambda: recipe(unrecorded={"demo/lib/libfoo.so"})),
    "record-lists-missing": forged(lambda: _missing_file_recipe()),
    "record-weak-hash": forged(lambda: _md5_recipe()),
    "zip-bomb-whlx": forged(lambda: v2(files={**PKG, "demo/zeros.bin": bytes(16 << 20)},
                                       metadata_wheel_version="2.0")),
    "links-escape-relative": forged(lambda: v2(links=[("demo/x", "../../etc/passwd")])),
    "links-to-etc": forged(lambda: v2(links=[("demo/x", "/etc/passwd")])),
    "links-dangling": forged(lambda: v2(links=[("demo/x", "demo/nothing")])),
    "links-cyclic": forged(lambda: v2(links=[("demo/a", "demo/b"), ("demo/b", "demo/a")])),
    "links-long-chain": forged(lambda: v2(links=[
        (f"demo/l{i}", f"demo/l{i + 1}") for i in range(40)] + [("demo/l40", "demo/__init__.py")])),
    "links-into-dist-info": forged(lambda: v2(links=[("demo/x", "demo-1.0.dist-info/METADATA")])),
    "links-in-wheel-1": forged(lambda: recipe(links=[("demo/x", "demo/__init__.py")])),
    "wheel-version-mismatch": forged(lambda: v2(metadata_wheel_version="1.0")),
    "wheel-version-major-3": forged(lambda: recipe(wheel_version="3.0")),
    "whl-with-version-2": forged(lambda: v2(extension=".whl")),
    "whlx-with-version-1": forged(lambda: recipe(extension=".whlx")),
    "whlx-zip-size-lie": forged(lambda: v2(zip_size_lies={"demo/__init__.py": 3})),
    "whlx-tar-size-lie": forged(lambda: v2(layout=Layout.SOLID,
                                           tar_size_lies={"demo/__init__.py": 1 << 30})),
    "whlx-tar-unrecorded": forged(lambda: v2(layout=Layout.SOLID,
                                             unrecorded={"demo/lib/libfoo.so"})),
    "bad-data-scheme": forged(lambda: recipe(files={**PKG, "demo-1.0.data/evil/x": b"x"})),
    "two-dist-infos": forged(lambda: recipe(extra_members=[("other-1.0.dist-info/METADATA", b"")])),
    "builder-path-traversal": builder("path-traversal"),
    "builder-absolute-path": builder("absolute-path"),
    "builder-record-hash": builder("record-hash-mismatch"),
    "builder-record-missing": builder("record-missing-entry"),
    "builder-record-hash-same-size": builder("record-hash-same-size"),
    "builder-wheel-version": builder("wheel-version-mismatch"),
    "builder-wheel-version-minor": builder("wheel-version-minor-mismatch"),
    "builder-zip-bomb": builder("zip-bomb"),
    "builder-escaping-links": builder("escaping-links", **{"wheel-version": "2.0"}),
}


def _missing_file_recipe() -> WheelRecipe:
    from wheelnext.wheel2.digest import record_hash
    from wheelnext.wheel2.writer import format_record

    files = dict(PKG)
    rows = [(p, record_hash(d), str(len(d))) for p, d in files.items()]
    rows += [("demo/ghost.py", record_hash(b"boo"), "3")]
    meta = WheelRecipe(files=files)
    dist = meta.dist_info
    from wheelnext.wheel2.forge import _metadata, _wheel

    rows += [(f"{dist}/METADATA", record_hash(_metadata(meta)), str(len(_metadata(meta)))),
             (f"{dist}/WHEEL", record_hash(_wheel(meta)), str(len(_wheel(meta)))),
             (f"{dist}/RECORD", "", "")]
    return recipe(record=format_record(rows))


def _md5_recipe() -> WheelRecipe:
    import base64

    rows = []
    for path, data in PKG.items():
        digest = base64.urlsafe_b64encode(hashlib.md5(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},md5={digest},{len(data)}")
    good = forge_wheel_record_rows()
    return recipe(record="\n".join(rows + good) + "\n")


def forge_wheel_record_rows() -> list[str]:
    from wheelnext.wheel2.digest import record_hash
    from wheelnext.wheel2.forge import _metadata, _wheel

    meta = WheelRecipe(files=dict(PKG))
    dist = meta.dist_info
    return [f"{dist}/METADATA,{record_hash(_metadata(meta))},{len(_metadata(meta))}",
            f"{dist}/WHEEL,{record_hash(_wheel(meta))},{len(_wheel(meta))}",
            f"{dist}/RECORD,,"]


def snapshot(root: Path) -> dict[str, str]:
    """Every path under *root* with its kind and content hash (links by their text)."""
    state: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                state[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                state[key] = "dir"
            else:
                state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_wheel_is_refused_and_nothing_is_written(case: str, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = CORPUS[case](wheels)
    sandbox = tmp_path / "sandbox"
    (sandbox / "env").mkdir(parents=True)
    (sandbox / "env" / "existing.txt").write_text("keep me\n")
    (sandbox / "outside").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(WheelnextError) as caught:
        install_wheel(wheel, scheme_for_target(sandbox / "env"), compile_bytecode=False)
    message = str(caught.value)
    assert "\n" not in message and message
    assert snapshot(tmp_path) == before
    assert not OUTSIDE_MARKER.exists()
    assert check_wheel(wheel), f"wheel check found nothing wrong with {case}"


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_wheel_through_the_cli_writes_nothing_anywhere(
        case: str, tmp_path: Path, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    """The same corpus through ``wheelnext wheel install --target``: one line, exit 2, and the
    witness (target's parent, HOME and cache, base interpreter, a search for the names the
    wheels try to plant) sees nothing written."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = CORPUS[case](wheels)
    target = tmp_path / "sandbox" / "env"
    target.mkdir(parents=True)
    (target / "existing.txt").write_text("keep me\n")
    seen = witness(case, target.parent, token="evil")
    with seen:
        code, err = install_cli(wheel, target, capsys)
    assert_one_line_error(code, err)
    seen.assert_untouched()
    assert not OUTSIDE_MARKER.exists()
    assert not Path("/tmp/wheelnext-evil.py").exists()


def test_the_same_wheels_without_defects_install(tmp_path: Path) -> None:
    """Control: the forge's defaults install, so every refusal above is the defect's doing."""
    for made in (recipe(), v2(), v2(layout=Layout.SOLID),
                 v2(links=[("demo/lib/libfoo.so.1", "demo/lib/libfoo.so")])):
        (tmp_path / "w").mkdir(exist_ok=True)
        wheel = forge_wheel(tmp_path / "w", made)
        target = tmp_path / f"env-{made.layout}-{bool(made.links)}-{made.wheel_version}"
        install_wheel(wheel, scheme_for_target(target), compile_bytecode=False)
        assert (target / "demo" / "__init__.py").read_bytes() == b"X = 1\n"
        assert check_wheel(wheel) == []
        wheel.unlink()


@given(st.text(min_size=1, max_size=40))
def test_member_names_raise_only_the_documented_error(name: str) -> None:
    try:
        checked = check_member_name(name)
    except UnsafeArtifact:
        return
    assert not checked.startswith("/") and ".." not in checked.split("/")


@settings(max_examples=25, deadline=None, suppress_health_check=[FIXTURE])
@given(st.text(alphabet=st.sampled_from("ab./\\:C.."), min_size=1, max_size=12))
def test_fuzzed_member_names_never_escape(tmp_path: Path, name: str) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    wheel = forge_wheel(root, recipe(files={**PKG, name: b"fuzz"}))
    (root / "env").mkdir()
    before = snapshot(tmp_path)
    try:
        install_wheel(wheel, scheme_for_target(root / "env"), compile_bytecode=False)
    except WheelnextError:
        assert snapshot(tmp_path) == before
        return
    for path in (root / "env").rglob("*"):
        assert path.resolve().is_relative_to((root / "env").resolve())


LINK_TEXT = st.lists(st.sampled_from([*"demo/._,\n\"\\:", "..", "/etc", "demo/", "lib"]),
                     max_size=30).map("".join)


@given(LINK_TEXT)
def test_fuzzed_links_lines_raise_only_the_documented_error(text: str) -> None:
    try:
        links = parse_links(text)
        validate_links(links, list(PKG))
    except WheelnextError:
        pass


@settings(max_examples=20, deadline=None, suppress_health_check=[FIXTURE])
@given(st.lists(st.tuples(st.sampled_from(["demo/a", "demo/b", "demo/lib/c", "x", "../y"]),
                          st.sampled_from(["demo/a", "demo/b", "demo/__init__.py", "demo/lib",
                                           "/etc/passwd", "../../z", "demo/lib/libfoo.so"])),
                max_size=4))
def test_fuzzed_links_never_escape(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    wheel = forge_wheel(root, v2(links=rows))
    env = root / "env"
    try:
        install_wheel(wheel, scheme_for_target(env), compile_bytecode=False)
    except WheelnextError:
        assert not env.exists()
        return
    for path in env.rglob("*"):
        if path.is_symlink():
            assert path.resolve().is_relative_to(env.resolve())
            assert path.resolve().exists()
