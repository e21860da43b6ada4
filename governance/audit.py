"""Audit logs: inputs' hashes, options, every rule and tie, and the result; ``verify``
re-reads the inputs, checks their hashes, recomputes and compares."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wheelnext.governance.errors import AuditMismatch, GovernanceError
from wheelnext.governance.tally import Tally, TallyInputs, TallyOptions, run_tally, sha256_file

FORMAT = "wheelnext-governance-audit/1"


def audit_record(inputs: TallyInputs, options: TallyOptions, tally: Tally) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for role in ("ballots", "candidates", "roll", "agreements"):
        path = getattr(inputs, role)
        if path is not None:
            files[role] = {"path": str(path), "sha256": sha256_file(path)}
    return {
        "format": FORMAT,
        "inputs": files,
        "options": asdict(options),
        "rules": tally.result["rules"],
        "ties": tally.result["ties"],
        "result": tally.result,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temp file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _resolve(recorded: str, audit_path: Path) -> Path:
    p = Path(recorded)
    if p.is_absolute() or p.exists():
        return p
    return audit_path.parent / p


def verify(audit_path: Path, overrides: dict[str, Path] | None = None) -> dict[str, Any]:
    """Recompute the audited tally; raise :class:`AuditMismatch` on any difference."""
    try:
        record = json.loads(audit_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GovernanceError(f"{audit_path}: invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise GovernanceError(f"{audit_path}: not a {FORMAT} audit log")
    overrides = overrides or {}
    paths: dict[str, Path] = {}
    for role, entry in record["inputs"].items():
        path = overrides.get(role) or _resolve(entry["path"], audit_path)
        if not path.exists():
            raise AuditMismatch(f"{audit_path}: input {role} {path} is missing")
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise AuditMismatch(
                f"{audit_path}: {role} {path} has sha256 {digest[:12]}..., "
                f"the audit recorded {entry['sha256'][:12]}..."
            )
        paths[role] = path
    options = TallyOptions(**record["options"])
    inputs = TallyInputs(
        paths["ballots"], paths.get("candidates"), paths.get("roll"), paths.get("agreements")
    )
    again: dict[str, Any] = json.loads(json.dumps(run_tally(inputs, options).result))
    recorded = record["result"]
    for key in sorted(set(again) | set(recorded)):
        if again.get(key) != recorded.get(key):
            raise AuditMismatch(f"{audit_path}: recomputed {key!r} differs from the audit log")
    return again
