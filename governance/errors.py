"""Errors a returns officer can cause: bad ballot files, options or audit logs."""

from __future__ import annotations

from wheelnext.errors import WheelnextError


class GovernanceError(WheelnextError):
    """Bad governance input; the message names the file, field or argument."""


class InvalidBallots(GovernanceError):
    """A ballot file cannot be read at all (individual bad ballots are rejected, not raised)."""


class AuditMismatch(GovernanceError):
    """An audit log does not match its inputs or its recomputed result."""
