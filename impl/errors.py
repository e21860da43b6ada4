"""The error every user-caused failure raises.

Like ``packaging``'s exceptions these subclass :class:`ValueError` and carry a
message that names the invalid input (file, field or argument). The CLI turns
any of them into one line on stderr and exit status 2.
"""

from __future__ import annotations


class WheelnextError(ValueError):
    """Bad input: the message says which file, field or argument, and why."""


class InvalidFilename(WheelnextError):
    """A distribution filename does not follow its specification."""


class InvalidMetadata(WheelnextError):
    """Core metadata, ``WHEEL`` or another metadata file breaks its specification."""


class UnsafeArtifact(WheelnextError):
    """An archive would write outside its target, or lies about its contents."""
