"""Writes outside the environment, attributed to the installer alone (Linux mount namespaces).

Comparing listings of the real HOME and ``/tmp`` before and after a run blames
the installer for whatever other programs on the machine create meanwhile. On
Linux the installer instead runs in a mount namespace of its own (``unshare
--mount`` as root, or inside an unprivileged user namespace) where ``/tmp``,
``/var/tmp``, the temp root and the harness's HOME are private per-job folders
mounted over the real ones: whatever is in those folders after the run, the
installer wrote, and nothing else can write there. The paths the installer
needs to see under a hidden folder (its job folder, the files on its command
line, its interpreter) are mounted back at their own place first.

The base interpreter's folders (its prefix, ``sys.base_prefix``, and its
scheme's ``purelib``, ``platlib`` and ``scripts``) are bind-mounted read-only
over themselves, so an installer that tries to write there gets ``EROFS``
instead of a report after the fact (where the remount is refused, the folder
stays writable and is compared before and after, as without namespaces).

The same ``unshare`` can also give the installer a PID namespace
(:data:`~wheelnext.conformance.containment.PID_FLAGS`): the shell's ``exec``
then makes the containment init the namespace's first process.

No library sets up such mounts from Python 3.11 (``os.unshare`` arrived in
3.12, and mounting needs the ``mount`` program anyway), so the small shell
wrapper here is written by hand.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Exit status of the wrapper when a mount fails (the installer did not start).
SETUP_FAILED = 125
SETUP_MESSAGE = "wheelnext: cannot set up the private mount namespace"

SNAPSHOT = "snapshot (may blame concurrent processes)"
#: How a command adapter passes a hidden path through (docs/components/conformance.rst).
PASS_THROUGH = "list it in the command adapter's visible-paths (or give it as a whole argument)"


def hidden_areas() -> list[Path]:
    """``/tmp``, ``/var/tmp``, the temp root and HOME: real folders, none inside another."""
    found: list[Path] = []
    for raw in ("/tmp", "/var/tmp", tempfile.gettempdir(), str(Path.home())):
        path = Path(os.path.realpath(raw))
        if path.is_dir() and path != Path("/") and path not in found:
            found.append(path)
    return sorted(p for p in found if not any(p != q and p.is_relative_to(q) for q in found))


def _unshare_argv(user: bool, extra: Sequence[str] = ()) -> list[str]:
    if user:
        return ["unshare", "--user", "--map-root-user", *_unshare_argv(False, extra)[1:]]
    return ["unshare", "--mount", "--propagation", "private", *extra]


def _read_only(path: str) -> str:
    """Shell lines that make *path* read-only where it is (a bind mount over itself).

    In a user namespace the source mount's ``nosuid`` and ``nodev`` are locked
    and must be repeated, so the remount is tried again with them.
    """
    q = shlex.quote(path)
    again = f"mount -o remount,bind,ro,nosuid,nodev {q}"
    return f"mount --bind {q} {q} && {{ mount -o remount,bind,ro {q} 2>/dev/null || {again}; }}"


def _then(user: bool, uid: int | None = None, gid: int | None = None) -> str:
    """How the wrapper starts the installer: as itself, or back under the caller's uid."""
    if user:
        uid = os.getuid() if uid is None else uid
        gid = os.getgid() if gid is None else gid
        return f'exec unshare --user --map-user={uid} --map-group={gid} -- "$@"'
    return 'exec "$@"'


@functools.lru_cache(maxsize=1)
def namespace_mode() -> str | None:
    """``root`` or ``user`` when this machine lets us mount privately; None otherwise.

    Tried once per process, with the very mounts a job makes (a folder over
    ``/tmp`` and a folder mounted back inside it).
    """
    if os.uname().sysname != "Linux" or not (shutil.which("unshare") and shutil.which("mount")):
        return None
    modes = ["root"] if os.geteuid() == 0 else []
    modes.append("user")
    with tempfile.TemporaryDirectory(prefix="wheelnext-nsprobe-") as tmp:
        area, kept = Path(tmp) / "area", Path(tmp) / "kept"
        (area / "inner").mkdir(parents=True)
        kept.mkdir()
        (kept / "seen").touch()
        for mode in modes:
            user = mode == "user"
            script = (
                f"mount --bind {shlex.quote(str(kept))} {shlex.quote(str(area / 'inner'))}"
                f" && mount --rbind {shlex.quote(str(area))} /tmp && {_then(user)}"
            )
            argv = [*_unshare_argv(user), "sh", "-c", script, "sh", "ls", "/tmp/inner"]
            try:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.SubprocessError):
                continue
            if done.returncode == 0 and done.stdout.split() == ["seen"]:
                return mode
    return None


