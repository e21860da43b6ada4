"""The spec core stands alone: no command line, no terminal, no server, no harness.

The modules that implement the specifications' formats (file names, metadata, links,
``Wheel-Version``, default extras, index priority, the variant formats) are what other
tools reuse; they must import, directly or through other ``wheelnext`` modules and at
module level or inside functions, neither click nor rich (the CLI), neither starlette
nor uvicorn (the index server), nor ``wheelnext.conformance`` (the harness).

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
    "wheelnext.variants.markers",
    "wheelnext.variants.models",
    "wheelnext.variants.ordering",
    "wheelnext.variants.properties",
    "wheelnext.variants.pylock",
    "wheelnext.variants.pyproject",
    "wheelnext.variants.records",
    "wheelnext.variants.schema",
)
FORBIDDEN_LIBRARIES = frozenset({"click", "rich", "starlette", "uvicorn"})
FORBIDDEN_PACKAGE = "wheelnext.conformance"


def _imported(module: str) -> tuple[set[str], set[str]]:
    """The wheelnext modules *module* loads and the outside libraries they import."""
    inside = reachable(graph(include_function_level=True), module)
    outside = external_imports(include_function_level=True)
    return inside, {head for name in inside for head in outside[name]}


@pytest.mark.parametrize("module", SPEC_CORE)
def test_spec_core_imports_no_cli_server_or_harness(module: str) -> None:
    inside, libraries = _imported(module)
    assert sorted(libraries & FORBIDDEN_LIBRARIES) == []
    assert sorted(n for n in inside if n.startswith(FORBIDDEN_PACKAGE)) == []


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
