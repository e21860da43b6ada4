"""The ballot readers' progress bar: rich, on stderr, for large files only.

It implements :class:`wheelnext.governance.progress.ReadProgress`, the protocol the readers
report through, so governance itself never draws on the terminal.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from wheelnext.governance.progress import THRESHOLD


class RichReadProgress:
    """A rich progress bar on stderr, started by the first report of a large file."""

    def __init__(self, description: str, console: Console | None = None) -> None:
        self.description = description
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        if total < THRESHOLD:
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=self.console, transient=True, disable=not self.console.is_terminal,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total)

    def __enter__(self) -> RichReadProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
