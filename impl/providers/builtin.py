"""The registry of built-in providers: plugins shipped with the installer, not installed.

PEP 817 "Providers": "Installers MAY vendor or reimplement specific providers."
The host names no built-in itself: a package of built-in plugins (ours is
``wheelnext.detect``) registers each one when it is imported, with what
variant metadata would say of a provider package (namespace, ``plugin-api``
endpoint, ``install-time``) and the provider packages it stands in for. The
host then loads and queries it through the PEP 817 plugin API alone, like any
other plugin. A caller that wants the built-ins imports the package that
registers them.
"""

from __future__ import annotations

from wheelnext.providers.errors import PluginConflict
from wheelnext.variants.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class BuiltinProvider(Record):
    """One built-in plugin: its namespace, its API endpoint, the normalized names of the
    provider packages it reimplements, and whether it is an install-time provider
    (``False``: an ahead-of-time one, whose plugin sets ``is_aot_plugin``)."""

    _fields = __match_args__ = ("namespace", "endpoint", "replaces", "install_time")
    namespace: str
    endpoint: str
    replaces: frozenset[str]
    install_time: bool

    def __init__(
        self, namespace: str, endpoint: str, replaces: Iterable[str], install_time: bool = True
    ) -> None:
        self._init(
            namespace=namespace, endpoint=endpoint, replaces=frozenset(replaces),
            install_time=install_time,
        )


_REGISTERED: dict[str, BuiltinProvider] = {}


def register(*providers: BuiltinProvider) -> None:
    """Make *providers* known to the host, in order; registering one again changes nothing.

    PEP 817 "High level design": "Attempting to load more than one plugin for the
    same namespace in the same release version MUST result in a fatal error", so a
    second, different built-in for a namespace is a :class:`PluginConflict`.
    """
    for provider in providers:
        known = _REGISTERED.get(provider.namespace)
        if known is not None and known != provider:
            raise PluginConflict(
                f"namespace {provider.namespace!r}: two built-in plugins,"
                f" {known.endpoint} and {provider.endpoint}"
            )
        _REGISTERED[provider.namespace] = provider


def registered() -> Mapping[str, BuiltinProvider]:
    """The registered built-ins by namespace, in the order they were registered."""
    return dict(_REGISTERED)
