"""Load a native library that another wheel installed (extension: no PEP defines it).

A consuming extension module links against the library by soname only (``-ldemo``, no rpath,
no copy inside its own wheel). Before Python imports that module, its package calls::

    from wheelnext.nativelib import load
    load("demo", abi=">=1,<2")

:func:`load` finds the distribution whose ``.dist-info/native-libraries.json`` declares
``demo`` through :mod:`importlib.metadata` (so any layout on ``sys.path`` works: a virtual
environment, a ``--target`` folder on ``PYTHONPATH``, the user site), checks the declared
ABI version against *abi*, checks that the file's ``DT_SONAME`` is the declared soname, and
opens it with ``ctypes.CDLL(path, mode=RTLD_GLOBAL)``. The dynamic loader then finds an
object with that soname already loaded when the extension module's ``DT_NEEDED`` asks for
it, and every consumer in the process binds to that one copy.

Failures are one-line :class:`LibraryNotFound` and :class:`AbiMismatch` (both
:class:`ImportError`, so ``import consumer`` fails the way a missing dependency does) rather
than the dynamic loader's "cannot open shared object file" or an undefined symbol later.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass
from importlib.metadata import Distribution, distributions
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from wheelnext.errors import InvalidMetadata, WheelnextError
from wheelnext.native_libraries import FILENAME, NativeLibrary, parse_declaration
from wheelnext.nativelib.elf import NotElf, read_dynamic_file


class NativeLibraryError(WheelnextError, ImportError):
    """A declared native library cannot be loaded; the message is one line."""


class LibraryNotFound(NativeLibraryError):
    """No installed distribution declares the library, or its file is missing."""


class AbiMismatch(NativeLibraryError):
    """The installed library's ABI version is outside what the consumer asked for."""


@dataclass(frozen=True)
class Located:
    """A declared library found on ``sys.path``."""

    library: NativeLibrary
    distribution: str
    distribution_version: str
    path: Path


_loaded: dict[str, tuple[Located, ctypes.CDLL]] = {}
_lock = threading.Lock()


def declarations(dist: Distribution) -> tuple[NativeLibrary, ...]:
    """The libraries installed distribution *dist* declares (none without the file)."""
    name = dist.metadata["Name"] or "?"
    try:
        text = dist.read_text(FILENAME)
    except (UnicodeDecodeError, OSError):
        raise InvalidMetadata(f"{name}: {FILENAME}: not readable UTF-8 text") from None
    if text is None:
        return ()
    return parse_declaration(text.encode("utf-8"), source=f"{name}: {FILENAME}")


def find(name: str, path: list[str] | None = None) -> Located:
    """The first distribution on *path* (default ``sys.path``) that declares *name*, in
    ``sys.path`` order like imports; :class:`LibraryNotFound` when none does or its file is
    gone."""
    found = distributions() if path is None else distributions(path=path)
    for dist in found:
        try:
            declared = declarations(dist)
        except WheelnextError as exc:
            raise LibraryNotFound(f"native library {name!r}: {exc}") from None
        for library in declared:
            if library.name != name:
                continue
            dist_name = dist.metadata["Name"] or "?"
            file = Path(str(dist.locate_file(library.path)))
            if not file.is_file():
                raise LibraryNotFound(
                    f"native library {name!r}: {dist_name} {dist.version} declares "
                    f"{library.path!r} but {file} is missing; reinstall {dist_name}")
            return Located(library, dist_name, dist.version, file)
    raise LibraryNotFound(
        f"native library {name!r}: no installed distribution declares it in {FILENAME}; "
        "install the wheel that provides it")


def load(name: str, *, abi: str | None = None, path: list[str] | None = None,
         global_scope: bool = True) -> ctypes.CDLL:
    """Find, check and load the native library *name* once per process.

    With *global_scope* (the default) the library is opened ``RTLD_GLOBAL``, so even a
    consumer without a ``DT_NEEDED`` entry for it (undefined symbols left to the process)
    binds to it; ``False`` opens it ``RTLD_LOCAL``, as WheelNext's ``native_lib_loader`` does,
    which keeps its symbols out of the process-wide scope and still serves consumers that
    name its soname in ``DT_NEEDED`` (glibc matches a loaded object's soname whatever its
    scope). The first load in a process decides the scope.

    *abi* is a PEP 440 specifier on the declared ``abi-version`` (``">=1,<2"``); the
    consumer's ``Requires-Dist`` on the library wheel says the same to resolvers, and this
    check catches the installs that bypass resolution (``--no-deps``, a stale ``--target``).
    """
    try:
        wanted = SpecifierSet(abi or "")
    except InvalidSpecifier:
        raise ValueError(f"abi: {abi!r} is not a version specifier") from None
    with _lock:
        cached = _loaded.get(name)
        if cached is not None:
            located, handle = cached
        else:
            located = find(name, path)
            handle = None
        version = located.library.abi_version
        if not wanted.contains(version, prereleases=True):
            raise AbiMismatch(
                f"native library {name!r}: {located.distribution} {located.distribution_version} "
                f"provides ABI version {version}, but {abi} is needed")
        if handle is None:
            handle = _open(located, global_scope)
            _loaded[name] = (located, handle)
        return handle


def _open(located: Located, global_scope: bool) -> ctypes.CDLL:
    library = located.library
    try:
        soname = read_dynamic_file(located.path).soname
    except NotElf as exc:
        raise LibraryNotFound(f"native library {library.name!r}: {located.path}: {exc}") from None
    if soname != library.soname:
        raise LibraryNotFound(
            f"native library {library.name!r}: {located.path} has soname {soname!r}, "
            f"but {located.distribution} declares {library.soname!r}")
    try:
        mode = ctypes.RTLD_GLOBAL if global_scope else ctypes.RTLD_LOCAL
        return ctypes.CDLL(os.fspath(located.path), mode=mode)
    except OSError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LibraryNotFound(f"native library {library.name!r}: {reason}") from None


def loaded() -> dict[str, Located]:
    """The libraries :func:`load` has opened in this process, by name."""
    with _lock:
        return {name: located for name, (located, _) in _loaded.items()}
