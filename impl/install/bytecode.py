"""Compile installed ``.py`` files to bytecode with the environment's own interpreter.

``installer`` compiles with the running interpreter, one file at a time, after everything is
written; a wheel installed into another environment (``--python PATH``) needs that
interpreter's cache tag and magic number. So a child process of the target interpreter
compiles, on all cores, *while* the wheel is still being unpacked: each ``.py`` is handed over
as soon as it is written and verified. Each ``.pyc`` names the final path of its source
(``dfile``) so tracebacks point at the installed file, not the staging folder. The binary
distribution format ("Installing a wheel") lists "Compile any installed .py to .pyc" as an
optional step.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from types import TracebackType

_COMPILER = r"""
import concurrent.futures, json, os, py_compile, sys
from importlib._bootstrap_external import _code_to_timestamp_pyc
from importlib.util import cache_from_source

FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
made = set()

def one(staged, final):
    # py_compile.compile's steps for its default (timestamp) mode, without its temporary
    # file and rename: the staging folder is private and the .pyc does not exist yet.
    status = os.stat(staged)
    with open(staged, "rb") as handle:
        source = handle.read()
    code = compile(source, final, "exec", dont_inherit=True)
    data = _code_to_timestamp_pyc(code, status.st_mtime, status.st_size)
    target = cache_from_source(staged)
    folder = os.path.dirname(target)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    descriptor = os.open(target, FLAGS, (status.st_mode | 0o200) & 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)
    return target

def batch(pairs):
    done = []
    hashed = bool(os.environ.get("SOURCE_DATE_EPOCH"))  # py_compile then writes hash pycs
    for staged, final in pairs:
        try:
            if hashed:
                written = py_compile.compile(staged, dfile=final, doraise=True, quiet=2)
            else:
                written = one(staged, final)
            if written:
                done.append(written)
        except Exception:
            pass
    return done

workers = os.cpu_count() or 1
futures, pending = [], []
with concurrent.futures.ProcessPoolExecutor(workers) as pool:
    for line in sys.stdin:
        pending.append(json.loads(line))
        if len(pending) == 32:
            futures.append(pool.submit(batch, pending))
            pending = []
    if pending:
        futures.append(pool.submit(batch, pending))
    written = [path for future in futures for path in future.result()]
json.dump(written, sys.stdout)
"""


class BytecodeCompiler:
    """A running compiler child: :meth:`add` sources as they land, :meth:`finish` to collect.

    Files that do not compile are skipped, as pip and ``compileall`` skip them: a syntax error
    in a data file must not fail the install.
    """

    def __init__(self, interpreter: str) -> None:
        self._process = subprocess.Popen(
            [interpreter, "-I", "-c", _COMPILER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        # The pipe holds ~64 KiB (a few hundred paths): writing to it from the unpacking
        # threads would stall them behind the compiler. A feeder thread writes instead.
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._feeder = threading.Thread(target=self._feed, name="bytecode-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            while (line := self._queue.get()) is not None:
                stdin.write(line)
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def add(self, staged: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
        self._queue.put(json.dumps([os.fspath(staged), os.fspath(final)]) + "\n")

    def finish(self) -> list[Path]:
        """Wait for the child; return the staged ``.pyc`` paths it wrote."""
        self._queue.put(None)
        self._feeder.join()
        assert self._process.stdout is not None
        with self._process.stdout:
            out = self._process.stdout.read()
        self._process.wait()
        if self._process.returncode != 0:
            return []
        return [Path(path) for path in json.loads(out or "[]")]

    def __enter__(self) -> BytecodeCompiler:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._queue.put(None)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def compile_staged(interpreter: str, pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Compile each staged source (first) as if it lived at its final path (second)."""
    with BytecodeCompiler(interpreter) as compiler:
        for staged, final in pairs:
            compiler.add(staged, final)
        return compiler.finish()
