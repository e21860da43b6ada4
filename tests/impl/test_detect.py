"""Built-in providers: x86_64, aarch64, nvidia, amd and the blas_lapack AoT example.

Expectations come from the flags each test reads itself (from this machine's
``/proc/cpuinfo`` or from recorded fixtures), never from a named CPU model.
The NVIDIA tests use a fake NVML / libcuda object injected through the
plugin's ``loader`` seam: a test double for GPUs this machine does not have.
"""

from __future__ import annotations

import ctypes
import platform
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.detect import BUILTINS, amd, blas_lapack, nvidia, x86_64
from wheelnext.detect import aarch64 as arm
from wheelnext.detect.cpuinfo import parse_cpuinfo
from wheelnext.providers.loading import load_endpoint

FIXTURES = Path(__file__).parents[1] / "fixtures"
CPUINFO = FIXTURES / "cpuinfo"
KFD = FIXTURES / "kfd"
X86_FIXTURES = sorted(p for p in CPUINFO.glob("*.txt") if not p.name.startswith("aarch64"))
ARM_FIXTURES = sorted(CPUINFO.glob("aarch64-*.txt"))


def own_flags(path: Path, key: str = "flags") -> set[str]:
    """The test's own reading of a cpuinfo file: the first ``flags`` line, split."""
    for line in path.read_text().splitlines():
        if line.split(":")[0].strip() == key:
            return set(line.split(":", 1)[1].split())
    return set()


def features(detection: Any) -> dict[str, list[str]]:
    return {c.name: c.values for c in detection.configs}


# --- x86_64 -----------------------------------------------------------------


@pytest.mark.parametrize("path", X86_FIXTURES, ids=lambda p: p.stem)
def test_x86_64_reports_exactly_the_cpus_isa_flags(path: Path) -> None:
    flags = own_flags(path)
    found = features(x86_64.detect(x86_64.cpu_flags(path)))
    offered = {x86_64.FLAG_ALIASES.get(f, f) for f in flags} & set(x86_64.FEATURES)
    assert {name for name in found if name != "level"} == offered
    assert all(found[name] == ["on"] for name in offered)


@pytest.mark.parametrize("path", X86_FIXTURES, ids=lambda p: p.stem)
def test_x86_64_level_follows_the_psabi_flags(path: Path) -> None:
    flags = own_flags(path)
    levels = features(x86_64.detect(frozenset(flags)))["level"]
    avx512 = {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}
    assert ("v4" in levels) == avx512.issubset(flags)
    assert ("v3" in levels) == {"avx", "avx2", "bmi1", "bmi2", "fma", "movbe"}.issubset(flags)
    assert levels == sorted(levels, reverse=True)  # best first: v4, v3, v2, v1


def test_x86_64_named_fixtures() -> None:
    intel_path = CPUINFO / "intel-xeon-sapphirerapids-avx512.txt"
    intel = features(x86_64.detect(x86_64.cpu_flags(intel_path)))
    assert intel["level"] == ["v4", "v3", "v2", "v1"]
    assert intel["avx512_bf16"] == ["on"]
    epyc = features(x86_64.detect(x86_64.cpu_flags(CPUINFO / "amd-epyc-7b12-avx2.txt")))
    assert epyc["level"] == ["v3", "v2", "v1"]
    assert not any(name.startswith("avx512") for name in epyc)
    assert "avx2" in epyc and "sha_ni" in epyc
    westmere = features(x86_64.detect(x86_64.cpu_flags(CPUINFO / "intel-xeon-x5650-westmere.txt")))
    assert westmere["level"] == ["v2", "v1"]
    assert "sse3" in westmere and "avx" not in westmere


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="needs Linux /proc/cpuinfo")
def test_x86_64_on_this_machine_misses_no_flag_the_cpu_has() -> None:
    """The archspec trap: every ISA flag this CPU reports must come out as a feature."""
    flags = own_flags(Path("/proc/cpuinfo"))
    supported = features(x86_64.X86_64Plugin.detection())
    for flag in flags:
        name = x86_64.FLAG_ALIASES.get(flag, flag)
        if name in x86_64.FEATURES:
            assert supported.get(name) == ["on"], flag
    if platform.machine() == "x86_64":
        assert supported["level"][-1] == "v1"


def test_x86_64_evidence_names_the_flags_of_each_level() -> None:
    flags = own_flags(CPUINFO / "amd-epyc-7b12-avx2.txt")
    detection = x86_64.detect(frozenset(flags))
    assert "avx2" in detection.evidence["level :: v3"]
    assert set(detection.evidence["level :: v3"]) <= flags
    assert detection.evidence["sse3 :: on"] == ["pni"]


