"""Where the installer's messages go: the protocols at the seam, and the logging wiring.

The ``install`` and ``lock`` commands pass a :class:`Messages` (the CLI layer's, in
:mod:`wheelnext.commands.install_console`: plain lines, or rich on a terminal) and attach
:func:`to_stderr` to the installer's logger; a library caller that attaches nothing gets
the standard ``logging`` behaviour (warnings only) and no progress display.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from wheelnext.install.log import LOG


class Progress(Protocol):
    """A display of one install: each file's download, then the wheels installed."""

    def downloaded(self, filename: str, done: int, total: int | None) -> None: ...

    def installing(self, count: int) -> None: ...

    def installed(self) -> None: ...


class Messages(Protocol):
    """Where the installer's lines go, and whether a progress display can be drawn there."""

    @property
    def is_terminal(self) -> bool: ...

    def print(self, text: str) -> None: ...

    def progress(self) -> AbstractContextManager[Progress]: ...


class _Handler(logging.Handler):
    def __init__(self, console: Messages) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelname.lower()
        prefix = "" if level == "info" else f"{level}: "
        self.console.print(prefix + record.getMessage())


@contextmanager
def to_stderr(console: Messages, verbose: int, quiet: bool) -> Iterator[None]:
    """The installer's log records and warnings (each text once) on *console*."""
    handler = _Handler(console)
    LOG.addHandler(handler)
    previous = LOG.level
    LOG.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    LOG.propagate = False
    shown: set[str] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Any = None) -> None:
        text = str(message)
        if text not in shown:
            shown.add(text)
            console.print(f"warning: {text}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        try:
            yield
        finally:
            LOG.removeHandler(handler)
            LOG.setLevel(previous)


__all__ = ["Messages", "to_stderr"]
