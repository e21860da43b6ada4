"""The import graph of ``wheelnext``, read from the source with :mod:`ast`.

The folders ``impl``, ``conformance`` and ``governance`` map to ``wheelnext``,
``wheelnext.conformance`` and ``wheelnext.governance``.  Imports under
``if TYPE_CHECKING:`` are left out: they never run.  Imports inside functions are
kept apart, so a test can ask about either graph.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FOLDERS = {
    "impl": "wheelnext",
    "conformance": "wheelnext.conformance",
    "governance": "wheelnext.governance",
}


@cache
def modules() -> dict[str, Path]:
    """Each ``wheelnext`` module name with its file."""
    found: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    tree: ast.AST, in_function: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Each import statement and whether it sits inside a function body."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (pair for child in node.orelse for pair in _imports_of(child, in_function))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _imports(node, inner)


def _imports_of(
    node: ast.AST, in_function: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, in_function
    yield from _imports(node, in_function)


def _targets(
    name: str, path: Path, node: ast.Import | ast.ImportFrom, known: dict[str, Path]
) -> set[str]:
    """The ``wheelnext`` modules one import statement loads (their packages aside)."""
    if isinstance(node, ast.Import):
        heads = [alias.name for alias in node.names]
        return {_known_prefix(head, known) for head in heads} - {""}
    if node.level:
        base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        module = ".".join([*base, *([node.module] if node.module else [])])
    else:
        module = node.module or ""
    found = set()
    for alias in node.names:
        candidate = f"{module}.{alias.name}"
        found.add(candidate if candidate in known else _known_prefix(module, known))
    return found - {""}


def _known_prefix(dotted: str, known: dict[str, Path]) -> str:
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return ""


@cache
def graph(include_function_level: bool) -> dict[str, set[str]]:
    """Module → the modules it imports, with or without imports inside functions."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, in_function in _imports(tree):
            if in_function and not include_function_level:
                continue
            for target in _targets(name, path, node, known):
                edges[name] |= _with_packages(target, name, known)
    return edges


def _with_packages(target: str, importer: str, known: dict[str, Path]) -> set[str]:
    """*target* and the packages Python runs first to import it.

    Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``; a package the importer
    itself lies in is already running, so it adds nothing.
    """
    parts = target.split(".")
    found = {target}
    for size in range(1, len(parts)):
        package = ".".join(parts[:size])
        if package in known and not (importer + ".").startswith(package + "."):
            found.add(package)
    return found - {importer}


def counts() -> tuple[int, int]:
    """How many import statements of wheelnext modules stand at module and function level."""
    known = modules()
    module_level = function_level = 0
    for name, path in known.items():
        for node, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not _targets(name, path, node, known):
                continue
            if in_function:
                function_level += 1
            else:
                module_level += 1
    return module_level, function_level


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


@cache
def external_imports(include_function_level: bool = True) -> dict[str, set[str]]:
    """Module → the top-level names of the modules outside ``wheelnext`` it imports."""
    found: dict[str, set[str]] = {}
    for name, path in modules().items():
        heads: set[str] = set()
        for node, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if in_function and not include_function_level:
                continue
            if isinstance(node, ast.Import):
                heads |= {alias.name.split(".")[0] for alias in node.names}
            elif not node.level and node.module:
                heads.add(node.module.split(".")[0])
        found[name] = heads - {"wheelnext"}
    return found


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module *start* imports, directly or through others (itself included)."""
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def layer_of(module: str) -> str:
    """The layer a module belongs to: ``wheelnext.X``, or ``wheelnext.conformance.X``
    and ``wheelnext.governance.X`` inside the two subpackages that hold layers of their own."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] in ("conformance", "governance"):
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def layer_graph(include_function_level: bool) -> dict[str, set[str]]:
    """Layer → the other layers its modules import."""
    edges: dict[str, set[str]] = {}
    for module, targets in graph(include_function_level).items():
        layer = layer_of(module)
        edges.setdefault(layer, set()).update(layer_of(t) for t in targets)
        edges[layer].discard(layer)
    return edges