@given(st.sets(st.sampled_from(sorted({f for fs in x86_64.PSABI_LEVELS.values() for f in fs}
                                       | set(x86_64.FEATURES)))))
def test_x86_64_levels_are_downward_closed_and_best_first(flags: set[str]) -> None:
    levels = x86_64.levels(frozenset(flags))
    assert levels == [f"v{n}" for n in range(len(levels), 0, -1)]
    for level in levels:
        for n in range(1, int(level[1:]) + 1):
            assert set(x86_64.PSABI_LEVELS[f"v{n}"]) <= flags


def test_x86_64_supported_is_subset_of_all_configs() -> None:
    every = {c.name: set(c.values) for c in x86_64.X86_64Plugin.get_all_configs()}
    for path in X86_FIXTURES:
        for config in x86_64.detect(x86_64.cpu_flags(path)).configs:
            assert set(config.values) <= every[config.name]


def test_cpuinfo_parser_reads_first_block_only() -> None:
    fields = parse_cpuinfo("processor : 0\nflags : a b\n\nprocessor : 1\nflags : c\n")
    assert fields["flags"] == "a b"
    assert x86_64.cpu_flags(Path("/nonexistent/cpuinfo")) == frozenset()


# --- aarch64 ----------------------------------------------------------------


@pytest.mark.parametrize("path", ARM_FIXTURES, ids=lambda p: p.stem)
def test_aarch64_features_follow_the_features_line(path: Path) -> None:
    names = own_flags(path, "Features")
    found = features(arm.detect(arm.cpu_features(path, use_auxv=False)))
    assert {n for n in found if n != "version"} == names & set(arm.FEATURES)


def test_aarch64_versions_of_fixtures() -> None:
    n1 = features(arm.detect(arm.cpu_features(CPUINFO / "aarch64-neoverse-n1.txt", use_auxv=False)))
    assert n1["version"] == ["8.2", "8.1", "8.0"]
    v1 = features(arm.detect(arm.cpu_features(CPUINFO / "aarch64-neoverse-v1.txt", use_auxv=False)))
    assert v1["version"][0] == "8.4" and v1["sve"] == ["on"]


def test_aarch64_hwcap_bits_decode() -> None:
    hwcap = 1 << arm.HWCAP_BITS.index("fp") | 1 << arm.HWCAP_BITS.index("atomics")
    hwcap2 = 1 << arm.HWCAP2_BITS.index("sve2")
    assert arm.features_from_hwcaps(hwcap, hwcap2) == {"fp", "atomics", "sve2"}


def test_aarch64_plugin_reads_a_recorded_cpuinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm.AArch64Plugin, "_cpuinfo_path", CPUINFO / "aarch64-neoverse-n1.txt")
    assert arm.AArch64Plugin.get_supported_configs()[0].values[0] == "8.2"
    monkeypatch.setattr(arm.AArch64Plugin, "_cpuinfo_path", None)
    if platform.machine() != "aarch64":
        assert arm.AArch64Plugin.get_supported_configs() == []


# --- nvidia -----------------------------------------------------------------


class FakeNvml:
    """A test double of ``libnvidia-ml.so.1``: answers through ctypes pointers like NVML."""

    def __init__(self, cuda: int, devices: list[tuple[int, int]]) -> None:
        self.cuda, self.devices, self.shut = cuda, devices, False

    def nvmlInit_v2(self) -> int:
        return 0

    def nvmlShutdown(self) -> int:
        self.shut = True
        return 0

    def nvmlSystemGetCudaDriverVersion_v2(self, out: Any) -> int:
        out._obj.value = self.cuda
        return 0

    def nvmlDeviceGetCount_v2(self, out: Any) -> int:
        out._obj.value = len(self.devices)
        return 0

    def nvmlDeviceGetHandleByIndex_v2(self, index: int, out: Any) -> int:
        out._obj.value = index + 1
        return 0

    def nvmlDeviceGetCudaComputeCapability(self, handle: Any, major: Any, minor: Any) -> int:
        major._obj.value, minor._obj.value = self.devices[handle.value - 1]
        return 0


