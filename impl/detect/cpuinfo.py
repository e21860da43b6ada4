"""Reading Linux ``/proc/cpuinfo``: the CPU's own flags, as the kernel reports them.

Hand-written (no library parses this file without also spawning tools or
guessing microarchitectures): ``key : value`` lines, one block per processor.
"""

from __future__ import annotations

from pathlib import Path

#: Where Linux publishes the CPU description.
PROC_CPUINFO = Path("/proc/cpuinfo")


def parse_cpuinfo(text: str) -> dict[str, str]:
    """Return the fields of the first processor block of a ``/proc/cpuinfo`` text."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def read_cpuinfo(path: Path | None = None) -> dict[str, str]:
    """Fields of the first processor in *path* (default ``/proc/cpuinfo``); empty if unreadable."""
    try:
        text = (path or PROC_CPUINFO).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return parse_cpuinfo(text)
