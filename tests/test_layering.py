"""The spec core stands alone: no command line, no terminal, no server, no harness.

The modules that implement the specifications' formats (file names, metadata, links,
``Wheel-Version``, default extras, index priority, the variant formats, the Wheel 2.0
readers and writers: the spec core of docs/design.rst) are what other tools reuse; they
must import, directly or through other ``wheelnext`` modules and at module level or inside
functions, neither click nor rich (the CLI), neither starlette nor uvicorn nor
``wheelnext.index`` (the index server), nor ``wheelnext.conformance`` (the harness), nor
the CLI layer.

Every click command lives in one CLI layer, ``wheelnext.cli`` and ``wheelnext.commands``:
no module outside it imports click or rich, and none imports the layer itself (only the
entry points that run it, ``python -m wheelnext`` and the harness's rule knockout).

Nor may two layers (``wheelnext.variants``, ``wheelnext.detect``...) import each other:
one of them must come first.
"""

from __future__ import annotations

import pytest
from _support.imports import cycles, external_imports, graph, layer_graph, reachable

SPEC_CORE = (
    "wheelnext.filenames",
    "wheelnext.metadata",
    "wheelnext.links",
    "wheelnext.wheel_version",
    "wheelnext.default_extras",
    "wheelnext.index_priority",
    "wheelnext.variants.combine",
    "wheelnext.variants.errors",
    "wheelnext.variants.jsonio",
    "wheelnext.variants.markers",
    "wheelnext.variants.models",
    "wheelnext.variants.ordering",
    "wheelnext.variants.properties",
    "wheelnext.variants.pylock",
    "wheelnext.variants.pyproject",
    "wheelnext.variants.records",
    "wheelnext.variants.schema",
    "wheelnext.variants.select",
    "wheelnext.wheel2",
    "wheelnext.wheel2.check",
    "wheelnext.wheel2.damaged",
    "wheelnext.wheel2.forge",
    "wheelnext.wheel2.layout",
    "wheelnext.wheel2.names",
    "wheelnext.wheel2.source",
    "wheelnext.wheel2.writer",
    "wheelnext.entry_points",
    "wheelnext.native_libraries",
    "wheelnext.inputs",
    "wheelnext.atomic",
    "wheelnext.xdg",
    "wheelnext.errors",
)
FORBIDDEN_LIBRARIES = frozenset({"click", "rich", "starlette", "uvicorn"})
FORBIDDEN_PACKAGE = "wheelnext.conformance"
#: The packages the spec core must not load: the harness, the server, the CLI layer.
FORBIDDEN_PACKAGES = (FORBIDDEN_PACKAGE, "wheelnext.index", "wheelnext.commands", "wheelnext.cli")

#: The CLI layer: the entry point and every click command.
CLI_LAYER = ("wheelnext.cli", "wheelnext.commands")
#: Modules outside the layer that run it: entry points, not libraries.
RUNS_THE_CLI = frozenset({"wheelnext.__main__", "wheelnext.conformance.knockout"})


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _imported(module: str) -> tuple[set[str], set[str]]:
    """The wheelnext modules *module* loads and the outside libraries they import."""
    inside = reachable(graph(include_function_level=True), module)
    outside = external_imports(include_function_level=True)
    return inside, {head for name in inside for head in outside[name]}


@pytest.mark.parametrize("module", SPEC_CORE)
def test_spec_core_imports_no_cli_server_or_harness(module: str) -> None:
    inside, libraries = _imported(module)
    assert sorted(libraries & FORBIDDEN_LIBRARIES) == []
    assert sorted(n for n in inside if _in(n, FORBIDDEN_PACKAGES)) == []


def _importers(library: str, outside: dict[str, set[str]]) -> list[str]:
    """The modules outside the CLI layer that import *library* themselves."""
    return sorted(m for m, heads in outside.items() if library in heads and not _in(m, CLI_LAYER))


