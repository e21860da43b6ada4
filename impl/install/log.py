"""The installer's logger: ``install`` and ``lock`` attach their stderr handler to it.

PEP 766's "debugging output that provides insight into which index is being considered" is
logged by :mod:`wheelnext.index_priority` on a child of this logger, so it reaches the same
handler without that module importing the installer.
"""

from __future__ import annotations

import logging

LOG = logging.getLogger("wheelnext.install")

__all__ = ["LOG"]