class FakeCuda:
    """A test double of ``libcuda.so.1``'s driver API."""

    def __init__(self, cuda: int, devices: list[tuple[int, int]]) -> None:
        self.cuda, self.devices = cuda, devices

    def cuInit(self, flags: int) -> int:
        return 0

    def cuDriverGetVersion(self, out: Any) -> int:
        out._obj.value = self.cuda
        return 0

    def cuDeviceGetCount(self, out: Any) -> int:
        out._obj.value = len(self.devices)
        return 0

    def cuDeviceGet(self, out: Any, ordinal: int) -> int:
        out._obj.value = ordinal
        return 0

    def cuDeviceGetAttribute(self, out: Any, attribute: int, device: ctypes.c_int) -> int:
        major, minor = self.devices[device.value]
        is_major = attribute == nvidia.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
        out._obj.value = major if is_major else minor
        return 0


def test_nvidia_without_a_driver_returns_nothing() -> None:
    """The real path on a machine without the NVIDIA driver (this one)."""
    if Path("/proc/driver/nvidia/version").exists():
        pytest.skip("an NVIDIA driver is present")
    assert nvidia.NvidiaPlugin.get_supported_configs() == []
    assert nvidia.query_driver() is None


def test_nvidia_nvml_reports_every_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeNvml(12080, [(8, 0), (9, 0), (8, 0)])
    monkeypatch.setattr(nvidia.NvidiaPlugin, "_loader", staticmethod(
        lambda name: fake if name == "libnvidia-ml.so.1" else None))
    found = features(nvidia.NvidiaPlugin.detection())
    assert found["cuda_version_lower_bound"][:3] == ["12.8", "12.7", "12.6"]
    assert found["cuda_version_lower_bound"][-1] == "11.0"
    assert found["sm_arch"][:2] == ["90_real", "80_real"]
    assert "90_virtual" in found["sm_arch"] and "100_real" not in found["sm_arch"]
    assert fake.shut
    evidence = nvidia.NvidiaPlugin.detection().evidence
    assert evidence["sm_arch :: 80_real"] == [
        "GPU 0: compute capability 8.0", "GPU 2: compute capability 8.0"]


