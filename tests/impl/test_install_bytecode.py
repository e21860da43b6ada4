"""The bytecode compiler child writes exactly the ``.pyc`` that ``py_compile`` writes.

Its lean path (no temporary file and rename) must not change a byte: same magic number, flags,
source mtime and size, and a code object that names the final path, not the staging folder.
"""

from __future__ import annotations

import os
import py_compile
import shutil
import sys
from importlib.util import cache_from_source
from pathlib import Path

from wheelnext.install.bytecode import compile_staged

SOURCES = {
    "plain.py": "X = 1\n\ndef f(a, b=2):\n    return a + b\n",
    "latin.py": "# -*- coding: latin-1 -*-\nS = 'caf\xe9'\n",
    "broken.py": "def f(:\n",
    "exec_mode.py": "#!/usr/bin/env python\nimport sys\nprint(sys.argv)\n",
}


def test_pycs_match_py_compile_byte_for_byte(tmp_path: Path) -> None:
    staged, reference = tmp_path / "staged", tmp_path / "reference"
    staged.mkdir()
    for name, text in SOURCES.items():
        encoding = "latin-1" if name == "latin.py" else "utf-8"
        (staged / name).write_bytes(text.encode(encoding))
    (staged / "exec_mode.py").chmod(0o755)
    shutil.copytree(staged, reference)  # copy2: same mtimes
    final = Path("/opt/env/lib/site-packages/pkg")
    pairs = [(staged / name, final / name) for name in SOURCES]
    written = compile_staged(sys.executable, pairs)
    assert sorted(p.name for p in written) == sorted(
        Path(cache_from_source(str(staged / n))).name for n in SOURCES if n != "broken.py")
    for name in SOURCES:
        if name == "broken.py":
            assert not Path(cache_from_source(str(staged / name))).exists()
            continue
        expected = py_compile.compile(str(reference / name), dfile=str(final / name),
                                      doraise=True)
        got = Path(cache_from_source(str(staged / name)))
        assert got.read_bytes() == Path(expected).read_bytes(), name
        assert got.stat().st_mode & 0o777 == os.stat(expected).st_mode & 0o777, name
