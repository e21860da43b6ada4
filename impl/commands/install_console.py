"""The installer's messages on stderr: plain lines, or rich (console and progress) on a terminal.

It implements :class:`wheelnext.install.messages.Messages` for the ``install`` and ``lock``
commands, so the installer itself never draws on the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


class StderrMessages:
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

    @contextmanager
    def progress(self) -> Iterator[RichProgress]:
        """A rich progress display of downloads and installs (imported only for a terminal)."""
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      console=self.console, transient=True) as progress:
            yield RichProgress(progress)


class RichProgress:
    """One bar per download, then one for the wheels installed."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._install_task: TaskID | None = None

    def downloaded(self, filename: str, done: int, total: int | None) -> None:
        if filename not in self._tasks:
            self._tasks[filename] = self._progress.add_task(f"download {filename}", total=total)
        self._progress.update(self._tasks[filename], completed=done, total=total)

    def installing(self, count: int) -> None:
        self._install_task = self._progress.add_task("installing", total=count)

    def installed(self) -> None:
        if self._install_task is not None:
            self._progress.advance(self._install_task)
