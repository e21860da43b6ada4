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
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/wheelnext/providers`` (``~/.cache`` by default)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wheelnext" / "providers"


def _boot_id() -> str:
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
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
    import hashlib

    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"{namespace}-{digest}"


def read(directory: Path, key: str) -> dict[str, Any] | None:
    """The cached entry, or ``None`` when missing or unreadable (never an error)."""
    try:
        data = json.loads((directory / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(directory: Path, key: str, entry: Mapping[str, Any]) -> None:
    """Store *entry* atomically (temp file, then rename); failures are ignored."""
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{key}", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle)
        os.replace(temp, directory / f"{key}.json")
    except OSError:
        pass
