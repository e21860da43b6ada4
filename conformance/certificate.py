"""Certificates: a run's results per requirement, tied to the exact scenario set.

The trust model is reproducibility, not signatures: the certificate names the
suite version, the hash of the scenario set, the installer and the runner, and
``wheelnext conformance verify CERT --rerun`` runs it again and compares every
result. Its ``digest`` (SHA-256 of the rest) detects accidental edits only:
anyone who edits a result can recompute it, so only a rerun shows that the
results are real.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from wheelnext import __version__, inputs
from wheelnext.conformance.record import DEFAULT_PERSONALITY, Record
from wheelnext.conformance.report import write_atomic
from wheelnext.errors import WheelnextError

#: The order in which a requirement takes the worst status of its scenarios.
SEVERITY = ("error", "fail", "warn", "unsupported", "not applicable", "pass")

#: What a certificate says was reached (``level``), strongest first.
ALL_MET = "all MUSTs and SHOULDs met"
MUSTS_MET = "all MUSTs met"
MUSTS_NOT_MET = "not all MUSTs met"
#: Levels that count as a MUST: the RFC 2119 keywords and the plain-word rules of PEPs 766, 771.
MUST_LEVELS = frozenset({"MUST", "MUST NOT", "rule"})
WEAK_LEVELS = frozenset({"SHOULD", "SHOULD NOT", "MAY"})


class CertificateError(WheelnextError):
    """A certificate file cannot be read or does not match."""


def _effective(r: Record) -> str:
    """The observed status: an expected-failure list annotates it, never changes it."""
    return str(r.status)


def level_reached(records: Iterable[Record]) -> dict[str, Any]:
    """The strongest level whose every applicable scenario passed, and what stands in the way.

    A requirement that is unsupported (the installer has no way to express
    it), failed, warned or erred is not met; a scenario that does not apply
    counts for nothing, and an ``extension`` is not conformance.
    """
    open_: dict[str, list[str]] = {"MUST": [], "SHOULD": []}
    for r in records:
        level, status = r.spec.level, str(r.status)
        if status in ("pass", "not applicable"):
            continue
        key = f"{r.scenario}@py{r.python}: {status}"
        if level in MUST_LEVELS:
            open_["MUST"].append(key)
        elif level in WEAK_LEVELS:
            open_["SHOULD"].append(key)
    if open_["MUST"]:
        reached = MUSTS_NOT_MET
    elif open_["SHOULD"]:
        reached = MUSTS_MET
    else:
        reached = ALL_MET
    return {
        "level": reached,
        "musts_not_met": sorted(open_["MUST"]),
        "shoulds_not_met": sorted(open_["SHOULD"]),
    }


def certificate(records: Sequence[Record], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The certificate of one installer configuration's records, or one index target's.

    An index run (``meta["audience"] == "index"``) names the index target and
    its version under ``index`` instead of ``installer``.
    """
    installers = sorted({(r.installer, r.installer_version) for r in records})
    if len(installers) != 1:
        raise CertificateError(
            "--certificate: a certificate covers one installer configuration; "
            f"this run has {len(installers)}"
        )
    per_requirement: dict[str, str] = {}
    per_scenario: dict[str, str] = {}
    for r in records:
        status = _effective(r)
        key = f"{r.scenario}@py{r.python}"
        per_scenario[key] = status
        for req in r.spec.requirements or (f"scenario:{r.scenario}",):
            old = per_requirement.get(req, "pass")
            per_requirement[req] = min(old, status, key=SEVERITY.index)
    counts: dict[str, int] = {}
    for status in per_scenario.values():
        counts[status] = counts.get(status, 0) + 1
    name, version = installers[0]
    served = list(meta.get("index_personalities", []))
    # An index run's subject is the index target; the rest of the certificate is the same.
    subject = "index" if meta.get("audience") == "index" else "installer"
    cert = {
        "certificate": 1,
        "suite_version": __version__,
        "scenario_set": meta["scenario_set"],
        "scenario_dirs": meta.get("scenario_dirs", []),
        "select": meta.get("select", []),
        "installer_args": meta.get("installer_args", []),
        **({"audience": "index"} if subject == "index" else {}),
        subject: {"name": name, "version": version, "spec": meta.get("installer_spec", name)},
        "runner": meta.get("runner", "venv"),
        "image_digest": meta.get("image_digest"),
        # Only a run against another index than the default says which one it was.
        **(
            {"index_personality": served[0]}
            if served and served != [DEFAULT_PERSONALITY]
            else {}
        ),
        "pythons": sorted({r.python for r in records}),
        "python_specs": list(meta.get("python_specs", [])),
        "results": dict(sorted(per_scenario.items())),
        "requirements": dict(sorted(per_requirement.items())),
        "totals": dict(sorted(counts.items())),
        **level_reached(records),
    }
    return {**cert, "digest": digest(cert)}


