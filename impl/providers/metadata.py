"""One ``providers.{namespace}`` entry of variant metadata (PEP 817 "Provider information")."""

from __future__ import annotations

import re

from wheelnext.providers.errors import ProviderError
from wheelnext.variants.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: PEP 817 "API endpoint": ``{import_path}(:{object_path})?`` (entry-point object reference).
ENDPOINT_RE = re.compile(r"^\s*([\w.]+)\s*(?::\s*([\w.]+)\s*)?$")
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical_name(name: str) -> str:
    """PEP 503 normalization (kept here to avoid importing ``packaging`` on the hot path)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class ProviderInfo(Record):
    """PEP 817 provider information; defaults are the PEP's."""

    _fields = __match_args__ = (
        "namespace", "enable_if", "install_time", "optional", "plugin_api", "requires"
    )
    namespace: str
    enable_if: str | None
    install_time: bool
    optional: bool
    plugin_api: str | None
    requires: tuple[str, ...]

    def __init__(
        self,
        namespace: str,
        enable_if: str | None = None,
        install_time: bool = True,
        optional: bool = False,
        plugin_api: str | None = None,
        requires: tuple[str, ...] = (),
    ) -> None:
        self._init(
            namespace=namespace, enable_if=enable_if, install_time=install_time,
            optional=optional, plugin_api=plugin_api, requires=requires,
        )

    @classmethod
    def from_mapping(cls, namespace: str, data: Mapping[str, Any]) -> ProviderInfo:
        """Read a metadata dict; unknown keys are ignored as PEP 817 requires."""
        def typed(key: str, kind: type, default: Any) -> Any:
            value = data.get(key, default)
            if value is not None and not isinstance(value, kind):
                raise ProviderError(
                    f"providers.{namespace}.{key}: expected {kind.__name__}, got {value!r}"
                )
            return value

        requires = typed("requires", list, [])
        if not all(isinstance(item, str) for item in requires):
            raise ProviderError(f"providers.{namespace}.requires: expected a list of strings")
        return cls(
            namespace=namespace,
            enable_if=typed("enable-if", str, None),
            install_time=typed("install-time", bool, True),
            optional=typed("optional", bool, False),
            plugin_api=typed("plugin-api", str, None),
            requires=tuple(requires),
        )

    def requirement_names(self) -> list[str]:
        """Normalized project names of ``requires``, in order."""
        names = []
        for requirement in self.requires:
            match = _NAME_RE.match(requirement)
            if match:
                names.append(canonical_name(match.group(1)))
        return names

    def endpoint(self) -> str:
        """The API endpoint: ``plugin-api``, else inferred from the first requirement.

        PEP 817: "If it is missing, the package name from the first dependency
        specifier in ``requires`` is used, after replacing all ``-`` characters
        with ``_`` in the normalized package name." Requirements whose markers are
        false here are skipped first, as the PEP's "after filtering" says.
        """
        if self.plugin_api is not None:
            parse_endpoint(self.plugin_api)
            return self.plugin_api.strip()
        for requirement in self.requires:
            _, _, marker = requirement.partition(";")
            if marker.strip():
                from packaging.markers import Marker

                if not Marker(marker.strip()).evaluate():
                    continue
            match = _NAME_RE.match(requirement)
            if match:
                return canonical_name(match.group(1)).replace("-", "_")
        raise ProviderError(
            f"providers.{self.namespace}: neither plugin-api nor a usable requires entry"
        )


def parse_endpoint(reference: str) -> tuple[str, str]:
    """Split ``module.path:Object.attr`` into its two halves (the second may be empty)."""
    match = ENDPOINT_RE.match(reference)
    if not match:
        raise ProviderError(f"plugin-api {reference!r}: not an object reference 'module:object'")
    return match.group(1), match.group(2) or ""
