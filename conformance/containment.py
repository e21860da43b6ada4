"""Process containment: every process an installer run starts is found, reported and killed.

An installer under test may leave a daemon behind (a process that calls
``setsid`` leaves the process group the harness kills at the timeout). Where
Linux lets us, each run therefore gets a PID namespace of its own (``unshare
--pid --fork --kill-child``, as root or inside an unprivileged user namespace)
whose first process is a small *init* written here, run by the harness's own
interpreter. The init starts the installer as its child and waits for it;
when the installer exits (or the harness asks it to stop, at the timeout) it
lists the processes left in the namespace, the *survivors*, kills them all
(``kill(-1, SIGKILL)`` from a namespace's init reaches exactly its own
namespace), reaps them and writes a JSON report to a file descriptor the
harness passed it. Orphans of the namespace are re-parented to the init, so a
double-forked daemon is found too. If the init itself is killed, the kernel
kills every process of the namespace with it, so the harness's last resort,
``SIGKILL`` to the process group it started (which holds the init), still
contains everything.

Without PID namespaces (not Linux, no ``unshare``) the run falls back to its
own process group, killed whole at the end; a daemon that leaves the group
escapes, and survivors are not reported.

Output goes to a file, never to a pipe: a survivor that holds the installer's
stdout cannot make the harness wait for it.

Python 3.11 has no ``os.unshare`` (3.12 added it), so the namespace comes from
util-linux's ``unshare`` program.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: ``unshare`` options that give the command a PID namespace whose init dies with unshare.
PID_FLAGS = ("--pid", "--fork", "--kill-child")

PROCESS_GROUP = "process group (a process that leaves it escapes and is not reported)"

#: Seconds the init gets to report after the harness asks it to stop, before SIGKILL.
GRACE = 30.0


def init(report_fd: int, argv: list[str]) -> int:
    """The namespace's first process: run *argv*, then report and kill what it left.

    Self-contained (its source runs as ``python -I -S -c INIT FD ARGV...``,
    see :data:`INIT`). SIGTERM from the harness (at the timeout) kills the
    installer, after which the survivors are collected in the same way.
    """
    import contextlib
    import json
    import os
    import signal

    state: dict[str, int | None] = {"child": None, "stopped": None}

    def stop(signum: int, frame: object) -> None:
        state["stopped"] = signum
        child = state["child"]
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    os.set_inheritable(report_fd, False)
    exit_code: int | None
    try:
        child = os.posix_spawnp(argv[0], argv, dict(os.environ))
    except OSError as exc:
        os.write(2, f"cannot start {argv[0]}: {exc.strerror}\n".encode())
        child, exit_code = None, 127
    state["child"] = child
    if child is not None and state["stopped"] is not None:
        os.kill(child, signal.SIGKILL)
    while child is not None:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            exit_code = None
            break
        if pid == child:
            exit_code = os.waitstatus_to_exitcode(status)
            break
    own = os.readlink("/proc/self/ns/pid")
    me = os.readlink("/proc/self")
    survivors = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == me:
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != own:
                continue
            with open(f"/proc/{entry}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
        except OSError:
            continue
        survivors.append(command.replace(b"\0", b" ").decode("utf-8", "replace").strip())
    while True:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        try:
            os.wait()
        except ChildProcessError:
            break
    report = {"exit_code": exit_code, "stopped": state["stopped"], "survivors": sorted(survivors)}
    os.write(report_fd, json.dumps(report).encode())
    os.close(report_fd)
    if exit_code is None:
        return 1
    return exit_code if exit_code >= 0 else 128 - exit_code


#: Run as ``python -I -S -c INIT FD ARGV...``; exits with the installer's status.
INIT = (
    "from __future__ import annotations\n"
    + textwrap.dedent(inspect.getsource(init))
    + "\nimport sys\nsys.exit(init(int(sys.argv[1]), sys.argv[2:]))\n"
)


def _probe(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == b"1"


@functools.lru_cache(maxsize=1)
def namespace_mode() -> str | None:
    """``root`` or ``user`` when this machine gives a run its own PID namespace; else None."""
    if os.uname().sysname != "Linux" or not shutil.which("unshare"):
        return None
    check = [sys.executable, "-I", "-S", "-c", "import os; print(os.getpid())"]
    if os.geteuid() == 0 and _probe(["unshare", *PID_FLAGS, *check]):
        return "root"
    if _probe(["unshare", "--user", "--map-root-user", *PID_FLAGS, *check]):
        return "user"
    return None


def describe(mode: str | None) -> str:
    """The run's ``process containment`` line for reports."""
    if mode is None:
        return PROCESS_GROUP
    kind = "as root" if mode == "root" else "in a user namespace"
    return f"PID namespace per run ({kind}): survivors reported and killed"


