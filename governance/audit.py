"""Audit logs: inputs' hashes, options, every rule and tie, and the result; ``verify``
re-reads the inputs, checks their hashes, recomputes and compares.

Three kinds share one format: ``tally`` (an election; its inputs are files), and
``no-confidence`` and ``motion`` (their inputs are the counted votes, recorded verbatim
with the SHA-256 of their canonical JSON so a published hash can be checked against them).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from wheelnext.governance.errors import AuditMismatch, GovernanceError
from wheelnext.governance.files import parse_json, read_text, sha256_file
from wheelnext.governance.progress import ReadProgress
from wheelnext.governance.tally import Tally, TallyInputs, TallyOptions, run_tally
from wheelnext.governance.votes import Motion, NoConfidence

FORMAT = "wheelnext-governance-audit/1"
KINDS = ("tally", "no-confidence", "motion")


def audit_record(inputs: TallyInputs, options: TallyOptions, tally: Tally) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for role in ("ballots", "candidates", "roll", "agreements"):
        path = getattr(inputs, role)
        if path is not None:
            files[role] = {"path": str(path), "sha256": sha256_file(path)}
    return {
        "format": FORMAT,
        "kind": "tally",
        "inputs": files,
        "options": asdict(options),
        "rules": tally.result["rules"],
        "ties": tally.result["ties"],
        "result": tally.result,
    }


def canonical_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 of ``data`` as sorted, compact, UTF-8 JSON: the hash of a vote's inputs."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def no_confidence_arguments(vote: NoConfidence) -> dict[str, Any]:
    return asdict(vote)


def motion_arguments(vote: Motion) -> dict[str, Any]:
    return {"votes": dict(vote.votes), "replaces": vote.replaces}


def _decide(kind: str, arguments: Mapping[str, Any], source: str) -> dict[str, Any]:
    try:
        if kind == "no-confidence":
            counts = [arguments.get(k, 0) for k in ("electors", "against", "support")]
            if not all(type(c) is int for c in counts):
                raise TypeError("electors, against and support must be integers")
            decided = NoConfidence(**arguments).decide()
        else:
            votes = arguments["votes"]
            if not isinstance(votes, dict):
                raise TypeError("votes")
            decided = Motion(votes, arguments.get("replaces")).decide()
    except (TypeError, KeyError) as exc:
        raise GovernanceError(f"{source}: malformed {kind} arguments ({exc})") from None
    result: dict[str, Any] = json.loads(json.dumps(decided))
    return result


def vote_audit_record(kind: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The audit log of a ``no-confidence`` or ``motion`` decision."""
    if kind not in ("no-confidence", "motion"):
        raise GovernanceError(f"audit: unknown vote kind {kind!r}")
    result = _decide(kind, arguments, "audit")
    return {
        "format": FORMAT,
        "kind": kind,
        "inputs": {"arguments": dict(arguments), "sha256": canonical_sha256(arguments)},
        "rules": result["rules"],
        "result": result,
    }


