"""Upstream names of vendored libraries (extension: no PEP covers native libraries).

auditwheel copies each external library into ``{project}.libs/`` and renames it so two
wheels' copies never clash in one process: the part of the name before the first dot gets
``-`` and the first eight hex digits of the file's hash (``libgfortran.so.5.0.0`` becomes
``libgfortran-040039e1.so.5.0.0``), and the copy's ``DT_SONAME`` is set to that new name.
A library repaired twice (scipy-openblas' copy of libgfortran, repaired again inside
numpy's wheel) carries two such suffixes. :func:`upstream_name` takes them all off.
"""

from __future__ import annotations

import re

_HASH_SUFFIX = re.compile(r"-[0-9a-f]{8}$")
#: Python extension modules: importable, never a library another object links against.
_EXTENSION_MODULE = re.compile(r"\.(?:cpython-[^./]+|pypy[^./]*|abi3)\.so$")
_SHARED_OBJECT = re.compile(r"\.so(?:\.[0-9]+)*$")
#: Prefixes and suffixes that name a build of an upstream library rather than another
#: library: scipy's OpenBLAS wheels (``scipy_openblas``, ``scipy_openblas64_``) and the
#: ILP64 builds' symbol suffix ``64_``.
_BUILD_PREFIXES = ("scipy_",)
_BUILD_SUFFIXES = ("64_", "_64")


def upstream_name(name: str) -> str:
    """*name* without auditwheel's hash suffixes: ``libgfortran-040039e1-0352e75f.so.5.0.0``
    gives ``libgfortran.so.5.0.0``; a name without them is returned unchanged."""
    base, dot, rest = name.partition(".")
    while _HASH_SUFFIX.search(base):
        base = base[:-9]
    return base + dot + rest


def is_mangled(name: str) -> bool:
    """Whether auditwheel renamed *name* (see :func:`upstream_name`)."""
    return upstream_name(name) != name


def looks_like_shared_object(name: str) -> bool:
    """Whether a file name is a shared library's (``.so`` or ``.so.N...``) and not an
    extension module's."""
    return bool(_SHARED_OBJECT.search(name)) and not _EXTENSION_MODULE.search(name)


def stem(name: str) -> str:
    """The library part of a file name or soname: ``libgfortran.so.5.0.0`` -> ``gfortran``."""
    base = upstream_name(name).partition(".so")[0]
    return base[3:] if base.startswith("lib") else base


def version(name: str) -> str | None:
    """The version a soname carries after ``.so.`` (``5.0.0``), or None."""
    _, sep, rest = upstream_name(name).partition(".so.")
    return rest if sep and rest else None


def soname_key(name: str) -> str:
    """The upstream soname as the ELF convention writes it, ``lib{name}.so.{major}``:
    auditwheel names its copy after the file it copied (``libgomp.so.1.0.0``), not after the
    soname (``libgomp.so.1``), so its full version is cut to the major part here."""
    major = (version(name) or "").partition(".")[0]
    base = upstream_name(name).partition(".so")[0]
    return f"{base}.so.{major}" if major else f"{base}.so"


def family(name: str) -> str:
    """The upstream library a build belongs to: ``libscipy_openblas64_.so`` (ILP64) and
    ``libscipy_openblas.so`` (LP64) are both ``openblas``."""
    base = stem(name).lower()
    for prefix in _BUILD_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix):
            base = base[len(prefix):]
    for suffix in _BUILD_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
    return base
