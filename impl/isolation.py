"""Shielding an installer process from the host's configuration.

User machines carry pip and uv configuration (extra indexes, find-links,
constraints) that would silently change what an installer under test sees.
:func:`scrubbed_environ` builds an environment with none of it: no
``PIP_*``, ``UV_*`` or ``PYTHON*`` variables, configuration files pointed at
nothing, and a private HOME, XDG tree, cache and temp root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: The only variables inherited from the parent, when present: enough to run a
#: program, and none of ``PIP_*``, ``UV_*``, ``PYTHON*`` or ``VIRTUAL_ENV``.
KEPT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "SYSTEMROOT", "SSL_CERT_FILE")


def scrubbed_environ(
    home: Path,
    *,
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return an environment for an installer that reads no host configuration.

    *home* becomes HOME and holds the XDG directories, the caches and TMPDIR;
    it is created if missing. *extra* is applied last.
    """
    source = os.environ if base is None else base
    env = {key: source[key] for key in KEPT if key in source}
    home = Path(home)
    dirs = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "TMPDIR": home / "tmp",
        "PIP_CACHE_DIR": home / ".cache" / "pip",
        "UV_CACHE_DIR": home / ".cache" / "uv",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env.update({key: str(path) for key, path in dirs.items()})
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "UV_NO_CONFIG": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
        }
    )
    if extra:
        env.update(extra)
    return env
