"""Waiting on a condition or a process, with generous deadlines and no fixed budgets.

A loop of N sleeps of T seconds fails whenever the machine is slower than N*T: on a
loaded 2-core runner a fresh interpreter alone can take seconds.  These helpers wait on
the event itself where the kernel offers one (a process's exit, through a pidfd) and
otherwise re-check the condition with a growing pause, until a deadline that only a
hung program reaches.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from typing import TypeVar

#: Seconds before a wait gives up: long enough for any loaded machine, short of CI's limit.
PATIENCE = 300.0

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not come true before the deadline."""


def wait_until(condition: Callable[[], T], what: str, timeout: float = PATIENCE) -> T:
    """The first true value of *condition*; :class:`WaitTimeout` naming *what* after *timeout*."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        value = condition()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(f"{what}: not so after {timeout:.0f} s")
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.25)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exited(pid: int, timeout: float = PATIENCE) -> bool:
    """Wait until process *pid* (not necessarily our child) has ended; False at the deadline.

    On Linux a pidfd becomes readable when the process ends, so this waits on that
    event; elsewhere it re-checks with :func:`wait_until`.
    """
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):
        try:
            wait_until(lambda: not _running(pid), f"process {pid} to end", timeout)
        except WaitTimeout:
            return False
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        return bool(readable)
    finally:
        os.close(handle)
