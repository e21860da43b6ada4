"""The PEP 817 provider plugin API: loading, trust, isolated execution, caching, overrides.

Submodules are imported on use so the selection path stays lean: ``protocol``
(the plugin and feature-config protocols), ``metadata`` (a ``providers`` entry),
``builtin`` (the registry built-in providers plug into: the host names none),
``loading`` (endpoints, entry points, built-ins), ``trust`` (the allow-list),
``isolated`` (installing and running a third-party plugin), ``cache``,
``overrides`` (user-provided properties) and ``query`` (all of it together).
"""
