"""The reference installer: a library API, and the ``install``/``lock`` commands that call it.

* :func:`install` and :func:`lock` (:mod:`wheelnext.install.api`): resolve and install, or
  write ``pylock.toml``, with an :class:`InstallContext` (:func:`open_context`) or the few
  values to build one;
* :data:`DEFAULT_RULES` (:mod:`wheelnext.install.rules`): the named rules that choose files,
  in the order they apply; pass another tuple (``rules=without("yanked")``) to change them.

The names are imported on first use (PEP 562 ``__getattr__``): the wheel installer's own
modules (``wheelnext.install.wheelfile`` and friends, used by ``wheelnext wheel install``)
live in this package too, and importing one of them must not import the resolver, the HTTP
client and resolvelib (about 20 ms more, best of nine runs of ``python -c``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wheelnext.install.api import Locked, install, lock
    from wheelnext.install.context import InstallContext, open_context
    from wheelnext.install.options import IndexOptions, ResolveOptions
    from wheelnext.install.rules import DEFAULT_RULES, Rule, without

_WHERE = {
    "install": "api",
    "lock": "api",
    "Locked": "api",
    "InstallContext": "context",
    "open_context": "context",
    "IndexOptions": "options",
    "ResolveOptions": "options",
    "DEFAULT_RULES": "rules",
    "Rule": "rules",
    "without": "rules",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "DEFAULT_RULES",
    "IndexOptions",
    "InstallContext",
    "Locked",
    "ResolveOptions",
    "Rule",
    "install",
    "lock",
    "open_context",
    "without",
]