@pytest.mark.parametrize("library", ["click", "rich"])
def test_only_the_cli_layer_imports_click_or_rich(library: str) -> None:
    """click (the commands) and rich (drawing on the terminal) are the CLI layer's: a module
    elsewhere that imports one, at module level or inside a function, is part of a command
    outside the layer; the layers below report through protocols the layer implements."""
    assert _importers(library, external_imports(include_function_level=True)) == []


def test_the_cli_rule_sees_a_click_import() -> None:
    outside = {"wheelnext.commands.build": {"click"}, "wheelnext.build.cli": {"click", "rich"}}
    assert _importers("click", outside) == ["wheelnext.build.cli"]


def test_nothing_below_the_cli_layer_imports_it() -> None:
    edges = graph(include_function_level=True)
    importers = {
        module for module, targets in edges.items()
        if not _in(module, CLI_LAYER) and any(_in(t, CLI_LAYER) for t in targets)
    }
    assert sorted(importers - RUNS_THE_CLI) == []


def test_the_library_imports_neither_harness_nor_governance() -> None:
    """``impl`` imports neither ``conformance`` nor ``governance``, its CLI layer aside."""
    fronts = ("wheelnext.conformance", "wheelnext.governance", "wheelnext.scenarios")
    edges = graph(include_function_level=True)
    found = {
        (module, target) for module, targets in edges.items()
        if not _in(module, (*fronts, *CLI_LAYER)) and module != "wheelnext.__main__"
        for target in targets if _in(target, fronts)
    }
    assert sorted(found) == []


def test_the_rule_sees_a_forbidden_import() -> None:
    inside, libraries = _imported("wheelnext.commands.conformance")
    assert "click" in libraries
    assert FORBIDDEN_PACKAGE + ".run" in inside


#: Layer pairs that once imported each other and must not again.
SEPARATED_LAYERS = (
    ("wheelnext.detect", "wheelnext.variants"),
    ("wheelnext.detect", "wheelnext.providers"),
    ("wheelnext.providers", "wheelnext.variants"),
)

#: Layer pairs that still import each other, each being taken apart by other work.
KNOWN_LAYER_CYCLES: dict[tuple[str, str], str] = {}

#: Layer -> the layers it must not import: the variant format knows no provider, and the
#: plugin host knows the built-in providers only through its registry.
FORBIDDEN_LAYERS = {
    "wheelnext.variants": ("wheelnext.providers", "wheelnext.detect", "wheelnext.commands"),
    "wheelnext.providers": ("wheelnext.detect", "wheelnext.commands"),
    "wheelnext.detect": ("wheelnext.commands",),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_LAYERS))
def test_lower_layers_do_not_import_upper_ones(layer: str) -> None:
    edges = layer_graph(include_function_level=True)
    assert sorted(set(FORBIDDEN_LAYERS[layer]) & reachable(edges, layer)) == []


def test_the_variant_format_imports_no_cli() -> None:
    for module in graph(include_function_level=True):
        if module.startswith("wheelnext.variants."):
            _, libraries = _imported(module)
            assert (module, sorted(libraries & FORBIDDEN_LIBRARIES)) == (module, [])


@pytest.mark.parametrize(
    "pair",
    [
        *SEPARATED_LAYERS,
        *(
            pytest.param(pair, marks=pytest.mark.xfail(strict=True, reason=reason))
            for pair, reason in KNOWN_LAYER_CYCLES.items()
        ),
    ],
    ids=lambda pair: "-".join(name.rsplit(".", 1)[-1] for name in pair),
)
def test_two_layers_do_not_import_each_other(pair: tuple[str, str]) -> None:
    edges = layer_graph(include_function_level=True)
    first, second = pair
    assert not (second in reachable(edges, first) and first in reachable(edges, second))


def test_no_other_layers_import_each_other() -> None:
    found = cycles(layer_graph(include_function_level=True))
    unknown = [
        group for group in found
        if not any(set(pair) <= set(group) for pair in KNOWN_LAYER_CYCLES)
    ]
    assert unknown == []
