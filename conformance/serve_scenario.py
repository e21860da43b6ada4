"""``conformance serve``: one scenario's indexes, materialized and served on loopback.

The same packages and the same index behaviour (an index that answers an
error, one that refuses connections) that a run gives the installer, served by
wheelnext's reference index for as long as the caller holds it, so that a
tool's author can point their tool at it by hand, under a debugger.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from wheelnext.conformance.index_targets import ServedIndexes, serve
from wheelnext.conformance.materialize import Materialized, materialize
from wheelnext.conformance.runners.refused import refused_url
from wheelnext.conformance.scenario import Scenario


@dataclass(frozen=True)
class Served:
    """A served scenario: the simple URL of each of its indexes, the live server, its files."""

    urls: Mapping[str, str]
    server: ServedIndexes
    built: Materialized


@contextlib.contextmanager
def serving(scenario: Scenario, cache: Path) -> Iterator[Served]:
    """Build *scenario*'s packages (or find them in *cache*) and serve them until the block ends."""
    built = materialize(scenario, cache)
    refused = {i.name for i in scenario.indexes if i.refused}
    roots = {name: root for name, root in built.roots.items() if name not in refused}
    failures: dict[str | None, int] = {
        i.name: i.error for i in scenario.indexes if i.error is not None
    }
    with serve("reference", roots, failures) as server:
        urls = {
            i.name: refused_url(i.name) if i.name in refused else server.index_url(i.name)
            for i in scenario.indexes
        }
        yield Served(urls, server, built)
