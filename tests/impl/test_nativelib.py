"""Units of ``wheelnext.nativelib`` (extension, #19): names, ELF reading, the declaration,
the loader's lookups, the audit and its command, and ``wheel check``'s hook."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.build.builder import build_dist
from wheelnext.build.spec import spec_from_mapping
from wheelnext.cli import cli
from wheelnext.errors import InvalidMetadata
from wheelnext.native_libraries import parse_declaration
from wheelnext.nativelib import AbiMismatch, LibraryNotFound, find, load, names
from wheelnext.nativelib.audit import report
from wheelnext.nativelib.elf import NotElf, read_dynamic, read_dynamic_file
from wheelnext.wheel2.check import check_wheel

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")


@pytest.mark.parametrize(("name", "upstream", "family", "version"), [
    ("libgfortran-040039e1-0352e75f.so.5.0.0", "libgfortran.so.5.0.0", "gfortran", "5.0.0"),
    ("libscipy_openblas64_-32a4b2a6.so", "libscipy_openblas64_.so", "openblas", None),
    ("libscipy_openblas-6cdc3b4a.so", "libscipy_openblas.so", "openblas", None),
    ("libgomp-e985bcbb.so.1.0.0", "libgomp.so.1.0.0", "gomp", "1.0.0"),
    ("libarrow.so.2600", "libarrow.so.2600", "arrow", "2600"),
    ("libfoo-notahash.so", "libfoo-notahash.so", "foo-notahash", None),
])
def test_upstream_names(name: str, upstream: str, family: str, version: str | None) -> None:
    assert names.upstream_name(name) == upstream
    major = f".{version.split('.')[0]}" if version else ""
    assert names.soname_key(name) == upstream.partition(".so")[0] + ".so" + major
    assert names.family(name) == family
    assert names.version(name) == version
    assert names.is_mangled(name) == (name != upstream)


@pytest.mark.parametrize(("name", "library"), [
    ("libz.so.1", True), ("libfoo.so", True), ("_x.cpython-311-x86_64-linux-gnu.so", False),
    ("_x.abi3.so", False), ("notes.txt", False), ("libfoo.so.1.py", False),
])
def test_shared_object_names(name: str, library: bool) -> None:
    assert names.looks_like_shared_object(name) is library


def _compile(where: Path, soname: str, body: str = "int f(void) { return 1; }") -> Path:
    where.mkdir(parents=True, exist_ok=True)
    source = where / f"{soname}.c"
    source.write_text(body + "\n")
    out = where / soname
    subprocess.run(["gcc", "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", out, source],
                   check=True, capture_output=True, timeout=300)
    return out


@needs_gcc
def test_reads_soname_and_survives_every_truncation(tmp_path: Path) -> None:
    library = _compile(tmp_path, "libdemo.so.3")
    info = read_dynamic_file(library)
    assert info.soname == "libdemo.so.3"
    data = library.read_bytes()
    for end in range(0, len(data), max(1, len(data) // 400)):
        damaged = tmp_path / "damaged.so"
        damaged.write_bytes(data[:end])
        with contextlib.suppress(NotElf):
            read_dynamic_file(damaged)


def test_not_elf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.so").write_bytes(b"MZ not an ELF file")
    with pytest.raises(NotElf):
        read_dynamic_file(tmp_path / "x.so")
    with pytest.raises(NotElf, match="cannot read"):
        read_dynamic_file(tmp_path / "missing.so")
    import io
    with pytest.raises(NotElf):
        read_dynamic(io.BytesIO(b"\x7fELF" + b"\xff" * 60))


GOOD = {"version": 1, "libraries": [{"name": "demo", "soname": "libdemo.so.1",
                                     "abi-version": "1.2", "path": "demo_lib/libdemo.so.1"}]}


def _with(**changes: object) -> bytes:
    entry = {**GOOD["libraries"][0], **changes}  # type: ignore[index, dict-item]
    return json.dumps({"version": 1, "libraries": [entry]}).encode()


def test_declaration_parses() -> None:
    (library,) = parse_declaration(json.dumps(GOOD).encode(), source="d")
    assert (library.name, library.soname, str(library.abi_version), library.path) == (
        "demo", "libdemo.so.1", "1.2", "demo_lib/libdemo.so.1")


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff", "d: not UTF-8"),
    (b"{", "d: not JSON"),
    (b"[]", "d: must be a JSON object"),
    (b'{"version": 2, "libraries": []}', "d: 'version' must be 1"),
    (b'{"version": 1, "libraries": []}', "d: 'libraries' must be a non-empty list"),
    (b'{"version": 1, "libraries": [1]}', "d: libraries[0]: must be an object"),
    (_with(name="Demo"), "d: libraries[0]: name 'Demo'"),
    (_with(soname="../x"), "d: libraries[0]: soname '../x' is not a file name"),
    (_with(**{"abi-version": "one"}), "d: libraries[0]: abi-version 'one' is not a PEP 440"),
    (_with(path="/etc/libdemo.so"), "d: libraries[0]: path '/etc/libdemo.so' must be relative"),
    (_with(path="a/../../x"), "d: libraries[0]: path 'a/../../x' must be relative"),
    (_with(path=1), "d: libraries[0]: 'path' must be a string"),
    (_with(extra="x"), "d: libraries[0]: unknown key 'extra'"),
    (b"[" * 60_000, "d: not JSON"),
    (b" " * 70_000, "d: larger than"),
])
def test_declaration_errors_are_one_line(data: bytes, message: str) -> None:
    with pytest.raises(InvalidMetadata) as caught:
        parse_declaration(data, source="d")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def _installed(root: Path, name: str, version: str, libraries: dict[str, Path],
               abi: str = "1.0", declared_soname: str | None = None) -> None:
    """A distribution installed under *root*: its files, METADATA, RECORD, declaration."""
    dist_info = root / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\n"
                                        f"Version: {version}\n")
    record = [f"{dist_info.name}/METADATA,,", f"{dist_info.name}/RECORD,,"]
    entries = []
    for relative, source in libraries.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        record.append(f"{relative},,")
        entries.append({"name": Path(relative).name.split(".")[0].removeprefix("lib"),
                        "soname": declared_soname or source.name, "abi-version": abi,
                        "path": relative})
    (dist_info / "RECORD").write_text("\n".join(record) + "\n")
    (dist_info / "native-libraries.json").write_text(
        json.dumps({"version": 1, "libraries": entries}))


@needs_gcc
def test_loader_finds_checks_and_loads(tmp_path: Path) -> None:
    library = _compile(tmp_path / "build", "libnlunit.so.1")
    root = tmp_path / "site"
    _installed(root, "nlunit-lib", "1.4.0", {"nlunit_lib/libnlunit.so.1": library}, abi="1.4")
    located = find("nlunit", path=[str(root)])
    assert (located.distribution, located.path) == ("nlunit-lib",
                                                    root / "nlunit_lib/libnlunit.so.1")
    handle = load("nlunit", abi=">=1.2,<2", path=[str(root)])
    assert handle.f() == 1
    assert load("nlunit", abi="~=1.0") is handle  # once per process
    with pytest.raises(AbiMismatch, match=r"nlunit-lib 1.4.0 provides ABI version 1.4, but "
                                          r">=2 is needed"):
        load("nlunit", abi=">=2", path=[str(root)])
    with pytest.raises(ValueError, match="abi: 'nonsense'"):
        load("nlunit", abi="nonsense")


@needs_gcc
def test_loader_refuses_missing_file_and_wrong_soname(tmp_path: Path) -> None:
    library = _compile(tmp_path / "build", "libnlgone.so.1")
    root = tmp_path / "site"
    _installed(root, "nlgone-lib", "1.0", {"nlgone_lib/libnlgone.so.1": library})
    (root / "nlgone_lib/libnlgone.so.1").unlink()
    with pytest.raises(LibraryNotFound, match=r"declares 'nlgone_lib/libnlgone\.so\.1' but .* "
                                              r"is missing; reinstall nlgone-lib"):
        load("nlgone", path=[str(root)])
    other = tmp_path / "other"
    _installed(other, "nlsoname-lib", "1.0", {"nlsoname_lib/libnlsoname.so.1": library},
               declared_soname="libnlsoname.so.1")
    with pytest.raises(LibraryNotFound, match=r"has soname 'libnlgone\.so\.1', but nlsoname-lib "
                                              r"declares 'libnlsoname\.so\.1'"):
        load("nlsoname", path=[str(other)])


def test_loader_names_a_broken_declaration(tmp_path: Path) -> None:
    dist_info = tmp_path / "broken-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist_info / "native-libraries.json").write_text("{")
    with pytest.raises(LibraryNotFound, match=r"^native library 'x': broken: "
                                              r"native-libraries.json: not JSON"):
        find("x", path=[str(tmp_path)])
    with pytest.raises(LibraryNotFound, match="no installed distribution declares it"):
        find("x", path=[str(tmp_path / "empty")])
    (dist_info / "native-libraries.json").write_bytes(b"\xff\xfe")
    with pytest.raises(LibraryNotFound, match=r"^native library 'x': broken: "
                                              r"native-libraries.json: not readable UTF-8"):
        find("x", path=[str(tmp_path)])


@needs_gcc
def test_audit_groups_copies_and_counts_savings(tmp_path: Path) -> None:
    build = tmp_path / "build"
    first = _compile(build / "a", "libgfortran-040039e1.so.5.0.0")
    second = _compile(build / "b", "libgfortran-8f1e9814.so.5.0.0",
                      "int f(void) { return 2; } int g(void) { return 3; }")
    lp64 = _compile(build / "c", "libscipy_openblas-6cdc3b4a.so")
    ilp64 = _compile(build / "d", "libscipy_openblas64_-32a4b2a6.so", "int h(void) { return 4; }")
    root = tmp_path / "site"
    _installed(root, "numpy", "2.0", {"numpy.libs/libgfortran-040039e1.so.5.0.0": first,
                                      "numpy.libs/libscipy_openblas64_-32a4b2a6.so": ilp64})
    _installed(root, "scipy", "1.0", {"scipy.libs/libgfortran-040039e1.so.5.0.0": first,
                                      "scipy.libs/libgfortran-8f1e9814.so.5.0.0": second,
                                      "scipy.libs/libscipy_openblas-6cdc3b4a.so": lp64})
    (root / "numpy.libs/link.so.5").symlink_to("libgfortran-040039e1.so.5.0.0")
    (root / "numpy.libs/damaged.so").write_bytes(b"\x7fELF" + b"\0" * 10)
    (root / "numpy/_core").mkdir(parents=True)
    shutil.copyfile(lp64, root / "numpy/_core/_mod.cpython-311-x86_64-linux-gnu.so")
    document = report([root])
    groups = {group["family"]: group for group in document["groups"]}  # type: ignore[attr-defined]
    assert sorted(groups) == ["gfortran", "openblas"]
    size = first.stat().st_size
    gfortran = groups["gfortran"]
    assert gfortran["distributions"] == ["numpy", "scipy"]
    assert gfortran["sonames"] == ["libgfortran.so.5"]
    assert gfortran["savings"] == {
        "identical": size, "same_soname": size + min(size, second.stat().st_size),
        "same_family": size + min(size, second.stat().st_size)}
    openblas = groups["openblas"]
    assert openblas["sonames"] == ["libscipy_openblas.so", "libscipy_openblas64_.so"]
    assert openblas["savings"]["identical"] == 0 == openblas["savings"]["same_soname"]
    assert openblas["savings"]["same_family"] == min(lp64.stat().st_size, ilp64.stat().st_size)
    totals = document["totals"]
    assert totals["libraries"] == 5  # type: ignore[index]


def test_audit_command_errors_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["nativelib", "audit", str(tmp_path / "nowhere")])
    assert done.exit_code != 0
    done = subprocess.run([sys.executable, "-m", "wheelnext", "nativelib", "audit",
                           str(tmp_path / "nowhere")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert done.stderr == (f"error: {tmp_path / 'nowhere'}: not a folder or a wheel file (give "
                           "an installed-packages folder or a .whl)\n")
    done = subprocess.run([sys.executable, "-m", "wheelnext", "nativelib", "audit", "--python",
                           sys.executable, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert (done.returncode, done.stderr) == (
        2, "error: --python: give either ROOTS or --python, not both\n")
    done = runner.invoke(cli, ["nativelib", "audit", "--json", str(tmp_path)])
    assert done.exit_code == 0
    document = json.loads(done.output)
    assert document["totals"]["libraries"] == 0
    assert document["roots"] == [str(tmp_path)]


def _library_wheel(out: Path, declaration: str, library_path: str = "demo_lib/libdemo.so.1",
                   ) -> Path:
    spec = spec_from_mapping({
        "name": "demo-lib", "version": "1.0", "tag": "py3-none-linux_x86_64",
        "files": [{"path": library_path, "text": "not really a library"},
                  {"path": "demo_lib-1.0.dist-info/native-libraries.json",
                   "text": declaration}],
    }, source="demo-lib")
    return build_dist(spec, out)


def test_wheel_check_validates_the_declaration(tmp_path: Path) -> None:
    good = _library_wheel(tmp_path / "good", json.dumps(GOOD))
    assert check_wheel(good) == []
    moved = _library_wheel(tmp_path / "moved", json.dumps(GOOD), "demo_lib/lib/libdemo.so.1")
    assert check_wheel(moved) == [
        "demo_lib-1.0-py3-none-linux_x86_64.whl: native-libraries.json: library 'demo': "
        "'demo_lib/libdemo.so.1' is not a file of this wheel"]
    bad = _library_wheel(tmp_path / "bad", _with(**{"abi-version": "x"}).decode())
    assert check_wheel(bad) == [
        "demo_lib-1.0-py3-none-linux_x86_64.whl: native-libraries.json: libraries[0]: "
        "abi-version 'x' is not a PEP 440 version"]


@needs_gcc
def test_audit_reads_wheels_like_installed_folders(tmp_path: Path) -> None:
    library = _compile(tmp_path / "build", "libgfortran-040039e1.so.5.0.0")
    wheels = []
    for project in ("nla-one", "nla-two"):
        folder = project.replace("-", "_")
        spec = spec_from_mapping({
            "name": project, "version": "1.0", "tag": "py3-none-linux_x86_64",
            "files": [{"path": f"{folder}.libs/libgfortran-040039e1.so.5.0.0",
                       "base64": __import__("base64").b64encode(library.read_bytes()).decode()},
                      {"path": f"{folder}/__init__.py", "text": ""}],
        }, source=project)
        wheels.append(build_dist(spec, tmp_path / "dist"))
    done = subprocess.run([sys.executable, "-m", "wheelnext", "nativelib", "audit", "--json",
                           *map(str, wheels)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (group,) = json.loads(done.stdout)["groups"]
    assert group["distributions"] == ["nla-one", "nla-two"]
    assert group["savings"]["identical"] == library.stat().st_size
    assert group["copies"][0]["path"] == (
        f"{wheels[0].name}!nla_one.libs/libgfortran-040039e1.so.5.0.0")
    damaged = tmp_path / "dist" / "broken-1.0-py3-none-any.whl"
    damaged.write_bytes(b"PK\x03\x04 not really")
    done = subprocess.run([sys.executable, "-m", "wheelnext", "nativelib", "audit",
                           str(damaged)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {damaged.name}: ") and done.stderr.count("\n") == 1
