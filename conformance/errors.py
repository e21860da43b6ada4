"""The error a runner or its container image raises when it cannot be used here.

It stands apart from :mod:`wheelnext.conformance.runners` so that the image builder
(which the docker runner imports) can raise it without importing the runners.
"""

from __future__ import annotations

from wheelnext.errors import WheelnextError

__all__ = ["RunnerError"]


class RunnerError(WheelnextError):
    """A runner cannot be used here (no docker engine, no such interpreter...)."""
