"""Differential mode: installers side by side, no expectations, only differences.

For behaviour the PEPs leave open, the question is not "is it right?" but
"do they agree?". Each scenario's observation is reduced to what an installer
decided: the exit status, what got installed (version and variant), and which
indexes it asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wheelnext.conformance.record import Record


def decision(r: Record) -> str:
    """A one-line summary of what an installer decided, comparable across installers."""
    if r.status in ("unsupported", "not applicable", "error") or r.observed is None:
        return str(r.status)
    observed = r.observed
    if observed.timed_out:
        return "timed out"
    status = "ok" if observed.exit_code == 0 else "failed"
    installed = ", ".join(
        f"{name} {d.version}" + (f" [{d.variant}]" if d.variant else "")
        for name, d in sorted(observed.installed.items())
    )
    asked = sorted({req.index for req in observed.requests})
    return f"{status}: {installed or 'nothing'} (asked {', '.join(asked) or 'none'})"


def differences(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Scenarios where the installers' decisions differ, with each one's decision."""
    by_scenario: dict[str, dict[str, str]] = {}
    for r in records:
        label = f"{r.installer} {r.installer_version} py{r.python}"
        by_scenario.setdefault(r.scenario, {})[label] = decision(r)
    return [
        {"scenario": sid, "decisions": decisions}
        for sid, decisions in sorted(by_scenario.items())
        if len(set(decisions.values())) > 1
    ]
