"""Reading Linux ``/proc/cpuinfo``: the CPU's own flags, as the kernel reports them.

Hand-written (no library parses this file without also spawning tools or
guessing microarchitectures): ``key : value`` lines, one block per processor.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    #: Where Linux publishes the CPU description.
    PROC_CPUINFO: Path
else:

    def __getattr__(name: str) -> object:
        # pathlib is not imported on the selection path; the constant is built on demand.
        if name == "PROC_CPUINFO":
            from pathlib import Path

            return Path(_PROC_CPUINFO)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_PROC_CPUINFO = "/proc/cpuinfo"


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
        with open(path or _PROC_CPUINFO, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return {}
    return parse_cpuinfo(text)


def cumulative_levels(
    table: dict[str, tuple[str, ...]], present: frozenset[str]
) -> dict[str, list[str]]:
    """The levels of a cumulative feature table that *present* meets, newest first.

    Both the x86-64 psABI levels and the Arm architecture versions are defined
    this way: a level needs its own features and every lower level's. Each
    level maps to those features, in table order: the evidence for it.
    """
    met: dict[str, list[str]] = {}
    needed: list[str] = []
    for level, required in table.items():
        if not present.issuperset(required):
            break
        needed = [*needed, *required]
        met[level] = needed
    return dict(reversed(met.items()))
