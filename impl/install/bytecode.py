"""Compile installed ``.py`` files to bytecode with the environment's own interpreter.

``installer`` compiles with the running interpreter, one file at a time; a wheel installed
into another environment (``--python PATH``) needs that interpreter's cache tag and magic
number. So the staged files are compiled by a child process of the target interpreter, on all
cores, each ``.pyc`` naming the final path of its source (``dfile``) so tracebacks point at the
installed file, not the staging folder. The binary distribution format ("Installing a wheel")
lists "Compile any installed .py to .pyc" as an optional step.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

_COMPILER = r"""
import concurrent.futures, importlib.util, json, os, py_compile, sys

def one(pair):
    staged, final = pair
    try:
        return py_compile.compile(staged, dfile=final, doraise=True, quiet=2)
    except Exception:
        return None

pairs = json.load(sys.stdin)
workers = min(len(pairs) // 64 + 1, os.cpu_count() or 1)
if workers > 1:
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        written = list(pool.map(one, pairs, chunksize=64))
else:
    written = [one(pair) for pair in pairs]
json.dump([path for path in written if path], sys.stdout)
"""


def compile_staged(interpreter: str, pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Compile each staged source (first) as if it lived at its final path (second).

    Returns the staged ``.pyc`` paths written. Files that do not compile are skipped, as pip
    and ``compileall`` skip them: a syntax error in a data file must not fail the install.
    """
    if not pairs:
        return []
    payload = json.dumps([[os.fspath(staged), os.fspath(final)] for staged, final in pairs])
    done = subprocess.run(
        [interpreter, "-I", "-c", _COMPILER],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(path) for path in json.loads(done.stdout)]