def init_argv(report_fd: int, argv: Sequence[str]) -> list[str]:
    """*argv* run under the init (to be started as the first process of a PID namespace)."""
    return [sys.executable, "-I", "-S", "-c", INIT, str(report_fd), *argv]


def standalone(mode: str, argv: Sequence[str]) -> list[str]:
    """*argv* (an :func:`init_argv`) in a PID namespace of its own, under the caller's ids."""
    if mode == "root":
        return ["unshare", *PID_FLAGS, *argv]
    back = ["unshare", "--user", f"--map-user={os.getuid()}", f"--map-group={os.getgid()}", "--"]
    return ["unshare", "--user", "--map-root-user", *PID_FLAGS, *back, *argv]


@dataclass(frozen=True)
class Ended:
    """How a contained run ended."""

    #: The command's exit status; None when it was killed at the timeout.
    exit_code: int | None
    timed_out: bool
    #: Command lines of the processes still running after the command ended, all killed.
    survivors: tuple[str, ...]
    duration: float


class Contained:
    """One command started so that every process it starts can be found and killed.

    *wrap* puts the init's command line inside another launcher (the private
    mount namespace's); it must pass :data:`PID_FLAGS` to its ``unshare``.
    Without a *mode* the command runs in its own process group only.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        mode: str | None,
        env: dict[str, str],
        cwd: os.PathLike[str] | str,
        output: int,
        wrap: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self.mode = mode
        self._report = tempfile.TemporaryFile() if mode is not None else None  # noqa: SIM115
        if self._report is not None and mode is not None:
            fd = self._report.fileno()
            inner = init_argv(fd, argv)
            command = wrap(inner) if wrap is not None else standalone(mode, inner)
            fds: tuple[int, ...] = (fd,)
        else:
            command = wrap(list(argv)) if wrap is not None else list(argv)
            fds = ()
        self.start = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=fds,
            )
        except BaseException:
            self.close()
            raise

    @property
    def pgid(self) -> int:
        """The process group the harness started (it holds the namespace's init)."""
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the whole group: with the init goes its PID namespace (idempotent)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signal.SIGKILL)

    def wait(self, timeout: float) -> Ended:
        """Wait up to *timeout* seconds, then stop the run; everything it started is gone after."""
        timed_out = False
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._stop()
        finally:
            self.kill()
            self.process.wait()
            duration = time.perf_counter() - self.start
        report = self._read_report()
        self.close()
        if report is None:
            code = None if timed_out else self.process.returncode
            return Ended(code, timed_out, (), duration)
        code = None if timed_out else report.get("exit_code")
        listed = report.get("survivors")
        survivors = tuple(str(s) for s in listed) if isinstance(listed, list) else ()
        return Ended(code if isinstance(code, int) else None, timed_out, survivors, duration)

    def _stop(self) -> None:
        """At the timeout: ask the init to report and kill (SIGTERM), SIGKILL after a grace."""
        init = self._init_pid()
        if init is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(init, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=GRACE)

    def _init_pid(self) -> int | None:
        """The namespace's init, as this machine sees it: ``unshare``'s one child."""
        if self.mode is None:
            return None
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                children = handle.read().split()
        except OSError:
            return None
        return int(children[0]) if len(children) == 1 else None

    def _read_report(self) -> dict[str, object] | None:
        if self._report is None:
            return None
        self._report.seek(0)
        try:
            data = json.loads(self._report.read(1 << 20) or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def close(self) -> None:
        if self._report is not None:
            self._report.close()