def digest(cert: Mapping[str, Any]) -> str:
    """SHA-256 of the certificate's canonical JSON, its own ``digest`` left out."""
    body = {k: v for k, v in cert.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def inconsistencies(cert: Mapping[str, Any]) -> list[str]:
    """What in *cert* contradicts the rest of it (empty: it is self-consistent)."""
    found = []
    if "digest" not in cert:
        found.append("no digest")
    elif cert["digest"] != digest(cert):
        found.append("digest does not match the content (the file was edited)")
    results = cert.get("results")
    if not isinstance(results, dict):
        return [*found, "no results"]
    counts: dict[str, int] = {}
    for status in results.values():
        counts[str(status)] = counts.get(str(status), 0) + 1
    if counts != cert.get("totals"):
        found.append(f"totals {cert.get('totals')} do not count the results {counts}")
    unknown = sorted({str(v) for v in results.values()} - set(SEVERITY))
    if unknown:
        found.append(f"unknown result {unknown[0]!r}")
    return found


def badge(cert: Mapping[str, Any]) -> str:
    """A small SVG badge: installer and the share of scenarios that pass."""
    totals = cert["totals"]
    passed = totals.get("pass", 0)
    counted = sum(v for k, v in totals.items() if k != "not applicable")
    left = "wheelnext conformance"
    subject = cert["index"] if cert.get("audience") == "index" else cert["installer"]
    right = f"{subject['name']} {subject['version']}: {passed}/{counted}"
    colour = "#2ea44f" if passed == counted else "#dbab09" if passed >= counted * 0.8 else "#cb2431"
    lw, rw = 7 * len(left) + 10, 7 * len(right) + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + rw}" height="20" role="img" '
        f'aria-label="{escape(left)}: {escape(right)}">'
        f'<rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{rw}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,sans-serif" font-size="11">'
        f'<text x="5" y="14">{escape(left)}</text>'
        f'<text x="{lw + 5}" y="14">{escape(right)}</text></g></svg>\n'
    )


def write_certificate(path: Path, cert: Mapping[str, Any]) -> Path:
    """Write the JSON certificate and its SVG badge beside it; return the badge's path."""
    write_atomic(path, json.dumps(cert, indent=1, sort_keys=True) + "\n")
    svg = path.with_suffix(".svg")
    write_atomic(svg, badge(cert))
    return svg


def load_certificate(path: Path) -> dict[str, Any]:
    data = inputs.read_json(Path(path), what="certificate", error=CertificateError)
    if not isinstance(data, dict) or data.get("certificate") != 1:
        raise CertificateError(f"{path}: not a wheelnext conformance certificate")
    return data


def compare(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Every scenario whose result differs between two certificates' results."""
    return [
        f"{key}: certified {old.get(key, 'absent')}, now {new.get(key, 'absent')}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def records_of(results: Iterable[Record]) -> list[Record]:
    return list(results)
