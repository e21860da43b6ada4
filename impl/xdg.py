"""The user's cache folder, as the XDG Base Directory Specification names it.

"$XDG_CACHE_HOME defines the base directory relative to which user-specific non-essential
data files should be stored. If $XDG_CACHE_HOME is either not set or empty, a default equal
to $HOME/.cache should be used."
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["cache_home"]


def cache_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME``, or ``~/.cache`` when it is unset or empty."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
