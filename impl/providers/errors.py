"""Errors of the provider plugin machinery; all are one-line :class:`WheelnextError`\\ s."""

from __future__ import annotations

from wheelnext.errors import WheelnextError


class ProviderError(WheelnextError):
    """A provider could not be loaded, installed or run, or answered nonsense."""


class PluginConflict(ProviderError):
    """PEP 817: "more than one plugin for the same namespace ... MUST result in a fatal error"."""


class UntrustedProvider(ProviderError):
    """A provider package is not on the user's allow-list, so it is neither installed nor run."""


class ProviderTimeout(ProviderError):
    """A provider plugin did not answer within its time limit."""


class InvalidOverrides(WheelnextError):
    """User-provided variant properties (file or environment variable) cannot be read."""
