"""Where the installer's messages go: stderr, as plain lines or through a rich console.

The ``install`` and ``lock`` commands attach :func:`to_stderr` to the installer's logger; a
library caller that attaches nothing gets the standard ``logging`` behaviour (warnings only).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from wheelnext.install.log import LOG

if TYPE_CHECKING:
    from rich.console import Console


class Messages:
    """Messages on stderr: plain lines, or a rich console when stderr is a terminal.

    rich is imported only then (importing it costs tens of milliseconds of every run that
    prints nothing or prints to a pipe, as under ``-q`` or inside another tool).
    """

    def __init__(self) -> None:
        self.is_terminal = sys.stderr.isatty()
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def print(self, text: str) -> None:
        if self.is_terminal:
            self.console.print(text, markup=False, highlight=False)
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


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
