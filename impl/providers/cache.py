"""Plugin answers cached across runs (extension: PEP 817 only says the result
"MAY be cached throughout multiple packages in a single install session").

Only slow answers are cached: a third-party plugin's run in its isolated
environment. Built-in detection runs every time. The key holds the interpreter,
the provider's namespace, endpoint and pinned distribution, and
:func:`machine_stamp`: the identity (path, size, modification time) of the
device nodes and driver files a GPU or accelerator provider reads, and the
driver versions, so a GPU that appears or disappears without a reboot, or a
cache volume shared by containers on different hosts, gives another key.
``--refresh`` skips reading, ``--no-cache`` skips reading and writing. Files
live in ``$XDG_CACHE_HOME/wheelnext/providers/``.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from typing import Any

#: Device nodes and driver files whose identity (path, size, modification time)
#: enters the key: present, absent, replaced or upgraded, the key changes.
HARDWARE_GLOBS: tuple[str, ...] = (
    "/dev/nvidia*", "/dev/kfd", "/dev/dri/renderD*", "/dev/accel/*", "/dev/neuron*",
    "/proc/driver/nvidia/gpus/*", "/sys/module/nvidia", "/sys/module/amdgpu",
)
#: Small files whose text is the driver's version.
DRIVER_VERSIONS: tuple[str, ...] = (
    "/proc/driver/nvidia/version", "/sys/module/nvidia/version", "/sys/module/amdgpu/version",
)


def _identity(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return ""
    return f"{path}:{info.st_size}:{info.st_mtime_ns}:{info.st_rdev}"


def machine_stamp(
    globs: Iterable[str] = HARDWARE_GLOBS, versions: Iterable[str] = DRIVER_VERSIONS
) -> str:
    """What a cached plugin answer depends on, read in well under a millisecond."""
    import glob

    parts = [_identity(path) for pattern in globs for path in sorted(glob.glob(pattern))]
    for path in versions:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                parts.append(f"{path}={handle.read(4096).strip()}")
        except OSError:
            parts.append(f"{path}=")
    return "\n".join(parts)


def cache_dir_name(environ: Mapping[str, str] | None = None) -> str:
    """:func:`cache_dir` as a string, without importing ``pathlib``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wheelnext", "providers")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/wheelnext/providers`` (``~/.cache`` by default)."""
    from pathlib import Path

    return Path(cache_dir_name(environ))


def _machine() -> str:
    """``platform.machine()``, read from ``os.uname()`` where it exists (as platform does)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def cache_key(namespace: str, endpoint: str, version: str, interpreter: str | None = None) -> str:
    """A file-name-safe key for one provider's answer on this interpreter.

    *version* carries what else the answer depends on (for plugins, the pinned
    distribution and :func:`machine_stamp`).
    """
    parts = [
        interpreter or sys.executable,
        sys.implementation.cache_tag or "",
        _machine(),
        namespace,
        endpoint,
        version,
    ]
    # Two 32-bit checksums (zlib is built in; hashlib would load OpenSSL, about as
    # long as a detection): a file name, not a security boundary, since whoever
    # can write this directory can write any entry.
    import zlib

    data = "\0".join(parts).encode()
    return f"{namespace}-{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def read(directory: str | os.PathLike[str], key: str) -> dict[str, Any] | None:
    """The cached entry, or ``None`` when missing or unreadable (never an error)."""
    try:
        with open(os.path.join(directory, f"{key}.json"), encoding="utf-8") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(directory: str | os.PathLike[str], key: str, entry: Mapping[str, Any]) -> None:
    """Store *entry* atomically (temp file, then rename); failures are ignored."""
    import tempfile

    try:
        os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{key}", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle)
        os.replace(temp, os.path.join(directory, f"{key}.json"))
    except OSError:
        pass
