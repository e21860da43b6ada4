"""The worked example of sharing one native library between wheels (extension, #19 part 3).

gcc builds ``libdemo.so.1`` (a counter) and two CPython extension modules, ``alpha._alpha``
and ``beta._beta``, that link against it with ``-ldemo`` and no rpath. The project's builder
makes three wheels: ``demo-lib`` (the library and its ``native-libraries.json``), ``alpha``
and ``beta`` (no copy of the library; their ``__init__`` calls
``wheelnext.nativelib.load("demo", abi=">=1,<2")`` before importing the extension module).
``wheelnext wheel install`` puts them in a fresh virtual environment; both modules then share
one mapped copy and one counter. Without the library wheel, or with an ABI 2 build, importing
fails with one line.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from packaging.tags import sys_tags

import wheelnext
from wheelnext.build.builder import build_dist
from wheelnext.build.spec import spec_from_mapping
from wheelnext.nativelib.elf import read_dynamic_file

INCLUDE = Path(sysconfig.get_paths()["include"])
pytestmark = [
    pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to compile the example"),
    pytest.mark.skipif(not (INCLUDE / "Python.h").is_file(),
                       reason=f"needs the Python headers ({INCLUDE / 'Python.h'} is missing)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="ELF and /proc/self/maps: Linux only"),
]

LIBRARY_C = """
static int counter = 0;
int demo_abi_major(void) { return ABI_MAJOR; }
int demo_next(void) { return ++counter; }
"""

MODULE_C = """
#define PY_SSIZE_T_CLEAN
#include <Python.h>
int demo_next(void);
static PyObject *bump(PyObject *self, PyObject *unused) { return PyLong_FromLong(demo_next()); }
static PyMethodDef methods[] = {{"bump", bump, METH_NOARGS, "Next value of the shared counter."},
                                {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_NAME", NULL, -1, methods};
PyMODINIT_FUNC PyInit__NAME(void) { return PyModule_Create(&module); }
"""

CONSUMER_INIT = """\
from wheelnext.nativelib import load

load("demo", abi=">=1,<2")

from NAME._NAME import bump  # noqa: E402
"""

PROBE = """\
import json
import alpha, beta
counts = [alpha.bump(), beta.bump(), alpha.bump()]
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps if "libdemo" in line})
print(json.dumps({"counts": counts, "mapped": mapped}))
"""


def _gcc(*args: str | Path) -> None:
    subprocess.run(["gcc", *map(str, args)], check=True, capture_output=True, timeout=300)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _platform() -> str:
    return next(iter(sys_tags())).platform


def _library_wheel(work: Path, out: Path, abi_major: int) -> Path:
    build = work / f"lib{abi_major}"
    build.mkdir()
    soname = f"libdemo.so.{abi_major}"
    (build / "demo.c").write_text(LIBRARY_C.replace("ABI_MAJOR", str(abi_major)))
    _gcc("-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", build / soname, build / "demo.c")
    declaration = {"version": 1, "libraries": [{
        "name": "demo", "soname": soname, "abi-version": f"{abi_major}.0",
        "path": f"demo_lib/lib/{soname}"}]}
    version = f"{abi_major}.0.0"
    spec = spec_from_mapping({
        "name": "demo-lib", "version": version, "tag": f"py3-none-{_platform()}",
        "files": [
            {"path": "demo_lib/__init__.py", "text": ""},
            {"path": f"demo_lib/lib/{soname}", "base64": _b64(build / soname),
             "executable": True},
            {"path": f"demo_lib-{version}.dist-info/native-libraries.json",
             "text": json.dumps(declaration, indent=2) + "\n"},
        ],
    }, source=f"demo-lib {version}")
    return build_dist(spec, out)


def _consumer_wheel(work: Path, out: Path, name: str, *, link: bool = True) -> Path:
    build = work / name
    build.mkdir()
    source = build / f"_{name}.c"
    source.write_text(MODULE_C.replace("_NAME", f"_{name}"))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / f"_{name}{suffix}"
    # Link by soname only: -L finds libdemo.so at build time, nothing records where.
    linking = [f"-L{work / 'lib1'}", "-ldemo"] if link else []
    _gcc("-shared", "-fPIC", f"-I{INCLUDE}", "-o", module, source, *linking)
    tag = next(iter(sys_tags()))
    spec = spec_from_mapping({
        "name": name, "version": "1.0.0", "tag": f"{tag.interpreter}-{tag.abi}-{tag.platform}",
        "requires-dist": ["demo-lib>=1,<2"],
        "files": [
            {"path": f"{name}/__init__.py", "text": CONSUMER_INIT.replace("NAME", name)},
            {"path": f"{name}/_{name}{suffix}", "base64": _b64(module), "executable": True},
        ],
    }, source=name)
    return build_dist(spec, out)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("nativelib-build")
    out = work / "dist"
    lib1 = _library_wheel(work, out, 1)
    (work / "lib1" / "libdemo.so").symlink_to("libdemo.so.1")
    return {"demo-lib": lib1, "demo-lib-2": _library_wheel(work, out, 2),
            "alpha": _consumer_wheel(work, out, "alpha"),
            "beta": _consumer_wheel(work, out, "beta"),
            # No DT_NEEDED at all: its symbols resolve only through RTLD_GLOBAL.
            "gamma": _consumer_wheel(work, out, "gamma", link=False)}


def _wheelnext(*args: str | Path) -> None:
    done = subprocess.run([sys.executable, "-m", "wheelnext", *map(str, args)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr


def _loader_path() -> list[str]:
    """Folders that give a fresh interpreter ``wheelnext`` and its dependencies, as if
    installed: the consumer wheels import the loader from there."""
    import elftools
    import packaging

    roots = {Path(wheelnext.__file__).parent.parent, Path(packaging.__file__).parent.parent,
             Path(elftools.__file__).parent.parent}
    return sorted(map(str, roots))


def _fresh_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", where], check=True,
                   capture_output=True, timeout=300)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    # Appended after site-packages, so the example's own distributions are found first.
    Path(purelib, "zz-wheelnext-loader.pth").write_text("\n".join(_loader_path()) + "\n")
    return python


def _run(python: Path, code: str,
         pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300,
                          env=env, cwd=python.parent)


def test_consumers_link_by_soname_without_rpath(wheels: dict[str, Path], tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(wheels["alpha"]) as archive:
        names = archive.namelist()
        module = next(name for name in names if name.startswith("alpha/_alpha"))
        (tmp_path / "m.so").write_bytes(archive.read(module))
    assert not any("libdemo" in name for name in names)
    assert "libdemo.so.1" in read_dynamic_file(tmp_path / "m.so").needed
    assert b"RUNPATH" not in subprocess.run(["readelf", "-d", tmp_path / "m.so"],
                                            capture_output=True, timeout=60).stdout \
        if shutil.which("readelf") else True


def test_two_modules_share_one_mapped_copy(wheels: dict[str, Path], tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    for name in ("demo-lib", "alpha", "beta"):
        _wheelnext("wheel", "install", wheels[name], "--python", python)
    done = _run(python, PROBE)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["counts"] == [1, 2, 3]  # one counter: one copy of the library's data
    assert len(result["mapped"]) == 1
    assert result["mapped"][0].startswith(str(tmp_path / "venv"))
    assert result["mapped"][0].endswith("demo_lib/lib/libdemo.so.1")
    listed = subprocess.run([python, "-m", "wheelnext", "nativelib", "declared", "--json"],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["abi-version"], row["distribution"], row["version"]) == (
        "demo", "1.0", "demo-lib", "1.0.0")


def test_without_the_loader_the_dynamic_loader_cannot_find_it(
        wheels: dict[str, Path], tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    for name in ("demo-lib", "alpha"):
        _wheelnext("wheel", "install", wheels[name], "--python", python)
    # The extension module alone, by file: alpha/__init__.py (and so the loader) never runs.
    code = textwrap.dedent("""\
        import glob, importlib.util, sysconfig
        path = glob.glob(sysconfig.get_paths()["platlib"] + "/alpha/_alpha*.so")[0]
        spec = importlib.util.spec_from_file_location("alpha._alpha", path)
        importlib.util.module_from_spec(spec)
    """)
    done = _run(python, code)
    assert done.returncode == 1
    assert "libdemo.so.1: cannot open shared object file" in done.stderr


def test_missing_library_wheel_is_one_line(wheels: dict[str, Path], tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    target = tmp_path / "target"
    _wheelnext("wheel", "install", wheels["alpha"], "--target", target)
    done = _run(python, "import alpha", pythonpath=target)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("wheelnext.nativelib.loader.LibraryNotFound: native library 'demo': no "
                    "installed distribution declares it in native-libraries.json; install the "
                    "wheel that provides it")
    # The same --target folder works once the library wheel is installed into it too.
    _wheelnext("wheel", "install", wheels["demo-lib"], "--target", target)
    done = _run(python, "import alpha; print(alpha.bump())", pythonpath=target)
    assert (done.returncode, done.stdout.strip()) == (0, "1"), done.stderr


def test_incompatible_abi_is_one_line(wheels: dict[str, Path], tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    for name in ("demo-lib-2", "alpha"):
        _wheelnext("wheel", "install", wheels[name], "--python", python)
    done = _run(python, "import alpha")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("wheelnext.nativelib.loader.AbiMismatch: native library 'demo': demo-lib "
                    "2.0.0 provides ABI version 2.0, but >=1,<2 is needed")
    assert "Segmentation" not in done.stderr and "undefined symbol" not in done.stderr


def test_audit_sees_no_duplicate_in_the_shared_layout(
        wheels: dict[str, Path], tmp_path: Path) -> None:
    from wheelnext.nativelib.audit import report

    target = tmp_path / "target"
    for name in ("demo-lib", "alpha", "beta"):
        _wheelnext("wheel", "install", wheels[name], "--target", target)
    document = report([target])
    groups = document["groups"]
    assert isinstance(groups, list)
    assert [(g["family"], len(g["copies"]), g["distributions"]) for g in groups] == [
        ("demo", 1, ["demo-lib"])]


def test_consumer_without_needed_entry_binds_through_rtld_global(
        wheels: dict[str, Path], tmp_path: Path) -> None:
    """glibc finds a preloaded object by soname whatever its mode, so alpha would work with
    RTLD_LOCAL too; a module that names no library (undefined symbols left to the process,
    as the anchor's loader allows) needs the global scope."""
    python = _fresh_venv(tmp_path / "venv")
    for name in ("demo-lib", "alpha", "gamma"):
        _wheelnext("wheel", "install", wheels[name], "--python", python)
    done = _run(python, "import gamma, alpha; print(gamma.bump(), alpha.bump())")
    assert (done.returncode, done.stdout.strip()) == (0, "1 2"), done.stderr
    # RTLD_LOCAL first: alpha (DT_NEEDED libdemo.so.1) still binds, gamma cannot.
    local_first = textwrap.dedent("""\
        from wheelnext.nativelib import load
        load("demo", global_scope=False)
        import alpha
        print(alpha.bump())
        import gamma
    """)
    done = _run(python, local_first)
    assert done.stdout.strip() == "1"
    assert done.returncode == 1 and "undefined symbol: demo_next" in done.stderr
