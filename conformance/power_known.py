"""What the power measurement knows beforehand: ``power_exceptions.toml``, read once.

The killers of rules that implement no traced requirement, the known holes (a knockout no
tracing scenario kills) with why, the requirement ids a killed rule names that none of its
killers traces to (``[unkilled]``) with why, and the installer-side requirement ids that no
rule names with why no knockout of their own exists.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wheelnext.errors import WheelnextError

#: The checked-in file, beside this module.
EXCEPTIONS = Path(__file__).parent / "power_exceptions.toml"


@dataclass(frozen=True)
class Known:
    """The contents of ``power_exceptions.toml``."""

    #: Rule name -> the scenarios that kill its knockout (rules without requirement ids).
    killers: dict[str, tuple[str, ...]]
    #: Rule name -> why no tracing scenario kills its knockout.
    holes: dict[str, str]
    #: Requirement id -> why no rule names it.
    unseparated: dict[str, str]
    #: Requirement id named by a killed rule -> why no scenario tracing to it kills the rule.
    unkilled: dict[str, str]


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise WheelnextError(f"{EXCEPTIONS.name}: {where} must be a list of strings")
    return tuple(value)


def parse(text: str) -> Known:
    """Parse the file's text; a malformed entry is an error naming it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WheelnextError(f"{EXCEPTIONS.name}: {exc}") from None
    if data.get("format") != 1:
        raise WheelnextError(f"{EXCEPTIONS.name}: format must be 1")
    killers = {rule: _strings(ids, f"killers.{rule}")
               for rule, ids in (data.get("killers") or {}).items()}
    holes = dict(data.get("holes") or {})
    if not all(isinstance(reason, str) and reason for reason in holes.values()):
        raise WheelnextError(f"{EXCEPTIONS.name}: every holes entry needs a reason")
    unseparated: dict[str, str] = {}
    for number, entry in enumerate(data.get("unseparated") or [], 1):
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason:
            raise WheelnextError(f"{EXCEPTIONS.name}: unseparated entry {number} needs a reason")
        for requirement in _strings(entry.get("ids"), f"unseparated entry {number} ids"):
            if requirement in unseparated:
                raise WheelnextError(f"{EXCEPTIONS.name}: {requirement} is listed twice")
            unseparated[requirement] = reason
    unkilled = dict(data.get("unkilled") or {})
    if not all(isinstance(reason, str) and reason for reason in unkilled.values()):
        raise WheelnextError(f"{EXCEPTIONS.name}: every unkilled entry needs a reason")
    return Known(killers, holes, unseparated, unkilled)


@cache
def known() -> Known:
    """The checked-in exceptions."""
    return parse(EXCEPTIONS.read_text(encoding="utf-8"))


__all__ = ["EXCEPTIONS", "Known", "known", "parse"]
