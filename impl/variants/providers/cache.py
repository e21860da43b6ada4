"""Supported configs cached across runs (extension: PEP 817 only says the result
"MAY be cached throughout multiple packages in a single install session").

The key holds the interpreter, the provider's namespace, endpoint and version
(for a built-in provider, its module file's stamp: see
:func:`wheelnext.variants.providers.query.builtin_version`), and the kernel's
boot id, so a new driver, GPU or CPU after a reboot, or a container image moved
to another host, is detected afresh. ``--refresh`` skips
reading. Files live in ``$XDG_CACHE_HOME/wheelnext/providers/``.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    BOOT_ID: Path
else:

    def __getattr__(name: str) -> object:
        # pathlib is not imported on the warm path; the constant is built on demand.
        if name == "BOOT_ID":
            from pathlib import Path

            return Path(_BOOT_ID)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_BOOT_ID = "/proc/sys/kernel/random/boot_id"


def cache_dir_name(environ: Mapping[str, str] | None = None) -> str:
    """:func:`cache_dir` as a string, without importing ``pathlib``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wheelnext", "providers")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/wheelnext/providers`` (``~/.cache`` by default)."""
    from pathlib import Path

    return Path(cache_dir_name(environ))


def _boot_id() -> str:
    try:
        with open(_BOOT_ID, encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _machine() -> str:
    """``platform.machine()``, read from ``os.uname()`` where it exists (as platform does)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def cache_key(namespace: str, endpoint: str, version: str, interpreter: str | None = None) -> str:
    """A file-name-safe key for one provider's answer on this interpreter and boot."""
    parts = [
        interpreter or sys.executable,
        sys.implementation.cache_tag or "",
        _machine(),
        namespace,
        endpoint,
        version,
        _boot_id(),
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
