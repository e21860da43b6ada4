"""wheelnext: reference implementations of the WheelNext packaging proposals.

Each module implements one concept of one specification; docs/design.rst
("Layout") has the map. Importing this package is cheap: ``__version__`` is looked up only
when asked for, because ``importlib.metadata`` alone costs more than a
variant selection (the selection path must stay lean).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("wheelnext")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            return "0.0.0"
    raise AttributeError(f"module 'wheelnext' has no attribute {name!r}")
