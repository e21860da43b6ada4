"""Sphinx configuration for the wheelnext site.

Local extensions in ``docs/_ext/`` generate pages from data in the
repository (the traceability table, the conformance matrix); each is loaded
when its module exists.
"""

from __future__ import annotations

import sys
from importlib.metadata import version as _version
from pathlib import Path

_here = Path(__file__).parent
sys.path.insert(0, str(_here / "_ext"))

project = "wheelnext"
author = "The wheelnext authors"
copyright = "2026, the wheelnext authors"
release = _version("wheelnext")
version = release

extensions = ["sphinx.ext.autodoc", "sphinx_click"]
extensions += sorted(p.stem for p in (_here / "_ext").glob("*.py") if not p.stem.startswith("_"))

html_theme = "furo"
html_title = "wheelnext"
html_static_path = ["_static"]
exclude_patterns = ["_build"]
autodoc_typehints = "description"
