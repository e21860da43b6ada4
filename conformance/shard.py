"""Shards: a deterministic split of a run's jobs, and the merge that checks they cover it once.

A job is one scenario with one installer configuration on one Python, named by
what the user gave (scenario id, ``--installer`` spec, ``--python`` spec), so
every shard of the same command line computes the same list of jobs and the
same split without talking to the others. The split balances the shards by
the durations a saved run recorded (the longest jobs first, each to the least
loaded shard); a job with no recorded duration weighs the mean of those known.

A shard's saved run (``run --json``) carries the whole list of jobs and its own
part; :func:`merge` puts shards back together only when they come from the same
command line and scenario set and cover every job exactly once, so the merged
records, in the unsharded order, are those of one unsharded run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext.conformance.record import Record
from wheelnext.errors import WheelnextError

__all__ = ["JobKey", "Plan", "Shard", "ShardError", "merge", "split", "suite_jobs", "weights"]

#: One job: scenario id, installer spec, Python spec ("" for the default Python).
JobKey = tuple[str, str, str]

#: Meta fields that every shard of one run has alike (the ``run --json`` document).
SAME_IN_EVERY_SHARD = (
    "scenario_set", "scenario_dirs", "select", "runner", "image_digest", "installer_specs",
    "installers_resolved", "python_specs", "installer_args", "index_target",
    "index_personalities",
)  # fmt: skip


class ShardError(WheelnextError):
    """A ``--shard`` value is malformed, or saved shards do not make one run."""


@dataclass(frozen=True)
class Shard:
    """Shard *index* of *total*, counted from 1."""

    index: int
    total: int

    @classmethod
    def parse(cls, text: str, *, where: str = "--shard") -> Shard:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ShardError(f"{where}: {text!r} is not K/N (for example 2/3)")
        index, total = int(match[1]), int(match[2])
        if total < 1 or not 1 <= index <= total:
            raise ShardError(f"{where}: {text!r}: K must be between 1 and N, and N at least 1")
        return cls(index, total)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def suite_jobs(
    scenario_ids: Sequence[str], installer_specs: Sequence[str], python_specs: Sequence[str]
) -> list[JobKey]:
    """Every job of a run, in the order an unsharded run reports them."""
    pythons = list(python_specs) or [""]
    return [(s, i, p) for s in scenario_ids for i in installer_specs for p in pythons]


def weights(
    jobs: Sequence[JobKey], saved: Iterable[Record], names: Mapping[str, str]
) -> dict[JobKey, float]:
    """Each job's weight: the mean duration a saved run recorded for its scenario and installer.

    *names* maps an installer spec to its configuration's name (what records
    carry). A job the saved run did not time weighs the mean of this run's
    timed jobs (1.0 when none is known), so that an unknown job is an average one.
    """
    seen: dict[tuple[str, str], list[float]] = {}
    for r in saved:
        if r.observed is not None and r.observed.duration is not None:
            seen.setdefault((r.scenario, r.installer), []).append(r.observed.duration)
    known = {key: sum(d) / len(d) for key, d in seen.items()}
    found = {job: known.get((job[0], names.get(job[1], job[1]))) for job in jobs}
    timed = [d for d in found.values() if d is not None]
    default = sum(timed) / len(timed) if timed else 1.0
    return {job: default if d is None else d for job, d in found.items()}


def split(jobs: Sequence[JobKey], shard: Shard, weight: Mapping[JobKey, float]) -> list[JobKey]:
    """The jobs of *shard*, in the order of *jobs*: the longest first, each to the lightest shard.

    Ties break by the job's place in *jobs* and by the lower shard number, so
    the split depends only on its inputs.
    """
    load = [0.0] * shard.total
    owner: dict[JobKey, int] = {}
    order = sorted(range(len(jobs)), key=lambda n: (-weight.get(jobs[n], 1.0), n))
    for n in order:
        lightest = min(range(shard.total), key=lambda s: (load[s], s))
        load[lightest] += weight.get(jobs[n], 1.0)
        owner[jobs[n]] = lightest + 1
    return [job for job in jobs if owner[job] == shard.index]


def label(job: JobKey) -> str:
    """A job as messages name it: ``scenario [installer]``, with `` on Python X`` if given."""
    return f"{job[0]} [{job[1]}]" + (f" on Python {job[2]}" if job[2] else "")


def shard_meta(shard: Shard, every: Sequence[JobKey], mine: Sequence[JobKey]) -> dict[str, Any]:
    """What a shard's saved run says of the split, for :func:`merge` to check."""
    return {
        "index": shard.index,
        "total": shard.total,
        "suite_jobs": [list(job) for job in every],
        "jobs": [list(job) for job in mine],
    }


