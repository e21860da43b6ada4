"""The worked example of an ahead-of-time provider: ``blas_lapack``.

PEP 817 "Install-time and Ahead-of-Time providers": an AoT plugin "must always
consider all valid variant properties supported, and it must always return the
same ordered list of supported properties irrespective of the user system".
Build backends copy its output into ``static-properties``; installers never run it.
"""

from __future__ import annotations

from typing import ClassVar

from wheelnext.providers.configs import VariantFeatureConfig

NAMESPACE = "blas_lapack"

#: BLAS / LAPACK libraries, most preferred first (the order of PEP 817's example).
PROVIDERS: tuple[str, ...] = ("accelerate", "openblas", "mkl", "blis", "reference")


class BlasLapackPlugin:
    """PEP 817 AoT plugin: the same list everywhere, ``is_aot_plugin = True``."""

    namespace: ClassVar[str] = NAMESPACE
    is_aot_plugin: ClassVar[bool] = True

    @classmethod
    def get_all_configs(cls) -> list[VariantFeatureConfig]:
        """All library names."""
        return [VariantFeatureConfig("provider", list(PROVIDERS))]

    @classmethod
    def get_supported_configs(cls) -> list[VariantFeatureConfig]:
        """Identical to :meth:`get_all_configs`, as the PEP requires of AoT plugins."""
        return cls.get_all_configs()


def static_properties() -> dict[str, dict[str, list[str]]]:
    """The ``static-properties`` entry a build backend embeds for this provider."""
    return {NAMESPACE: {c.name: list(c.values) for c in BlasLapackPlugin.get_all_configs()}}
