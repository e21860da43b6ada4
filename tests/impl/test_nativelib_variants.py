"""Hardware-specific builds of one shared library as PEP 825 variants (extension, #19 part 2).

gcc builds ``libdemo.so.1`` once per x86-64 psABI level (``-march=x86-64-vN``); each build is
a variant of the same library wheel ``demo-lib 1.0.0`` labelled ``x86_64_vN`` with the property
``x86_64 :: level :: vN``, beside a plain wheel for installers that know no variants. The
reference index serves them on loopback (it writes ``demo_lib-1.0.0-variants.json``), and
``wheelnext install`` picks the variant its x86_64 provider ranks best on this machine, as
PEP 825 says: "Installers MUST select the variant wheel with the highest priority among
compatible variants". The consumers then load it through the same loader API as a plain
library wheel, and the process maps exactly that build.

The machine's best level is read independently of the provider, from gcc's
``__builtin_cpu_supports("x86-64-vN")``; nothing here assumes a particular CPU.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
from packaging.tags import sys_tags

from tests._support.installer import index_args, run, served, site_packages
from tests.impl.test_nativelib_example import CONSUMER_INIT as _CONSUMER_INIT
from tests.impl.test_nativelib_example import (
    INCLUDE,
    MODULE_C,
    _b64,
    _fresh_venv,
    _gcc,
    _platform,
    _run,
)

pytestmark = [
    pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to compile the example"),
    pytest.mark.skipif(not (INCLUDE / "Python.h").is_file(),
                       reason=f"needs the Python headers ({INCLUDE / 'Python.h'} is missing)"),
    pytest.mark.skipif(platform.machine() != "x86_64",
                       reason="x86-64 psABI levels: the example builds for x86_64 only"),
]

LEVELS = (1, 2, 3, 4)

LIBRARY_C = """
static int counter = 0;
int demo_abi_major(void) { return 1; }
int demo_level(void) { return LEVEL; }
int demo_next(void) { return ++counter; }
"""

CPU_PROBE_C = """
#include <stdio.h>
int main(void) {
    int level = 1;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v2")) level = 2;
    if (__builtin_cpu_supports("x86-64-v3")) level = 3;
    if (__builtin_cpu_supports("x86-64-v4")) level = 4;
    printf("%d\\n", level);
    return 0;
}
"""

PROBE = """\
import ctypes, json
import alpha, beta
from wheelnext.nativelib import loaded
counts = [alpha.bump(), beta.bump(), alpha.bump()]
level = ctypes.CDLL("libdemo.so.1").demo_level()
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps if "libdemo" in line})
located = loaded()["demo"]
print(json.dumps({"counts": counts, "level": level, "mapped": mapped,
                  "distribution": located.distribution, "path": str(located.path)}))