def test_nvidia_falls_back_to_the_driver_api(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeCuda(13000, [(12, 0)])
    monkeypatch.setattr(nvidia.NvidiaPlugin, "_loader", staticmethod(
        lambda name: fake if name == "libcuda.so.1" else None))
    found = features(nvidia.NvidiaPlugin.detection())
    assert found["cuda_version_lower_bound"][0] == "13.0"
    assert found["sm_arch"][0] == "120_real"


@given(
    st.integers(11000, 13100),
    st.lists(st.sampled_from(nvidia.COMPUTE_CAPABILITIES), max_size=8),
)
def test_nvidia_values_are_newest_first_and_valid(cuda: int, ccs: list[int]) -> None:
    report = nvidia.GpuReport(cuda, [(cc // 10, cc % 10) for cc in ccs], "fake")
    found = features(nvidia.detect(report))
    every = {c.name: set(c.values) for c in nvidia.NvidiaPlugin.get_all_configs()}
    bounds = found["cuda_version_lower_bound"]
    keys = [tuple(map(int, v.split("."))) for v in bounds]
    assert keys == sorted(keys, reverse=True)
    assert set(bounds) <= every["cuda_version_lower_bound"]
    assert set(found.get("sm_arch", [])) <= every["sm_arch"]
    assert {f"{cc}_real" for cc in ccs} <= set(found.get("sm_arch", []))


# --- amd --------------------------------------------------------------------


def test_amd_reads_kfd_topology_and_rocm_version() -> None:
    found = features(amd.detect(amd.gfx_targets(KFD / "mi250x2" / "nodes"),
                                amd.rocm_version(KFD / "mi250x2" / "rocm-version")))
    assert found["gfx_arch"] == ["gfx90a"]
    assert found["rocm_version_lower_bound"][0] == "6.2"
    mixed = features(amd.detect(amd.gfx_targets(KFD / "mixed" / "nodes"),
                                amd.rocm_version(KFD / "mixed" / "rocm-version")))
    assert mixed["gfx_arch"] == ["gfx1100", "gfx942"]
    assert mixed["rocm_version_lower_bound"][:2] == ["5.7", "5.6"]


def test_amd_cpu_only_and_absent_sysfs_report_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert amd.gfx_targets(KFD / "cpu-only" / "nodes") == []
    monkeypatch.setattr(amd.AmdPlugin, "_nodes", KFD / "absent")
    assert amd.AmdPlugin.get_supported_configs() == []


def test_amd_gfx_names() -> None:
    assert [amd.gfx_name(v) for v in (90010, 90402, 110000, 100300)] == [
        "gfx90a", "gfx942", "gfx1100", "gfx1030"]


# --- blas_lapack and the plugin API -------------------------------------------


def test_blas_lapack_is_a_fixed_aot_plugin() -> None:
    plugin = blas_lapack.BlasLapackPlugin
    assert plugin.is_aot_plugin
    assert plugin.get_supported_configs() == plugin.get_all_configs()
    assert blas_lapack.static_properties()["blas_lapack"]["provider"][0] == "accelerate"


@pytest.mark.parametrize("namespace", sorted(BUILTINS))
def test_every_builtin_is_a_plugin_per_the_api(namespace: str) -> None:
    plugin = load_endpoint(BUILTINS[namespace])
    assert plugin.namespace == namespace
    every = {c.name: set(c.values) for c in plugin.get_all_configs()}
    for config in plugin.get_supported_configs():
        assert set(config.values) <= every[config.name]
        assert isinstance(config.multi_value, bool)


def test_aarch64_reads_hwcap_through_getauxval_first(tmp_path: Path) -> None:
    words = {
        arm.AT_HWCAP: sum(1 << arm.HWCAP_BITS.index(n) for n in ("fp", "asimd", "atomics")),
        arm.AT_HWCAP2: 1 << arm.HWCAP2_BITS.index("bti"),
    }
    found = arm.cpu_features(tmp_path / "absent", getauxval=lambda key: words.get(key, 0))
    assert found == {"fp", "asimd", "atomics", "bti"}
    fallback = arm.cpu_features(CPUINFO / "aarch64-neoverse-n1.txt", getauxval=lambda key: 0)
    assert "dcpop" in fallback  # an empty AT_HWCAP falls back to /proc/cpuinfo


class BrokenNvml(FakeNvml):
    def nvmlInit_v2(self) -> int:
        return 9  # NVML_ERROR_DRIVER_NOT_LOADED


def test_nvidia_failing_libraries_give_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes: dict[str, Any] = {"libnvidia-ml.so.1": BrokenNvml(12080, [(9, 0)]), "libcuda.so.1": None}
    assert nvidia.query_driver(fakes.get) is None
    fakes["libcuda.so.1"] = FakeCuda(12040, [(8, 6)])
    report = nvidia.query_driver(fakes.get)
    assert report is not None and report.source == "CUDA driver API"
    assert report.devices == [(8, 6)]


#: Flags of the recorded fixtures that gcc can target (``gcc --help=target``: the -m option).
COMPILER_TARGETED = {
    "xsave": "xsave", "xsavec": "xsavec", "lahf_lm": "sahf", "3dnowprefetch": "prfchw",
    "cldemote": "cldemote", "rtm": "rtm", "hle": "hle", "tsxldtrk": "tsxldtrk",
    "waitpkg": "waitpkg", "tbm": "tbm", "clzero": "clzero", "wbnoinvd": "wbnoinvd",
}


@pytest.mark.parametrize("path", sorted(CPUINFO.glob("*.txt")), ids=lambda p: p.stem)
def test_x86_64_offers_every_compiler_targeted_flag_of_the_fixtures(path: Path) -> None:
    flags = own_flags(path)
    found = features(x86_64.detect(frozenset(flags)))
    for flag, feature in COMPILER_TARGETED.items():
        if flag in flags:
            assert found.get(feature) == ["on"], (path.name, flag)
    for flag in ("rdtscp", "clflush"):
        assert flag not in found and flag in x86_64.NOT_OFFERED


def test_x86_64_new_flags_without_fixture() -> None:
    found = features(x86_64.detect(frozenset({"waitpkg", "tbm", "clzero", "wbnoinvd"})))
    assert {"waitpkg", "tbm", "clzero", "wbnoinvd"} <= set(found)


@pytest.mark.skipif(shutil.which("gcc") is None or platform.machine() != "x86_64",
                    reason="needs gcc for x86-64")
def test_x86_64_offered_names_of_the_new_flags_are_gcc_options() -> None:
    import subprocess

    text = subprocess.run(["gcc", "--help=target"], capture_output=True, text=True,
                          check=False).stdout
    options = {word for word in text.split() if word.startswith("-m")}
    for feature in COMPILER_TARGETED.values():
        assert f"-m{feature}" in options, feature
    for flag in x86_64.NOT_OFFERED:
        assert f"-m{flag}" not in options, flag
