"""The ``nvidia`` provider: CUDA driver version and every GPU's compute capability.

Read through NVML (``libnvidia-ml.so.1``), or the CUDA driver API
(``libcuda.so.1``) where NVML is missing, with ctypes: no toolkit, no
``nvidia-smi``. Without a driver the libraries do not load and the provider
returns nothing, at the cost of a failed ``dlopen``. Values follow PEP 817
"Variant property system": for CUDA 12.8 "the compatible minimum versions ...
in order of decreasing preference" are 12.8, 12.7, 12.6, ...
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from wheelnext.providers.configs import Detection, VariantFeatureConfig, evidence_key

NAMESPACE = "nvidia"

#: CUDA releases a wheel may name as its lower bound, oldest first (hand-kept list).
CUDA_VERSIONS: tuple[str, ...] = (
    "11.0", "11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.8",
    "12.0", "12.1", "12.2", "12.3", "12.4", "12.5", "12.6", "12.7", "12.8", "12.9",
    "13.0", "13.1",
)

#: Compute capabilities (major*10+minor, as in ``sm_90``), oldest first (hand-kept list).
COMPUTE_CAPABILITIES: tuple[int, ...] = (
    50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 101, 103, 110, 120, 121,
)

CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75
CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76


@dataclass(frozen=True)
class GpuReport:
    """What the driver said: its CUDA version (e.g. 12080) and each device's (major, minor)."""

    driver_version: int
    devices: list[tuple[int, int]]
    source: str


class DriverLibrary(Protocol):
    """Seam: a loaded NVML or libcuda (a ``ctypes.CDLL``, or a test double)."""

    def __getattr__(self, name: str) -> Callable[..., int]: ...


def query_nvml(lib: Any) -> GpuReport | None:
    """Ask NVML for the driver's CUDA version and every device's compute capability."""
    if lib.nvmlInit_v2() != 0:
        return None
    try:
        version = ctypes.c_int()
        count = ctypes.c_uint()
        if lib.nvmlSystemGetCudaDriverVersion_v2(ctypes.byref(version)) != 0:
            return None
        if lib.nvmlDeviceGetCount_v2(ctypes.byref(count)) != 0:
            return None
        devices: list[tuple[int, int]] = []
        for index in range(count.value):
            handle = ctypes.c_void_p()
            major, minor = ctypes.c_int(), ctypes.c_int()
            if lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(handle)) != 0:
                continue
            if lib.nvmlDeviceGetCudaComputeCapability(
                handle, ctypes.byref(major), ctypes.byref(minor)
            ) == 0:
                devices.append((major.value, minor.value))
        return GpuReport(version.value, devices, "NVML")
    finally:
        lib.nvmlShutdown()


def query_cuda(lib: Any) -> GpuReport | None:
    """Ask the CUDA driver API (``cuInit`` ... ``cuDeviceGetAttribute``) the same questions."""
    if lib.cuInit(0) != 0:
        return None
    version, count = ctypes.c_int(), ctypes.c_int()
    if lib.cuDriverGetVersion(ctypes.byref(version)) != 0:
        return None
    if lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return None
    devices: list[tuple[int, int]] = []
    for ordinal in range(count.value):
        device = ctypes.c_int()
        major, minor = ctypes.c_int(), ctypes.c_int()
        if lib.cuDeviceGet(ctypes.byref(device), ordinal) != 0:
            continue
        if lib.cuDeviceGetAttribute(
            ctypes.byref(major), CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device
        ) or lib.cuDeviceGetAttribute(
            ctypes.byref(minor), CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device
        ):
            continue
        devices.append((major.value, minor.value))
    return GpuReport(version.value, devices, "CUDA driver API")


def _load(name: str) -> Any:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def query_driver(loader: Callable[[str], Any] = _load) -> GpuReport | None:
    """Try NVML, then libcuda; ``None`` where neither loads or answers."""
    for library, query in (("libnvidia-ml.so.1", query_nvml), ("libcuda.so.1", query_cuda)):
        lib = loader(library)
        if lib is None:
            continue
        try:
            report = query(lib)
        except (AttributeError, OSError):
            report = None
        if report is not None:
            return report
    return None


def cuda_version(driver_version: int) -> str:
    """``12080`` -> ``"12.8"`` (the driver API's encoding, 1000*major + 10*minor)."""
    return f"{driver_version // 1000}.{driver_version % 1000 // 10}"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def detect(report: GpuReport | None) -> Detection:
    """Supported ``nvidia`` configs from a driver report, newest first, with evidence."""
    if report is None:
        return Detection([], reason="no NVIDIA driver: neither libnvidia-ml.so.1 nor"
                         " libcuda.so.1 loads and answers")
    configs: list[VariantFeatureConfig] = []
    evidence: dict[str, list[str]] = {}
    driver = cuda_version(report.driver_version)
    bounds = [v for v in CUDA_VERSIONS if _version_key(v) <= _version_key(driver)][::-1]
    if bounds:
        configs.append(VariantFeatureConfig("cuda_version_lower_bound", bounds))
        for bound in bounds:
            evidence[evidence_key("cuda_version_lower_bound", bound)] = [
                f"{report.source}: driver supports CUDA {driver}"
            ]
    capabilities = sorted({major * 10 + minor for major, minor in report.devices}, reverse=True)
    arch: list[str] = []
    for capability in capabilities:
        arch.append(f"{capability}_real")
        evidence[evidence_key("sm_arch", f"{capability}_real")] = [
            f"GPU {index}: compute capability {major}.{minor}"
            for index, (major, minor) in enumerate(report.devices)
            if major * 10 + minor == capability
        ]
    if capabilities:
        newest = capabilities[0]
        for capability in reversed(COMPUTE_CAPABILITIES):
            if capability <= newest:
                arch.append(f"{capability}_virtual")
                evidence[evidence_key("sm_arch", f"{capability}_virtual")] = [
                    f"PTX for compute_{capability} runs on compute capability "
                    f"{newest // 10}.{newest % 10} by JIT"
                ]
        configs.append(VariantFeatureConfig("sm_arch", arch, multi_value=True))
    reason = "" if configs else f"{report.source}: driver present but reports no GPU"
    return Detection(configs, evidence, reason)


class NvidiaPlugin:
    """PEP 817 plugin for the ``nvidia`` namespace."""

    namespace: ClassVar[str] = NAMESPACE
    is_aot_plugin: ClassVar[bool] = False
    #: Seam: how a library is loaded (tests inject a fake NVML or libcuda).
    _loader: ClassVar[Callable[[str], Any]] = staticmethod(_load)

    @classmethod
    def get_all_configs(cls) -> list[VariantFeatureConfig]:
        """Every CUDA lower bound and every ``sm_arch`` value this provider knows."""
        arch = [f"{cc}_{kind}" for cc in COMPUTE_CAPABILITIES for kind in ("real", "virtual")]
        return [
            VariantFeatureConfig("cuda_version_lower_bound", list(CUDA_VERSIONS)),
            VariantFeatureConfig("sm_arch", arch, multi_value=True),
        ]

    @classmethod
    def detection(cls) -> Detection:
        """Configs and evidence for this machine's driver and GPUs."""
        return detect(query_driver(cls._loader))

    @classmethod
    def get_supported_configs(cls) -> list[VariantFeatureConfig]:
        """CUDA lower bounds and GPU architectures, most preferred first."""
        return cls.detection().configs

    @classmethod
    def get_evidence(cls) -> dict[str, list[str]]:
        """What the driver reported for each value (extension)."""
        return cls.detection().evidence
