"""``wheelnext.governance`` never imports the conformance harness (docs/design.rst, "Layout")."""

from __future__ import annotations

import ast
from pathlib import Path

import wheelnext.governance


def test_governance_never_imports_conformance() -> None:
    root = Path(wheelnext.governance.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not any(n.startswith("wheelnext.conformance") for n in names), path
