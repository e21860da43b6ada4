"""Observe: what an installer left behind, independent of which runner ran it.

The probe is a small Python program run by the *environment's own*
interpreter (a subprocess in a virtualenv, ``docker exec`` in a container), so
every runner observes the same way: installed distributions from the
environment's ``importlib.metadata``, each one's variant label (the key of its
``*.dist-info/variant.json``, PEP 825 "Variant metadata"), and the state of
every path a scenario asks about.
"""

from __future__ import annotations

import inspect
import json
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from wheelnext.conformance.scenario import Scenario


def inspect_environment(scheme: dict[str, str], root: str, paths: list[str]) -> dict[str, Any]:
    """Installed distributions and probed paths of the environment whose install *scheme* is given.

    Self-contained (its source is also run inside other interpreters as :data:`PROBE`).
    """
    import json
    import os
    from importlib import metadata

    places = {
        "{purelib}": scheme["purelib"],
        "{platlib}": scheme["platlib"],
        "{scripts}": scheme["scripts"],
        "{data}": scheme["data"],
        "{root}": root,
    }
    dists: dict[str, Any] = {}
    for dist in metadata.distributions(path=sorted({scheme["purelib"], scheme["platlib"]})):
        variant = None
        text = dist.read_text("variant.json")
        if text is not None:
            try:
                labels = sorted(json.loads(text).get("variants", {}))
                variant = labels[0] if len(labels) == 1 else ",".join(labels)
            except (ValueError, AttributeError):
                variant = "(unreadable variant.json)"
        dists[dist.metadata["Name"]] = {"version": dist.version, "variant": variant}
    state = {}
    for path in paths:
        full = os.path.join(scheme["purelib"], path)
        for key, value in places.items():
            if path.startswith(key):
                full = value + path[len(key) :]
                break
        link = os.path.islink(full)
        state[path] = {
            "exists": os.path.lexists(full),
            "symlink": link,
            "target": os.readlink(full) if link else None,
        }
    return {"installed": dists, "paths": state}


#: Run as ``python -I -c PROBE ROOT PATHS_JSON`` by an environment's own interpreter
#: (the docker runner does, inside the container); prints one JSON document.
PROBE = (
    "from __future__ import annotations\nfrom typing import Any\n"
    + textwrap.dedent(inspect.getsource(inspect_environment))
    + "\nimport json, sys, sysconfig\n"
    "print(json.dumps(inspect_environment(sysconfig.get_paths(), sys.argv[1], "
    "json.loads(sys.argv[2]))))\n"
)


@dataclass(frozen=True)
class InstalledDist:
    """One distribution found in the environment."""

    version: str
    variant: str | None = None


@dataclass(frozen=True)
class PathState:
    """One probed path."""

    exists: bool
    symlink: bool = False
    target: str | None = None


@dataclass(frozen=True)
class LoggedRequest:
    """One request in an index server's log, by the scenario's index name.

    The server's own entry (:class:`wheelnext.index.RequestRecord`) names the index as
    served (``j{key}-{name}``) and holds more; this is what a scenario's checks read.
    """

    index: str
    path: str
    status: int


@dataclass(frozen=True)
class Fetched:
    """The harness's own request to an index (a scenario's ``[[fetch]]``)."""

    index: str
    path: str
    status: int
    content_type: str | None
    body: str


@dataclass(frozen=True)
class Observation:
    """Everything seen of one installer run."""

    argv: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    output: str
    installed: Mapping[str, InstalledDist] = field(default_factory=dict)
    paths: Mapping[str, PathState] = field(default_factory=dict)
    requests: tuple[LoggedRequest, ...] = ()
    written_outside: tuple[str, ...] = ()
    duration: float = 0.0
    #: None: this runner does not probe indexes (scenarios with [[fetch]] are not applicable).
    fetched: tuple[Fetched, ...] | None = None
    #: ``--index-target url``: what the user's upload command did for this job's indexes.
    uploads: str = ""
    #: Processes the installer left running when it ended (command lines); all were killed.
    survivors: tuple[str, ...] = ()
    #: The output's middle was cut (:data:`OUTPUT_HEAD` and :data:`OUTPUT_TAIL` bytes kept).
    output_truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        extra = {"uploads": self.uploads} if self.uploads else {}
        return extra | {
            "argv": list(self.argv),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "output": self.output,
            "output_truncated": self.output_truncated,
            "survivors": list(self.survivors),
            "duration": round(self.duration, 3),
            "installed": {
                k: {"version": v.version, "variant": v.variant}
                for k, v in sorted(self.installed.items())
            },
            "paths": {
                k: {"exists": v.exists, "symlink": v.symlink, "target": v.target}
                for k, v in sorted(self.paths.items())
            },
            "requests": [[r.index, r.path, r.status] for r in self.requests],
            "written_outside": list(self.written_outside),
            "fetched": None
            if self.fetched is None
            else [
                {
                    "index": f.index,
                    "path": f.path,
                    "status": f.status,
                    "content_type": f.content_type,
                    "body": f.body[:2000],
                }
                for f in self.fetched
            ],
        }