"""


def _best_level_by_gcc(work: Path) -> int:
    """The machine's best psABI level, as gcc's CPU detection (not ours) sees it."""
    (work / "cpu.c").write_text(CPU_PROBE_C)
    _gcc("-o", work / "cpu", work / "cpu.c")
    done = subprocess.run([work / "cpu"], capture_output=True, text=True, check=True,
                          timeout=60)
    return int(done.stdout)


def _library_file(work: Path, level: int | None) -> Path:
    build = work / (f"lib-v{level}" if level else "lib-plain")
    build.mkdir()
    (build / "demo.c").write_text(LIBRARY_C.replace("LEVEL", str(level or 0)))
    march = f"-march=x86-64-v{level}" if level and level > 1 else "-march=x86-64"
    _gcc("-shared", "-fPIC", march, "-Wl,-soname,libdemo.so.1", "-o", build / "libdemo.so.1",
         build / "demo.c")
    return build / "libdemo.so.1"


def _library_table(work: Path, level: int | None) -> dict[str, object]:
    """One build of ``demo-lib 1.0.0``: a variant for *level*, or the plain wheel."""
    declaration = {"version": 1, "libraries": [{
        "name": "demo", "soname": "libdemo.so.1", "abi-version": "1.0",
        "path": "demo_lib/lib/libdemo.so.1"}]}
    table: dict[str, object] = {
        "name": "demo-lib", "version": "1.0.0", "tag": f"py3-none-{_platform()}",
        "files": [
            {"path": "demo_lib/__init__.py", "text": ""},
            {"path": "demo_lib/lib/libdemo.so.1", "base64": _b64(_library_file(work, level)),
             "executable": True},
            {"path": "demo_lib-1.0.0.dist-info/native-libraries.json",
             "text": json.dumps(declaration, indent=2) + "\n"},
        ],
    }
    if level is not None:
        table["variant"] = {"label": f"x86_64_v{level}",
                            "properties": [f"x86_64 :: level :: v{level}"]}
    return table


def _consumer_table(work: Path, name: str) -> dict[str, object]:
    build = work / name
    build.mkdir()
    (build / f"_{name}.c").write_text(MODULE_C.replace("_NAME", f"_{name}"))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    module = build / f"_{name}{suffix}"
    _gcc("-shared", "-fPIC", f"-I{INCLUDE}", "-o", module, build / f"_{name}.c",
         f"-L{work / 'lib-plain'}", "-l:libdemo.so.1")
    tag = next(iter(sys_tags()))
    return {
        "name": name, "version": "1.0.0",
        "tag": f"{tag.interpreter}-{tag.abi}-{tag.platform}",
        "requires-dist": ["demo-lib>=1,<2"],
        "files": [
            {"path": f"{name}/__init__.py", "text": _CONSUMER_INIT.replace("NAME", name)},
            {"path": f"{name}/_{name}{suffix}", "base64": _b64(module), "executable": True},
        ],
    }


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, object]]]:
    work = tmp_path_factory.mktemp("nativelib-variants")
    tables = [_library_table(work, None)]
    tables += [_library_table(work, level) for level in LEVELS]
    tables += [_consumer_table(work, "alpha"), _consumer_table(work, "beta")]
    return {"primary": tables}


@pytest.fixture(scope="module")
def best_level(tmp_path_factory: pytest.TempPathFactory) -> int:
    return _best_level_by_gcc(tmp_path_factory.mktemp("cpu"))


def _install(tmp_path: Path, packages: dict[str, list[dict[str, object]]],
             *extra: str) -> tuple[Path, dict[str, object]]:
    python = _fresh_venv(tmp_path / "venv")
    with served(tmp_path, packages) as server:
        listing = server.index_url("primary").rstrip("/") + "/demo-lib/"
        done = run(["install", "--python", str(python), "--cache-dir", str(tmp_path / "cache"),
                    *index_args(server, ["primary"]), *extra, "alpha", "beta"])
        assert done.exit_code == 0, done.output
        assert any(record.path.endswith("demo_lib-1.0.0-variants.json")
                   for record in server.requests), listing
    probe = _run(python, PROBE)
    assert probe.returncode == 0, probe.stderr
    result: dict[str, object] = json.loads(probe.stdout)
    return python, result


def _installed_label(python: Path) -> str | None:
    info = site_packages(python) / "demo_lib-1.0.0.dist-info"
    variant = info / "variant.json"
    if not variant.is_file():
        return None
    labels = list(json.loads(variant.read_text())["variants"])
    assert len(labels) == 1
    return str(labels[0])


def test_the_installer_picks_the_best_build_and_the_loader_maps_it(
        tmp_path: Path, packages: dict[str, list[dict[str, object]]], best_level: int) -> None:
    python, result = _install(tmp_path, packages)
    assert _installed_label(python) == f"x86_64_v{best_level}"
    assert result["level"] == best_level
    assert result["counts"] == [1, 2, 3]
    mapped = result["mapped"]
    assert isinstance(mapped, list) and len(mapped) == 1
    assert mapped[0] == result["path"]
    assert str(mapped[0]).startswith(str(tmp_path / "venv"))
    assert result["distribution"] == "demo-lib"


def test_a_property_given_to_the_installer_chooses_another_build(
        tmp_path: Path, packages: dict[str, list[dict[str, object]]]) -> None:
    """``--variant-property`` replaces detection (PEP 825 leaves how the supported properties are
    found to the tool): with only v1 supported, the v1 build is installed and loaded."""
    python, result = _install(tmp_path, packages, "--variant-property", "x86_64 :: level :: v1")
    assert _installed_label(python) == "x86_64_v1"
    assert result["level"] == 1
    assert len(result["mapped"]) == 1  # type: ignore[arg-type]


def test_no_variants_gives_the_plain_build(
        tmp_path: Path, packages: dict[str, list[dict[str, object]]]) -> None:
    """What a variant-unaware installer sees: the non-variant wheel, loaded the same way."""
    python, result = _install(tmp_path, packages, "--no-variants")
    assert _installed_label(python) is None
    assert result["level"] == 0
