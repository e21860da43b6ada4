"""The ``amd`` provider: ROCm version and gfx architectures, without ``rocminfo``.

GPU architectures come from the amdkfd topology in sysfs
(``/sys/class/kfd/kfd/topology/nodes/*/properties``, line ``gfx_target_version``);
the ROCm version from the install's ``/opt/rocm/.info/version``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from wheelnext.providers.configs import Detection, VariantFeatureConfig, evidence_key

NAMESPACE = "amd"
KFD_NODES = Path("/sys/class/kfd/kfd/topology/nodes")
ROCM_VERSION_FILE = Path("/opt/rocm/.info/version")

#: ROCm releases a wheel may name as its lower bound, oldest first (hand-kept list).
ROCM_VERSIONS: tuple[str, ...] = (
    "5.0", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7",
    "6.0", "6.1", "6.2", "6.3", "6.4", "7.0", "7.1",
)

#: gfx targets this provider can name (hand-kept list of ROCm LLVM targets).
GFX_ARCHS: tuple[str, ...] = (
    "gfx900", "gfx906", "gfx908", "gfx90a", "gfx940", "gfx941", "gfx942", "gfx950",
    "gfx1010", "gfx1030", "gfx1100", "gfx1101", "gfx1102", "gfx1150", "gfx1151",
    "gfx1200", "gfx1201",
)


def gfx_name(target_version: int) -> str:
    """``90010`` -> ``gfx90a``: KFD encodes major*10000 + minor*100 + stepping; LLVM prints hex."""
    major, rest = divmod(target_version, 10000)
    minor, stepping = divmod(rest, 100)
    return f"gfx{major}{minor:x}{stepping:x}"


def gfx_targets(nodes: Path = KFD_NODES) -> list[tuple[str, str]]:
    """(node, gfx name) for every GPU node; CPU nodes report ``gfx_target_version 0``."""
    found: list[tuple[str, str]] = []
    try:
        candidates = sorted(nodes.iterdir(), key=lambda p: (len(p.name), p.name))
    except OSError:
        return found
    for node in candidates:
        try:
            lines = (node / "properties").read_text(encoding="ascii").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            key, _, value = line.partition(" ")
            if key == "gfx_target_version" and value.strip().isdigit() and int(value):
                found.append((node.name, gfx_name(int(value))))
    return found


def rocm_version(path: Path = ROCM_VERSION_FILE) -> str | None:
    """``6.2.1-112`` in the install's version file -> ``"6.2"``; ``None`` when absent."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    parts = text.split("-")[0].split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        return None
    return f"{int(parts[0])}.{int(parts[1])}"


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def detect(targets: list[tuple[str, str]], rocm: str | None) -> Detection:
    """Supported ``amd`` configs: ROCm lower bounds newest first, then GPU architectures."""
    configs: list[VariantFeatureConfig] = []
    evidence: dict[str, list[str]] = {}
    if rocm is not None:
        bounds = [v for v in ROCM_VERSIONS if _key(v) <= _key(rocm)][::-1]
        if bounds:
            configs.append(VariantFeatureConfig("rocm_version_lower_bound", bounds))
            for bound in bounds:
                evidence[evidence_key("rocm_version_lower_bound", bound)] = [
                    f"ROCm {rocm} installed"
                ]
    archs: list[str] = []
    for node, name in targets:
        if name not in archs:
            archs.append(name)
        evidence.setdefault(evidence_key("gfx_arch", name), []).append(
            f"kfd topology node {node}: {name}"
        )
    if archs:
        configs.append(VariantFeatureConfig("gfx_arch", archs, multi_value=True))
    reason = "" if configs else "no AMD GPU in the kfd topology and no ROCm installation found"
    return Detection(configs, evidence, reason)


class AmdPlugin:
    """PEP 817 plugin for the ``amd`` namespace."""

    namespace: ClassVar[str] = NAMESPACE
    is_aot_plugin: ClassVar[bool] = False
    #: Seams: where sysfs and the ROCm install live (tests point them at fixtures).
    _nodes: ClassVar[Path] = KFD_NODES
    _version_file: ClassVar[Path] = ROCM_VERSION_FILE

    @classmethod
    def get_all_configs(cls) -> list[VariantFeatureConfig]:
        """Every ROCm lower bound and gfx architecture this provider knows."""
        return [
            VariantFeatureConfig("rocm_version_lower_bound", list(ROCM_VERSIONS)),
            VariantFeatureConfig("gfx_arch", list(GFX_ARCHS), multi_value=True),
        ]

    @classmethod
    def detection(cls) -> Detection:
        """Configs and evidence for this machine's GPUs and ROCm install."""
        targets = gfx_targets(cls._nodes)
        return detect(targets, rocm_version(cls._version_file) if targets else None)

    @classmethod
    def get_supported_configs(cls) -> list[VariantFeatureConfig]:
        """ROCm bounds and gfx architectures, most preferred first."""
        return cls.detection().configs

    @classmethod
    def get_evidence(cls) -> dict[str, list[str]]:
        """The sysfs nodes and install file behind each value (extension)."""
        return cls.detection().evidence
