"""Expected-failure lists: one TOML file per adapter configuration, strict.

.. code-block:: toml

   installer = "pip"          # the column it applies to (optional: any)
   [expected-failures]
   pep766-no-surprise-update = "pip merges indexes (version priority)"

A listed scenario that fails is an *expected failure*; one that passes is an
*unexpected pass*, reported and counted like an unexpected failure, so the
lists never rot. Annotations never change what was observed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wheelnext.conformance.check import Result, Status
from wheelnext.errors import WheelnextError

EXPECTED_FAILURE = "expected failure"
UNEXPECTED_PASS = "unexpected pass"


class XfailError(WheelnextError):
    """An expected-failure list is malformed."""


@dataclass(frozen=True)
class XfailList:
    """The expected failures of one installer configuration (or of any)."""

    installer: str | None
    reasons: Mapping[str, str]
    path: Path


def load_xfail(path: Path) -> XfailList:
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise XfailError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"installer", "expected-failures"})
    if unknown:
        raise XfailError(f"{path}: unknown key {unknown[0]!r}")
    installer = data.get("installer")
    if installer is not None and not isinstance(installer, str):
        raise XfailError(f"{path}: installer must be a string")
    reasons = data.get("expected-failures", {})
    if not isinstance(reasons, dict) or not all(isinstance(v, str) for v in reasons.values()):
        raise XfailError(f"{path}: [expected-failures] maps scenario ids to reasons")
    return XfailList(installer, dict(reasons), path)


def annotate(results: Iterable[Result], lists: Sequence[XfailList]) -> list[Result]:
    """Mark expected failures and unexpected passes."""
    annotated = []
    for result in results:
        listed = any(
            result.scenario.id in x.reasons and x.installer in (None, result.installer)
            for x in lists
        )
        if listed and result.status is Status.FAIL:
            result = replace(result, annotation=EXPECTED_FAILURE)
        elif listed and result.status is Status.PASS:
            result = replace(result, annotation=UNEXPECTED_PASS)
        annotated.append(result)
    return annotated


def exit_status(results: Iterable[Result]) -> int:
    """DESIGN.md: 0 nothing failed unexpectedly, 1 an unexpected fail or pass, 3 a harness error."""
    results = list(results)
    if any(r.status is Status.ERROR for r in results):
        return 3
    for r in results:
        if r.status is Status.FAIL and r.annotation != EXPECTED_FAILURE:
            return 1
        if r.annotation == UNEXPECTED_PASS:
            return 1
    return 0
