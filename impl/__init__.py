"""wheelnext: reference implementations of the WheelNext packaging proposals.

Each module implements one concept of one specification; see DESIGN.md for
the map. Importing this package is cheap: nothing heavy loads until used.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wheelnext")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0"

__all__ = ["__version__"]