def check_target(path: Path) -> None:
    """Refuse, before anything is written, an output ``path`` that ``write_atomic`` could not
    write: an existing special file or directory, or a parent that is a file."""
    if path.exists() and not path.is_file():
        raise GovernanceError(f"{path}: not a regular file, refusing to replace it")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise GovernanceError(f"{path}: cannot write ({parent} is not a directory)")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temp file beside ``path`` and rename it into place.

    Only a regular file (or nothing) is ever replaced: renaming over ``/dev/null``, a FIFO or
    any other special file would replace the device itself. Errors are one line naming
    ``path``; the temp file never stays behind.
    """
    check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise GovernanceError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GovernanceError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _resolve(recorded: str, audit_path: Path) -> Path:
    p = Path(recorded)
    if p.is_absolute() or p.exists():
        return p
    return audit_path.parent / p


@dataclass(frozen=True)
class Verified:
    """A confirmed audit: its kind and the recomputed result."""

    kind: str
    result: dict[str, Any]


#: Result fields added after format 1 was first written, with the value every earlier log
#: implied: a log without the field is compared as if it held that value.
ADDED_RESULT_FIELDS: dict[str, object] = {"vacancies": 0}
#: Tally options added later, with the behaviour earlier logs were computed with (partial
#: elections re-qualified before ``--partial-cap`` existed).
ADDED_OPTIONS: dict[str, object] = {"partial_cap": "requalify", "star_scoring_ties": "matchups"}


def _compare(audit_path: Path, again: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    recorded = record.get("result")
    if not isinstance(recorded, dict):
        raise AuditMismatch(f"{audit_path}: the audit log records no result")
    recorded = {**{k: v for k, v in ADDED_RESULT_FIELDS.items() if k in again}, **recorded}
    for key in sorted(set(again) | set(recorded)):
        if again.get(key) != recorded.get(key):
            raise AuditMismatch(f"{audit_path}: recomputed {key!r} differs from the audit log")
    for key in ("rules", "ties"):
        if key in again and record.get(key) != again.get(key):
            raise AuditMismatch(f"{audit_path}: recomputed {key!r} differs from the audit log")


def _verify_vote(audit_path: Path, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    inputs = record.get("inputs")
    if not isinstance(inputs, dict) or not isinstance(inputs.get("arguments"), dict):
        raise GovernanceError(f"{audit_path}: a {kind} audit log needs inputs.arguments")
    arguments = inputs["arguments"]
    digest = canonical_sha256(arguments)
    if digest != inputs.get("sha256"):
        raise AuditMismatch(
            f"{audit_path}: arguments have sha256 {digest[:12]}..., "
            f"the audit recorded {str(inputs.get('sha256'))[:12]}..."
        )
    again = _decide(kind, arguments, str(audit_path))
    _compare(audit_path, again, record)
    return again


def verify_audit(
    audit_path: Path,
    overrides: dict[str, Path] | None = None,
    progress: ReadProgress | None = None,
) -> Verified:
    """Recompute any audit log (its ``kind`` says which); raise :class:`AuditMismatch`."""
    record = parse_json(read_text(audit_path), str(audit_path))
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise GovernanceError(f"{audit_path}: not a {FORMAT} audit log")
    kind = record.get("kind", "tally")  # logs written before kinds existed are tallies
    if kind not in KINDS:
        raise GovernanceError(f"{audit_path}: unknown audit kind {kind!r}")
    if kind != "tally":
        return Verified(kind, _verify_vote(audit_path, kind, record))
    return Verified(kind, _verify_tally(audit_path, record, overrides, progress))


def verify(audit_path: Path, overrides: dict[str, Path] | None = None) -> dict[str, Any]:
    """Recompute the audited result; raise :class:`AuditMismatch` on any difference."""
    return verify_audit(audit_path, overrides).result


def _options(audit_path: Path, recorded: object) -> TallyOptions:
    """The recorded tally options, each of the type its default has (electors and
    max_score may also be null)."""
    if isinstance(recorded, dict):
        recorded = {**ADDED_OPTIONS, **recorded}
    try:
        options = TallyOptions(**recorded)  # type: ignore[arg-type]
    except TypeError as exc:
        raise GovernanceError(f"{audit_path}: malformed tally options ({exc})") from None
    for f in fields(TallyOptions):
        value = getattr(options, f.name)
        if f.default is None:
            ok = value is None or type(value) is int
        else:
            ok = type(value) is type(f.default)
        if not ok:
            raise GovernanceError(f"{audit_path}: tally option {f.name!r} is {value!r}")
    return options


def _verify_tally(
    audit_path: Path,
    record: Mapping[str, Any],
    overrides: dict[str, Path] | None,
    progress: ReadProgress | None = None,
) -> dict[str, Any]:
    if not isinstance(record.get("inputs"), dict) or "ballots" not in record["inputs"]:
        raise GovernanceError(f"{audit_path}: a tally audit log needs inputs.ballots")
    overrides = overrides or {}
    paths: dict[str, Path] = {}
    for role, entry in record["inputs"].items():
        if not isinstance(entry, dict) or not {"path", "sha256"} <= set(entry):
            raise GovernanceError(f"{audit_path}: input {role} needs 'path' and 'sha256'")
        path = overrides.get(role) or _resolve(str(entry["path"]), audit_path)
        if not path.exists() and not path.is_symlink():
            raise AuditMismatch(f"{audit_path}: input {role} {path} is missing")
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise AuditMismatch(
                f"{audit_path}: {role} {path} has sha256 {digest[:12]}..., "
                f"the audit recorded {str(entry['sha256'])[:12]}..."
            )
        paths[role] = path
    options = _options(audit_path, record.get("options", {}))
    inputs = TallyInputs(
        paths["ballots"], paths.get("candidates"), paths.get("roll"), paths.get("agreements")
    )
    again: dict[str, Any] = json.loads(json.dumps(run_tally(inputs, options, progress).result))
    _compare(audit_path, again, record)
    return again
