"""The ``aarch64`` provider: architecture version and features from HWCAP.

Features come from the kernel's hardware-capability words (``getauxval``
``AT_HWCAP``/``AT_HWCAP2``, read through ctypes), or from the ``Features`` line
of ``/proc/cpuinfo`` when the auxiliary vector cannot be read. Both use the
Linux names (``arch/arm64/include/uapi/asm/hwcap.h``, ``Documentation/arch/arm64/elf_hwcaps``).
"""

from __future__ import annotations

import ctypes
import platform
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from wheelnext.detect.cpuinfo import cumulative_levels, read_cpuinfo
from wheelnext.providers.configs import Detection, VariantFeatureConfig, evidence_key

NAMESPACE = "aarch64"
AT_HWCAP = 16
AT_HWCAP2 = 26

# Hand-written from the Linux UAPI header hwcap.h: bit n of AT_HWCAP / AT_HWCAP2.
HWCAP_BITS: tuple[str, ...] = (
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp",
    "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4",
    "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb",
    "paca", "pacg",
)
HWCAP2_BITS: tuple[str, ...] = (
    "dcpodp", "sve2", "sveaes", "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2",
    "frint", "svei8mm", "svef32mm", "svef64mm", "svebf16", "i8mm", "bf16", "dgh", "rng",
    "bti", "mte", "ecv", "afp", "rpres", "mte3", "sme",
)

# Hand-written from the Arm Architecture Reference Manual: the HWCAP-visible
# features each architecture version makes mandatory (an approximation: a
# version needs its own and all earlier rows; optional features are left out).
ARCH_VERSIONS: dict[str, tuple[str, ...]] = {
    "8.0": ("fp", "asimd"),
    "8.1": ("atomics", "asimdrdm", "crc32"),
    "8.2": ("dcpop",),
    "8.3": ("jscvt", "fcma", "lrcpc", "paca", "pacg"),
    "8.4": ("dit", "uscat", "ilrcpc", "flagm"),
    "8.5": ("sb", "flagm2", "frint", "bti"),
    "9.0": ("sve2",),
}

#: Features offered as ``aarch64 :: <name> :: on`` (all HWCAP names but ``cpuid``, ``evtstrm``).
FEATURES: tuple[str, ...] = tuple(
    name for name in HWCAP_BITS + HWCAP2_BITS if name not in ("cpuid", "evtstrm")
)


def features_from_hwcaps(hwcap: int, hwcap2: int) -> frozenset[str]:
    """Names of the bits set in the two HWCAP words."""
    names = {name for bit, name in enumerate(HWCAP_BITS) if hwcap >> bit & 1}
    names |= {name for bit, name in enumerate(HWCAP2_BITS) if hwcap2 >> bit & 1}
    return frozenset(names)


def _getauxval() -> Callable[[int], int] | None:
    try:
        function = ctypes.CDLL(None).getauxval
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_ulong
    function.argtypes = [ctypes.c_ulong]
    return lambda key: int(function(key))


def cpu_features(
    cpuinfo_path: Path | None = None,
    *,
    use_auxv: bool = True,
    getauxval: Callable[[int], int] | None = None,
) -> frozenset[str]:
    """This CPU's features: HWCAP through ``getauxval``, else ``/proc/cpuinfo`` ``Features``.

    *getauxval* is a seam for tests; by default libc's is used on AArch64 only.
    """
    if getauxval is None and use_auxv and platform.machine() == "aarch64":
        getauxval = _getauxval()
    if getauxval is not None:
        hwcap = getauxval(AT_HWCAP)
        if hwcap:
            return features_from_hwcaps(hwcap, getauxval(AT_HWCAP2))
    return frozenset(read_cpuinfo(cpuinfo_path).get("Features", "").split())


def versions(features: frozenset[str]) -> list[str]:
    """Architecture versions whose mandatory features are all present, newest first."""
    return list(cumulative_levels(ARCH_VERSIONS, features))


def detect(features: frozenset[str]) -> Detection:
    """Supported ``aarch64`` configs for a CPU with *features*, with evidence."""
    configs: list[VariantFeatureConfig] = []
    evidence: dict[str, list[str]] = {}
    found = cumulative_levels(ARCH_VERSIONS, features)
    if found:
        configs.append(VariantFeatureConfig("version", list(found)))
        for version, needed in found.items():
            evidence[evidence_key("version", version)] = needed
    for feature in reversed(FEATURES):
        if feature in features:
            configs.append(VariantFeatureConfig(feature, ["on"]))
            evidence[evidence_key(feature, "on")] = [feature]
    return Detection(configs, evidence)


class AArch64Plugin:
    """PEP 817 plugin for the ``aarch64`` namespace."""

    namespace: ClassVar[str] = NAMESPACE
    is_aot_plugin: ClassVar[bool] = False
    #: Seam: read a recorded cpuinfo instead of this machine's HWCAP.
    _cpuinfo_path: ClassVar[Path | None] = None

    @classmethod
    def get_all_configs(cls) -> list[VariantFeatureConfig]:
        """Every version and feature this provider can report."""
        return [VariantFeatureConfig("version", list(ARCH_VERSIONS)[::-1])] + [
            VariantFeatureConfig(feature, ["on"]) for feature in FEATURES
        ]

    @classmethod
    def detection(cls) -> Detection:
        """Configs and evidence for this machine (nothing on other architectures)."""
        if cls._cpuinfo_path is None and platform.machine() != "aarch64":
            return Detection([], reason=f"this CPU is {platform.machine()}, not aarch64")
        return detect(cpu_features(cls._cpuinfo_path, use_auxv=cls._cpuinfo_path is None))

    @classmethod
    def get_supported_configs(cls) -> list[VariantFeatureConfig]:
        """Versions and features this CPU has, most preferred first."""
        return cls.detection().configs

    @classmethod
    def get_evidence(cls) -> dict[str, list[str]]:
        """The HWCAP names behind each supported value (extension)."""
        return cls.detection().evidence