@functools.lru_cache(maxsize=16)
def read_only_works(mode: str, path: Path) -> bool:
    """Whether *path* can be made read-only in a private namespace of *mode*.

    A bind mount's flags that a user namespace inherited locked (``nosuid``,
    ``nodev`` and the like on the source mount) can make the remount fail;
    the folder then stays writable, and the snapshot of it reports a write.
    Tried without writing anything: ``test -w`` answers ``EROFS`` itself.
    """
    user = mode == "user"
    quoted = shlex.quote(str(path))
    script = f"{_read_only(str(path))} && {_then(user)}"
    check = f"test -w {quoted} || echo read-only"
    argv = [*_unshare_argv(user), "sh", "-c", script, "sh", "sh", "-c", check]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.split() == ["read-only"]


def describe(mode: str | None, *, tried: bool = False) -> str:
    """The run's ``write detection`` line for reports.

    *tried*: private mounts were wanted but this machine refused them; the line then
    says what they need (in a container, ``CAP_SYS_ADMIN``), not only what is used instead.
    """
    if mode is None:
        if tried:
            return f"{SNAPSHOT}; private mounts refused here: they need CAP_SYS_ADMIN " \
                "(in a container: docker run --cap-add SYS_ADMIN)"
        return SNAPSHOT
    kind = "as root" if mode == "root" else "in a user namespace"
    return f"private mount namespace ({kind})"


def _visible_roots(paths: Iterable[Path]) -> list[Path]:
    """The folders to mount back: no folder twice, none inside another."""
    unique = sorted({Path(os.path.realpath(p)) for p in paths})
    return [p for p in unique if not any(p != q and p.is_relative_to(q) for q in unique)]