#: Bytes of an installer's output kept from its start and from its end; the middle is cut.
OUTPUT_HEAD = OUTPUT_TAIL = 64 * 1024


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    if count >= 1_000:
        return f"{count / 1_000:.1f} kB"
    return f"{count} bytes"


def capped(head: bytes, tail: bytes, total: int) -> tuple[str, bool]:
    """Output text from its first bytes and its last (not overlapping); *total* is its length.

    Reports keep at most :data:`OUTPUT_HEAD` + :data:`OUTPUT_TAIL` bytes of
    an installer's output, with a ``[... 9.8 MB cut ...]`` line where the
    middle was; the flag says whether anything was cut.
    """
    cut = total - len(head) - len(tail)
    middle = f"\n[... {_size(cut)} cut ...]\n".encode() if cut > 0 else b""
    return (head + middle + tail).decode("utf-8", errors="replace"), cut > 0


def read_output(path: Path) -> tuple[str, bool]:
    """:func:`capped` for output in a file, reading only the bytes kept."""
    with open(path, "rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        head = handle.read(OUTPUT_HEAD)
        handle.seek(max(len(head), total - OUTPUT_TAIL))
        tail = handle.read(OUTPUT_TAIL)
    return capped(head, tail, max(total, len(head) + len(tail)))


def probe_paths(scenario: Scenario) -> list[str]:
    """Every path any outcome of *scenario* asks about."""
    paths: set[str] = set()
    for outcome in scenario.outcomes:
        paths.update(outcome.files_present, outcome.files_absent, outcome.not_symlinks)
        paths.update(outcome.symlinks)
    return sorted(paths)


def parse_probe(
    text: str | dict[str, Any],
) -> tuple[dict[str, InstalledDist], dict[str, PathState]]:
    """Read the probe's JSON output (or :func:`inspect_environment`'s result)."""
    data = json.loads(text) if isinstance(text, str) else text
    installed = {
        str(canonicalize_name(name)): InstalledDist(d["version"], d["variant"])
        for name, d in data["installed"].items()
    }
    paths = {p: PathState(s["exists"], s["symlink"], s["target"]) for p, s in data["paths"].items()}
    return installed, paths


# -- files written outside the environment -------------------------------------------------

Snapshot = dict[str, dict[str, int]]


def snapshot(dirs: Iterable[Path], *, ignore: Sequence[Path] = ()) -> Snapshot:
    """Each watched directory's entries and their modification times (one level deep).

    A new file or directory changes its parent's listing, so one level per
    watched directory is enough to see writes without walking whole trees.
    """
    ignored = {str(p) for p in ignore}
    result: Snapshot = {}
    for folder in dirs:
        try:
            with os.scandir(folder) as entries:
                result[str(folder)] = {
                    e.path: e.stat(follow_symlinks=False).st_mtime_ns
                    for e in entries
                    if e.path not in ignored
                }
        except OSError:
            continue
    return result


def changed(before: Snapshot, after: Snapshot, *, new_only: Sequence[Path] = ()) -> list[str]:
    """Paths that appeared or changed between two snapshots.

    In the *new_only* folders (HOME and the temp root, which other programs on
    the machine touch all the time) only entries that appeared count.
    """
    shared = {str(p) for p in new_only}
    result = []
    for folder, entries in after.items():
        old = before.get(folder, {})
        if folder in shared:
            result += [path for path in entries if path not in old]
        else:
            result += [path for path, mtime in entries.items() if old.get(path) != mtime]
    return sorted(result)