@dataclass(frozen=True)
class Plan:
    """A ``--shard`` checked before anything is provisioned: the shard, every job of the
    suite, and the saved run (``--durations``) whose timings balance the split."""

    shard: Shard
    every: list[JobKey]
    saved: list[Record]

    @classmethod
    def make(
        cls,
        shard: Shard,
        scenario_ids: Sequence[str],
        installer_specs: Sequence[str],
        python_specs: Sequence[str],
        saved: Sequence[Record] = (),
    ) -> Plan:
        every = suite_jobs(scenario_ids, installer_specs, python_specs)
        if len(set(every)) != len(every):
            raise ShardError("--shard: an --installer or --python is given twice")
        return cls(shard, every, list(saved))

    def mine(self, names: Mapping[str, str]) -> list[JobKey]:
        """This shard's jobs, weighed with *names* (installer spec -> configuration name)."""
        return split(self.every, self.shard, weights(self.every, self.saved, names))


def _jobs(value: object, where: str) -> list[JobKey]:
    if not isinstance(value, list) or not all(
        isinstance(j, list) and len(j) == 3 and all(isinstance(x, str) for x in j) for j in value
    ):
        raise ShardError(f"{where}: not a list of [scenario, installer, python] jobs")
    return [(j[0], j[1], j[2]) for j in value]


def merge(
    shards: Sequence[tuple[Path, Mapping[str, Any], Sequence[Record]]],
) -> tuple[list[Record], dict[str, Any]]:
    """The records and meta of the one run that *shards* (path, meta, records) split.

    Refused, naming the first problem: a shard of another scenario set or
    command line, a shard given twice or missing, a job in two shards or in
    none, a shard whose records do not match its jobs.
    """
    first_path, first, _ = shards[0]
    parts: dict[int, Path] = {}
    owner: dict[JobKey, Path] = {}
    ordered: dict[JobKey, Record] = {}
    every: list[JobKey] = []
    total = 0
    for path, meta, records in shards:
        info = meta.get("shard")
        if not isinstance(info, dict):
            raise ShardError(f"{path}: not a shard (a run without --shard); merge shards only")
        for key in SAME_IN_EVERY_SHARD:
            if meta.get(key) != first.get(key):
                what = "scenario set" if key == "scenario_set" else key
                raise ShardError(
                    f"{path}: {what} differs from {first_path}'s: not a shard of the same run"
                )
        index, count = info.get("index"), info.get("total")
        if not isinstance(index, int) or not isinstance(count, int):
            raise ShardError(f"{path}: shard.index and shard.total must be integers")
        jobs = _jobs(info.get("jobs"), f"{path}: shard.jobs")
        if not parts:
            total, every = count, _jobs(info.get("suite_jobs"), f"{path}: shard.suite_jobs")
        elif count != total:
            raise ShardError(f"{path}: shard {index}/{count}, but {first_path} is of {total}")
        elif _jobs(info.get("suite_jobs"), f"{path}: shard.suite_jobs") != every:
            raise ShardError(f"{path}: its jobs are not those of {first_path}'s run")
        if index in parts:
            raise ShardError(f"{path}: shard {index}/{total} was given already ({parts[index]})")
        parts[index] = path
        if len(jobs) != len(records):
            raise ShardError(f"{path}: {len(records)} results for {len(jobs)} jobs")
        for job, record in zip(jobs, records, strict=True):
            if job in owner:
                raise ShardError(f"{path}: job {label(job)} is in {owner[job]} too")
            if record.scenario != job[0]:
                raise ShardError(f"{path}: a result of {record.scenario} stands for {job[0]}")
            owner[job] = path
            ordered[job] = record
    missing = sorted(set(range(1, total + 1)) - set(parts))
    if missing:
        raise ShardError(f"shard {missing[0]}/{total} is missing (give all {total} shards)")
    unknown = [job for job in owner if job not in set(every)]
    if unknown:
        raise ShardError(f"{owner[unknown[0]]}: job {label(unknown[0])} is not in the run")
    uncovered = [job for job in every if job not in owner]
    if uncovered:
        raise ShardError(f"job {label(uncovered[0])} is in no shard")
    meta = {key: first[key] for key in SAME_IN_EVERY_SHARD if key in first}
    for key in ("write_detection", "process_containment"):
        if key in first:
            meta[key] = first[key]
    meta["merged_from"] = [str(parts[index]) for index in sorted(parts)]
    return [ordered[job] for job in every], meta
