"""The TARGET interpreter of an install: its marker environment, tags and installed distributions.

``--python PATH`` may name an interpreter other than ours, so tags and markers are asked of it
(one child process) instead of taken from ``packaging``'s view of the running interpreter.
Platform tags come from ``packaging.tags`` on this machine (the target runs here too); the
interpreter and ABI parts from the target. Installed distributions are read with
``importlib.metadata`` over the target's ``purelib`` / ``platlib``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging import tags
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from wheelnext.install.scheme import InstallScheme, InvalidTarget, scheme_from_probe

#: Mirrors packaging.markers.default_environment, computed inside the target (which may not
#: have packaging installed).
_PROBE = r"""
import json, os, platform, sys, sysconfig
def fmt(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version
paths = sysconfig.get_paths()
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": fmt(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({
    "markers": markers,
    "version": list(sys.version_info[:2]),
    "soabi": sysconfig.get_config_var("SOABI"),
    "abiflags": getattr(sys, "abiflags", ""),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "paths": {key: paths[key] for key in ("purelib", "platlib", "scripts", "include", "data")},
    "cache_tag": sys.implementation.cache_tag,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
}))
"""
#: Bumped when the probe's answer changes shape, so cached answers of older probes are not
#: used (``headers`` inside a virtual environment came with version 2).
_PROBE_VERSION = "2"


@dataclass(frozen=True)
class Installed:
    """A distribution already in the target environment."""

    name: NormalizedName
    version: str
    dist_info: Path
    installer: str
    #: PEP 825: the label of an installed variant wheel (the key of its ``variant.json``).
    variant_label: str | None = None

    def same_as(self, version: str, variant_label: str | None) -> bool:
        """True when this is the given version (compared as versions) and variant."""
        try:
            same = Version(self.version) == Version(version)
        except InvalidVersion:
            same = self.version == version
        return same and self.variant_label == variant_label


@dataclass(frozen=True)
class TargetPython:
    """What resolution and installation need to know about the target interpreter."""

    executable: str
    markers: dict[str, str]
    tags: tuple[tags.Tag, ...]
    scheme: InstallScheme

    @property
    def python_version(self) -> Version:
        return Version(self.markers["python_full_version"])

    def environment(self, extra: str = "") -> dict[str, str]:
        """Marker environment with ``extra`` set (packaging needs the key for extra markers)."""
        return {**self.markers, "extra": extra}

    def installed(self) -> dict[NormalizedName, Installed]:
        """Distributions found in ``purelib`` and ``platlib`` (first one wins, as in sys.path)."""
        found: dict[NormalizedName, Installed] = {}
        paths = list(dict.fromkeys([self.scheme.paths["purelib"], self.scheme.paths["platlib"]]))
        for dist in importlib.metadata.distributions(path=paths):
            name = dist.metadata["Name"]
            location = getattr(dist, "_path", None)
            if not name or location is None:
                continue
            key = canonicalize_name(name)
            if key not in found:
                installer = (dist.read_text("INSTALLER") or "").strip()
                found[key] = Installed(key, dist.version, Path(location), installer,
                                       _variant_label(dist.read_text("variant.json")))
        return found


def _variant_label(text: str | None) -> str | None:
    if not text:
        return None
    try:
        labels = list(json.loads(text).get("variants", {}))
    except (ValueError, AttributeError):
        return None
    return labels[0] if len(labels) == 1 else None


def _target_tags(answer: dict[str, Any]) -> tuple[tags.Tag, ...]:
    major, minor = (int(part) for part in answer["version"])
    implementation = answer["markers"]["implementation_name"]
    if (major, minor) == sys.version_info[:2] and implementation == sys.implementation.name \
            and answer["abiflags"] == getattr(sys, "abiflags", ""):
        return tuple(tags.sys_tags())
    platforms = list(tags.platform_tags())
    version = (major, minor)
    if implementation == "cpython":
        abi = f"cp{major}{minor}{answer['abiflags'] or ''}"
        return (*tags.cpython_tags(version, [abi], platforms),
                *tags.compatible_tags(version, f"cp{major}{minor}", platforms))
    return tuple(tags.compatible_tags(version, None, platforms))


def _probe_key(executable: str) -> str | None:
    """Identity of an interpreter: its path (which fixes the environment's prefix) and the
    binary it resolves to; another Python at the same path gives a new key."""
    real = os.path.realpath(executable)
    try:
        info = os.stat(real)
    except OSError:
        return None
    parts = [_PROBE_VERSION, os.path.abspath(executable),
             f"{real}:{info.st_mtime_ns}:{info.st_size}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def probe(python: str | os.PathLike[str] | None = None,
          cache_dir: Path | None = None) -> TargetPython:
    """Ask *python* (default: ours) for its markers, tags and scheme.

    With *cache_dir*, the answer is kept per interpreter (:func:`_probe_key`), so a warm run
    starts no child process.
    """
    executable = os.fspath(python) if python is not None else sys.executable
    key = _probe_key(executable) if cache_dir is not None else None
    cached = cache_dir / "interpreters" / f"{key}.json" if cache_dir and key else None
    if cached is not None and cached.exists():
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
            scheme = InstallScheme(data["scheme"]["paths"], data["scheme"]["interpreter"],
                                   data["scheme"]["cache_tag"], data["scheme"].get("prefix"))
            return TargetPython(executable, dict(data["answer"]["markers"]),
                                _target_tags(data["answer"]), scheme)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    target, answer = _probe(executable)
    if cached is not None:
        document = {"answer": answer, "scheme": {"paths": target.scheme.paths,
                                                 "interpreter": target.scheme.interpreter,
                                                 "cache_tag": target.scheme.cache_tag,
                                                 "prefix": target.scheme.prefix}}
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(document), encoding="utf-8")
        os.replace(temp, cached)
    return target


def probe_ahead(python: str | os.PathLike[str] | None = None,
                cache_dir: Path | None = None) -> Future[TargetPython]:
    """:func:`probe` on a helper thread, started now: the target's child process answers
    while this process imports the resolver and the HTTP client (about 0.1 s), instead of
    after. The caller takes the answer (or its error) from the future."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="wheelnext-probe")
    try:
        return pool.submit(probe, python, cache_dir)
    finally:
        pool.shutdown(wait=False)


def _probe(executable: str) -> tuple[TargetPython, dict[str, Any]]:
    """One child process answers both questions: markers and tags, and the install scheme
    (the same ``sysconfig`` paths ``scheme_for_python`` asks for, in the same shape)."""
    try:
        done = subprocess.run([executable, "-I", "-c", _PROBE], capture_output=True,
                              text=True, timeout=60, check=True)
        answer = json.loads(done.stdout)
        scheme = scheme_from_probe(answer, executable)
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError,
            AttributeError) as exc:
        if isinstance(exc, InvalidTarget):
            raise
        raise InvalidTarget(
            f"--python {executable}: cannot ask it about itself ({exc})") from None
    for key in ("paths", "executable", "cache_tag", "prefix", "base_prefix"):
        answer.pop(key, None)
    return TargetPython(executable, dict(answer["markers"]), _target_tags(answer), scheme), answer


__all__ = ["Installed", "TargetPython", "probe", "probe_ahead"]
