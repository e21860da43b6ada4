"""The harness's one-line errors: a runner that cannot be used, a saved record that is malformed.

They stand apart from :mod:`wheelnext.conformance.runners` so that the image builder
(which the docker runner imports) can raise :class:`RunnerError` without importing the runners.
"""

from __future__ import annotations

from wheelnext.errors import WheelnextError

__all__ = ["RecordError", "RunnerError"]


class RunnerError(WheelnextError):
    """A runner cannot be used here (no docker engine, no such interpreter...)."""


class RecordError(WheelnextError):
    """A saved result (a record of ``run --json``) is malformed; the message names the field."""
