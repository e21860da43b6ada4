"""Native libraries shared between wheels (extension: no PEP defines this; see
``docs/components/nativelib.rst`` and ``docs/spec-notes/nativelib-sharing.rst``).

:func:`load` is the reference loader; :mod:`~wheelnext.nativelib.audit` measures what
vendoring the same library in several wheels costs. Importing this package imports only
the loader's own needs (``ctypes``, ``packaging``, ``importlib.metadata``, pyelftools).
"""

from __future__ import annotations

from wheelnext.native_libraries import FILENAME, NativeLibrary, parse_declaration
from wheelnext.nativelib.loader import (
    AbiMismatch,
    LibraryNotFound,
    NativeLibraryError,
    find,
    load,
    loaded,
)

__all__ = [
    "FILENAME",
    "AbiMismatch",
    "LibraryNotFound",
    "NativeLibrary",
    "NativeLibraryError",
    "find",
    "load",
    "loaded",
    "parse_declaration",
]
