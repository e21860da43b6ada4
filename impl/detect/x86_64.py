"""The ``x86_64`` provider: microarchitecture level and instruction-set features.

Both come from the CPU's own flags (``/proc/cpuinfo`` on Linux), never from a
named microarchitecture: asking whether "sapphirerapids" has a feature answers
for the model, not for this CPU (a virtual CPU may hide some, a newer one adds
some). PEP 817 "Plugin interface": supported values are "ordered from the most
preferred to the least preferred", so the best level comes first.
"""

from __future__ import annotations

from wheelnext.detect.cpuinfo import cumulative_levels, read_cpuinfo
from wheelnext.providers.configs import Detection, VariantFeatureConfig, evidence_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import ClassVar

NAMESPACE = "x86_64"

# Written by hand from the x86-64 psABI, section 3.1.1 "Processor Architecture",
# table "Micro-Architecture Levels" (no library publishes it with cpuinfo names).
# Each level adds these CPUID features, spelled as Linux /proc/cpuinfo flags:
# SSE3 is "pni", LAHF-SAHF "lahf_lm", LZCNT "abm", CMPXCHG16B "cx16", SCE "syscall".
# OSXSAVE is not printed by Linux; "xsave" stands for it (the kernel only lists
# AVX when the OS enabled the XSAVE state).
PSABI_LEVELS: dict[str, tuple[str, ...]] = {
    "v1": ("cmov", "cx8", "fpu", "fxsr", "mmx", "syscall", "sse", "sse2"),
    "v2": ("cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"),
    "v3": ("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"),
    "v4": ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"),
}

#: Instruction-set flags offered as ``x86_64 :: <flag> :: on``, oldest first.
#: Hand-picked from the Linux flag names: ISA extensions only, no platform bits.
FEATURES: tuple[str, ...] = (
    "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "popcnt", "lzcnt", "cx16", "movbe",
    "aes", "pclmulqdq", "rdrand", "rdseed", "adx", "f16c", "fma", "fma4", "xop",
    "avx", "avx2", "bmi1", "bmi2", "sha_ni", "clflushopt", "clwb", "xsaveopt",
    "fsgsbase", "rdpid", "movdiri", "movdir64b", "serialize", "gfni", "vaes",
    "vpclmulqdq", "avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl",
    "avx512er", "avx512pf", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_vnni",
    "avx512_bitalg", "avx512_vpopcntdq", "avx512_4vnniw", "avx512_4fmaps",
    "avx512_bf16", "avx512_vp2intersect", "avx512_fp16", "avx_vnni", "avx_vnni_int8",
    "avx_ifma", "avx_ne_convert", "amx_tile", "amx_int8", "amx_bf16", "amx_fp16",
    "cmpccxadd", "sha512", "sm3", "sm4",
    # Flags a compiler can target (``gcc --help=target`` lists the ``-m`` option),
    # named as the option where Linux spells them differently (FLAG_ALIASES).
    "xsave", "xsavec", "sahf", "prfchw", "cldemote", "rtm", "hle", "tsxldtrk",
    "waitpkg", "tbm", "clzero", "wbnoinvd",
)

#: Linux flag -> the feature name offered for it, where they differ: the name of
#: the compiler's ``-m`` option (``-msahf`` for LAHF/SAHF in 64-bit mode,
#: ``-mprfchw`` for PREFETCHW).
FLAG_ALIASES = {"pni": "sse3", "abm": "lzcnt", "lahf_lm": "sahf", "3dnowprefetch": "prfchw"}

#: ISA flags Linux prints that are never offered, and why: no compiler option
#: targets them, so no build can depend on them.
NOT_OFFERED: dict[str, str] = {
    "rdtscp": "no -m option: RDTSCP is used through an intrinsic on any x86-64 target",
    "clflush": "no -m option: CLFLUSH is part of the SSE2 baseline every x86-64 CPU has",
}


def cpu_flags(path: Path | None = None) -> frozenset[str]:
    """The ``flags`` of the first processor in ``/proc/cpuinfo`` (or *path*)."""
    return frozenset(read_cpuinfo(path).get("flags", "").split())


def levels(flags: frozenset[str]) -> list[str]:
    """Supported psABI levels, best first; a level needs its own and all lower levels' flags."""
    return list(cumulative_levels(PSABI_LEVELS, flags))


def detect(flags: frozenset[str]) -> Detection:
    """Supported ``x86_64`` configs for a CPU with *flags*, with the flags behind each value."""
    configs: list[VariantFeatureConfig] = []
    evidence: dict[str, list[str]] = {}
    found = cumulative_levels(PSABI_LEVELS, flags)
    if found:
        configs.append(VariantFeatureConfig("level", list(found)))
        for level, needed in found.items():
            evidence[evidence_key("level", level)] = needed
    offered = {FLAG_ALIASES.get(flag, flag): flag for flag in flags}
    for feature in reversed(FEATURES):
        if feature in offered:
            configs.append(VariantFeatureConfig(feature, ["on"]))
            evidence[evidence_key(feature, "on")] = [offered[feature]]
    reason = "" if configs else "no x86-64 CPU flags in cpuinfo (not an x86-64 CPU)"
    return Detection(configs, evidence, reason)


class X86_64Plugin:
    """PEP 817 plugin for the ``x86_64`` namespace, reading the CPU's flags."""

    namespace: ClassVar[str] = NAMESPACE
    is_aot_plugin: ClassVar[bool] = False
    #: Seam for tests and for reading another machine's recorded cpuinfo.
    _cpuinfo_path: ClassVar[Path | None] = None

    @classmethod
    def get_all_configs(cls) -> list[VariantFeatureConfig]:
        """Every level and every feature this provider can ever report."""
        return [VariantFeatureConfig("level", list(PSABI_LEVELS)[::-1])] + [
            VariantFeatureConfig(feature, ["on"]) for feature in FEATURES
        ]

    @classmethod
    def detection(cls) -> Detection:
        """Configs and evidence for this machine."""
        return detect(cpu_flags(cls._cpuinfo_path))

    @classmethod
    def get_supported_configs(cls) -> list[VariantFeatureConfig]:
        """Levels and features this CPU has, most preferred first."""
        return cls.detection().configs

    @classmethod
    def get_evidence(cls) -> dict[str, list[str]]:
        """The cpuinfo flags behind each supported value (extension)."""
        return cls.detection().evidence
