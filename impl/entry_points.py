"""The scripts an ``entry_points.txt`` asks for, each name and object reference checked.

Entry points specification, "File format": the file is INI-style; "Within a section, each
entry point is a line like ``name = module:attr``"; the name "may contain any characters
except ``=``, but it cannot start or end with any whitespace character, or start with
``[``"; the object reference is ``importable.module`` or ``importable.module:object.attr``.
A console script's name also becomes a file name in the scripts folder, so here it must be
one plain file name (no ``/``, ``\\``, ``.``, ``..``, NUL), and the reference must name an
attribute to call (``installer`` asserts on both; an assertion is a traceback, not a message).
"""

from __future__ import annotations

import configparser
import re
from typing import Literal

from wheelnext.errors import InvalidMetadata

_REFERENCE = re.compile(
    r"^(?P<module>[\w.]+)\s*:\s*(?P<attrs>[\w.]+)\s*(?:\[[^\]]*\])?\s*$", re.ASCII)
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$", re.ASCII)
Kind = Literal["console", "gui"]
_SECTIONS: dict[str, Kind] = {"console_scripts": "console", "gui_scripts": "gui"}


def _check_name(name: str, source: str) -> None:
    if (not name or name != name.strip() or name.startswith("[") or name in (".", "..")
            or any(bad in name for bad in "/\\\0=")):
        raise InvalidMetadata(f"{source}: script name {name!r} is not a plain file name")


def _check_dotted(value: str, what: str, name: str, source: str) -> None:
    if not all(_IDENTIFIER.match(part) for part in value.split(".")):
        raise InvalidMetadata(f"{source}: script {name!r}: {what} {value!r} is not dotted "
                              "identifiers")


def scripts_of(text: str, *, source: str) -> list[tuple[str, str, str, Kind]]:
    """``(name, module, attr, "console" | "gui")`` for every script entry point in *text*."""
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidMetadata(f"{source}: malformed ({first})") from None
    scripts = []
    for section, kind in _SECTIONS.items():
        if not parser.has_section(section):
            continue
        for name, value in parser.items(section, raw=True):
            _check_name(name, source)
            match = _REFERENCE.match(value)
            if match is None:
                raise InvalidMetadata(f"{source}: script {name!r}: {value!r} is not "
                                      "'module:attr'")
            _check_dotted(match["module"], "module", name, source)
            _check_dotted(match["attrs"], "attribute", name, source)
            scripts.append((name, match["module"], match["attrs"], kind))
    return scripts


__all__ = ["scripts_of"]