@dataclass(frozen=True)
class PrivateMounts:
    """One job's private folders over the hidden areas, and the paths shown through them."""

    mode: str
    root: Path
    #: (hidden area, its private folder) pairs, mounted in this order.
    areas: tuple[tuple[Path, Path], ...]
    #: (path the installer needs, mount point inside a private folder).
    visible: tuple[tuple[Path, Path], ...]
    #: The ids the installer runs under in user-namespace mode (the caller's by default).
    uid: int = field(default_factory=os.getuid)
    gid: int = field(default_factory=os.getgid)
    #: Folders mounted read-only over themselves (the base interpreter's), after the areas.
    read_only: tuple[Path, ...] = ()
    #: Empty folders made inside the private folders where a folder the installer expects
    #: (HOME, the temp root) lies inside a hidden area: HOME under ``/tmp`` on many CI systems.
    folders: tuple[Path, ...] = ()

    @classmethod
    def plan(
        cls,
        mode: str,
        root: Path,
        needed: Iterable[Path],
        areas: Sequence[Path] | None = None,
        read_only: Iterable[Path] = (),
        writable: Iterable[Path] = (),
        present: Iterable[Path] | None = None,
    ) -> tuple[PrivateMounts, list[Path]]:
        """Make the private folders under *root*; also return the areas left unhidden.

        An area that a needed path contains (or equals) cannot be hidden; the
        caller falls back to comparing listings there. A *read_only* folder that
        holds a *writable* one (the job's folder) or *root*, or that cannot be made
        read-only here (:func:`read_only_works`), stays writable. A *present* folder
        (default: HOME and the temp root) inside a hidden area is made there, empty,
        so the installer finds it as it would outside.
        """
        needed_roots = _visible_roots(needed)
        hidden, unhidden = [], []
        for area in areas if areas is not None else hidden_areas():
            if any(area.is_relative_to(n) for n in needed_roots):
                unhidden.append(area)
            else:
                hidden.append(area)
        if present is None:
            present = [Path.home(), Path(tempfile.gettempdir())]
        expected = {Path(os.path.realpath(p)) for p in present}
        pairs, visible, folders = [], [], []
        for i, area in enumerate(hidden):
            private = root / f"area{i}"
            private.mkdir(parents=True)
            pairs.append((area, private))
            for path in needed_roots:
                if path.is_relative_to(area):
                    point = private / path.relative_to(area)
                    point.mkdir(parents=True, exist_ok=True)
                    visible.append((path, point))
            for path in sorted(expected):
                if path != area and path.is_relative_to(area):
                    folder = private / path.relative_to(area)
                    folder.mkdir(parents=True, exist_ok=True)
                    folders.append(folder)
        # The area holding the private folders themselves is hidden last, so every
        # mount source is still reachable when it is mounted.
        pairs.sort(key=lambda pair: root.is_relative_to(pair[0]))
        keep = [Path(os.path.realpath(p)) for p in [root, *writable]]
        frozen = tuple(
            p
            for p in _visible_roots(p for p in read_only if os.path.isdir(p))
            if not any(k.is_relative_to(p) for k in keep) and read_only_works(mode, p)
        )
        planned = cls(
            mode, root, tuple(pairs), tuple(visible), read_only=frozen, folders=tuple(folders)
        )
        return planned, unhidden

    def wrap(self, argv: Sequence[str], *, unshare: Sequence[str] = ()) -> list[str]:
        """*argv* run inside the private namespace (the shell executes it in place).

        *unshare* adds options to the ``unshare`` that makes the namespace
        (:data:`~wheelnext.conformance.containment.PID_FLAGS`).
        """
        q = shlex.quote
        lines = [f'fail() {{ echo "{SETUP_MESSAGE}: $1" >&2; exit {SETUP_FAILED}; }}']
        for path, point in self.visible:
            lines.append(f"mount --bind {q(str(path))} {q(str(point))} || fail {q(str(path))}")
        for area, private in self.areas:
            lines.append(f"mount --rbind {q(str(private))} {q(str(area))} || fail {q(str(area))}")
        for path in self.read_only:
            lines.append(f"{{ {_read_only(str(path))}; }} || fail {q(str(path))}")
        lines.append(_then(self.mode == "user", self.uid, self.gid))
        script = "\n".join(lines)
        return [*_unshare_argv(self.mode == "user", unshare), "sh", "-c", script, "sh", *argv]

    def hidden(self, path: Path) -> Path | None:
        """The hidden area that hides *path* from the installer (None: it sees it)."""
        real = Path(os.path.realpath(path))
        if any(real.is_relative_to(shown) for shown, _ in self.visible):
            return None
        return next((area for area, _ in self.areas if real.is_relative_to(area)), None)

    def hidden_references(
        self, argv: Sequence[str], env: Mapping[str, str], search: str | None
    ) -> list[tuple[str, Path, Path]]:
        """What the command refers to that the namespace hides: (how, path, area).

        Whole arguments are mounted back by the runner; what it cannot mount is the
        program found on *search* (``PATH``) and a path inside an argument or an
        environment value (``--config=/tmp/x``, ``A=/tmp/a:/tmp/b``).
        """
        found: list[tuple[str, Path, Path]] = []

        def check(how: str, text: str) -> None:
            area = self.hidden(Path(text))
            if area is not None and os.path.exists(text):
                found.append((how, Path(text), area))

        if argv and os.sep not in argv[0]:
            program = shutil.which(argv[0], path=search)
            if program:
                check(f"the program {argv[0]!r} (found on PATH)", program)
        values = [(f"argument {a!r}", a) for a in argv] + [
            (f"environment value {k}={v}", v) for k, v in sorted(env.items())
        ]
        for how, value in values:
            parts = re.split(r"[=:,]", value)
            for part in parts if len(parts) > 1 else []:
                if os.path.isabs(part):
                    check(f"the path inside {how}", part)
        return found

    def written(self) -> list[str]:
        """What the installer created in the hidden areas, by the path it wrote to.

        Mount points made for visible paths (and their parent folders) are the
        harness's; any other entry is the installer's. A new folder is reported
        once, not every file inside it.
        """
        found: list[str] = []
        for area, private in self.areas:
            skeleton = {private}
            for point in [*(point for _, point in self.visible), *self.folders]:
                if point.is_relative_to(private):
                    skeleton.add(point)
                    skeleton.update(p for p in point.parents if p.is_relative_to(private))
            points = {point for _, point in self.visible}
            stack = [private]
            while stack:
                folder = stack.pop()
                try:
                    entries = list(os.scandir(folder))
                except OSError:
                    continue
                for entry in entries:
                    path = Path(entry.path)
                    if path in skeleton and entry.is_dir(follow_symlinks=False):
                        if path not in points:
                            stack.append(path)
                    else:
                        found.append(str(area / path.relative_to(private)))
        return sorted(found)
