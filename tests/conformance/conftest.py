"""Shared fixtures: scenario files written on the fly, and a private HOME and temp root.

The harness watches HOME and the temp root for stray writes; on a shared
machine other programs write there too, so tests give the harness its own.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

HEAD = """\
format = 1

[scenario]
id = "{id}"
title = "a test scenario"

[spec]
pep = 766
section = "Index priority"
sentence = "a sentence"
level = "rule"
"""

ONE_PACKAGE = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[request]
requirements = ["alpha"]

[expect]
exit = "success"
installed = { alpha = "1.0" }
"""


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario file into ``tmp_path/scenarios``; return its path."""

    def write(body: str = ONE_PACKAGE, *, id: str = "t-one", name: str | None = None) -> Path:
        folder = tmp_path / "scenarios"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name or id}.toml"
        path.write_text(HEAD.format(id=id) + textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def private_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME, TMPDIR and XDG_CACHE_HOME of the harness itself, under tmp_path."""
    root = tmp_path / "host"
    for sub in ("home", "tmp", "cache"):
        (root / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("TMPDIR", str(root / "tmp"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return root


TWO_PACKAGES_NEEDS_PRIORITY = """
[[packages.primary]]
name = "alpha"
version = "1.0"

[[packages.secondary]]
name = "alpha"
version = "2.0"

[request]
requirements = ["alpha"]
indexes = ["primary", "secondary"]
index-strategy = "index-priority"

[expect]
installed = { alpha = "1.0" }
"""
