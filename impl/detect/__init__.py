"""Built-in install-time providers (PEP 817 "Installers MAY vendor or reimplement
specific providers"): each is a plugin with the same API third parties implement.

:data:`BUILTINS` maps a namespace to its plugin's API endpoint; :data:`REPLACES`
names the provider packages each built-in stands in for when metadata asks for them;
:data:`AHEAD_OF_TIME` the namespaces whose plugin is an AoT plugin (PEP 817
``install-time = false``). Importing this package registers them all with the
plugin host (:mod:`wheelnext.providers.builtin`), which knows them only through
that registry and the plugin API.
"""

from __future__ import annotations

from wheelnext.providers.builtin import BuiltinProvider, register

BUILTINS: dict[str, str] = {
    "x86_64": "wheelnext.detect.x86_64:X86_64Plugin",
    "aarch64": "wheelnext.detect.aarch64:AArch64Plugin",
    "nvidia": "wheelnext.detect.nvidia:NvidiaPlugin",
    "amd": "wheelnext.detect.amd:AmdPlugin",
    "blas_lapack": "wheelnext.detect.blas_lapack:BlasLapackPlugin",
}

#: Normalized provider package names a built-in reimplements, per namespace.
REPLACES: dict[str, frozenset[str]] = {
    "x86_64": frozenset({"provider-variant-x86-64", "wheelnext"}),
    "aarch64": frozenset(
        {"provider-variant-aarch64", "legacy-provider-variant-aarch64", "wheelnext"}
    ),
    "nvidia": frozenset({"nvidia-variant-provider", "wheelnext"}),
    "amd": frozenset({"amd-variant-provider", "wheelnext"}),
    "blas_lapack": frozenset({"blas-lapack-variant-provider", "wheelnext"}),
}

#: Namespaces whose plugin sets ``is_aot_plugin``: their properties are static.
AHEAD_OF_TIME: frozenset[str] = frozenset({"blas_lapack"})

register(*(
    BuiltinProvider(ns, endpoint, REPLACES[ns], install_time=ns not in AHEAD_OF_TIME)
    for ns, endpoint in BUILTINS.items()
))
