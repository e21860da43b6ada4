"""``run --shard K/N`` and ``report`` merging shards: the split, its balance, the refusals,
and three shards merged into the report and certificate of one unsharded run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.cli import main
from wheelnext.conformance.check import Status
from wheelnext.conformance.record import Observed, Record
from wheelnext.conformance.shard import Shard, ShardError, split, suite_jobs, weights

JOBS = suite_jobs([f"s{n}" for n in range(7)], ["pip", "uv"], ["3.11", "3.12"])


@pytest.mark.parametrize("text", ["", "1", "0/3", "4/3", "1/0", "a/b", "1/3/4"])
def test_a_malformed_shard_is_refused(text: str) -> None:
    with pytest.raises(ShardError, match=re.escape(f"--shard: {text!r}")):
        Shard.parse(text)


def test_the_shards_cover_every_job_once_and_in_order() -> None:
    parts = [split(JOBS, Shard(k, 3), {}) for k in (1, 2, 3)]
    assert sorted(job for part in parts for job in part) == sorted(JOBS)
    assert len({job for part in parts for job in part}) == len(JOBS) == 28
    assert [len(part) for part in parts] == [10, 9, 9]
    for part in parts:
        assert part == [job for job in JOBS if job in part]
    assert parts == [split(JOBS, Shard(k, 3), {}) for k in (1, 2, 3)]


def test_recorded_durations_balance_the_shards() -> None:
    jobs = suite_jobs(["slow", "a", "b", "c", "d", "e"], ["pip"], [])
    assert split(jobs, Shard(1, 3), {}) == [("slow", "pip", ""), ("c", "pip", "")]
    weight = {("slow", "pip", ""): 10.0}
    assert split(jobs, Shard(1, 3), weight) == [("slow", "pip", "")]


def _timed(scenario: str, installer: str, duration: float) -> Record:
    seen = Observed(argv=(), exit_code=0, timed_out=False, output="", duration=duration)
    return Record(scenario, installer, "1", "3.11.7", "venv", Status.PASS, observed=seen)


def test_weights_come_from_the_saved_run_by_installer_name() -> None:
    jobs = suite_jobs(["a", "b", "c"], ["uv==0.5"], ["3.11", "3.12"])
    saved = [_timed("a", "uv", 6.0), _timed("a", "uv", 4.0), _timed("b", "uv", 1.0),
             _timed("b", "pip", 100.0)]  # fmt: skip
    got = weights(jobs, saved, {"uv==0.5": "uv"})
    assert got[("a", "uv==0.5", "3.12")] == 5.0
    assert got[("b", "uv==0.5", "3.11")] == 1.0
    assert got[("c", "uv==0.5", "3.11")] == 3.0  # unknown: the mean of the known


def _cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(["conformance", *args])
    return int(exited.value.code or 0), capsys.readouterr().err


def _scenarios(write: Callable[..., Path]) -> Path:
    for n in range(1, 6):
        write(
            f"""
            [[packages.primary]]
            name = "alpha"
            version = "1.{n}"

            [request]
            requirements = ["alpha"]

            [expect]
            exit = "success"
            installed = {{ alpha = "{'9.9' if n == 5 else f'1.{n}'}" }}
            """,
            id=f"t-{n}",
        )
    return write(id="t-one").parent


#: When, by which command and on what machine: each run and report says its own.
RUN_INFO = ("date", "command", "machine")


def _timeless(text: str) -> str:
    text = re.sub(r"<dt>(?:date|command|machine|merged from)</dt><dd>.*?</dd>\n?", "", text)
    return re.sub(r'(&quot;|")duration\1: [0-9.]+,?\s*', "", text)


@pytest.mark.slow
def test_three_shards_merge_into_the_unsharded_run(
    tmp_path: Path,
    write_scenario: Callable[..., Path],
    private_host: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = _scenarios(write_scenario)
    base = ["run", "-q", "--installer", "wheelnext", "--scenarios", str(folder)]
    whole = tmp_path / "whole"
    code, _ = _cli(*base, "--json", f"{whole}.json", "--html", f"{whole}.html",
                   "--junit-xml", f"{whole}.xml", "--certificate", f"{whole}-cert.json",
                   capsys=capsys)  # fmt: skip
    assert code == 1  # t-5 fails
    for k in (1, 2, 3):
        code, _ = _cli(*base, "--shard", f"{k}/3", "--durations", f"{whole}.json",
                       "--json", str(tmp_path / f"s{k}.json"), capsys=capsys)  # fmt: skip
        assert code in (0, 1)
    shards = [str(tmp_path / f"s{k}.json") for k in (3, 1, 2)]
    merged = tmp_path / "merged"
    code, err = _cli("report", "-q", *shards, "--json", f"{merged}.json", "--html",
                     f"{merged}.html", "--junit-xml", f"{merged}.xml", "--certificate",
                     f"{merged}-cert.json", "--summary-md", f"{merged}.md",
                     capsys=capsys)  # fmt: skip
    assert code == 0, err
    parts = [json.loads(Path(p).read_text())["shard"]["jobs"] for p in shards]
    assert sorted(len(p) for p in parts) == [2, 2, 2]
    assert Path(f"{merged}-cert.json").read_text() == Path(f"{whole}-cert.json").read_text()
    assert Path(f"{merged}-cert.svg").read_bytes() == Path(f"{whole}-cert.svg").read_bytes()
    for suffix in (".html", ".xml"):
        assert _timeless(Path(f"{merged}{suffix}").read_text()) == _timeless(
            Path(f"{whole}{suffix}").read_text()
        )
    ran, joined = (json.loads(Path(f"{p}.json").read_text()) for p in (whole, merged))
    assert _timeless(json.dumps(ran["results"])) == _timeless(json.dumps(joined["results"]))
    assert {k: v for k, v in ran.items() if k not in ("results", *RUN_INFO)} == {
        k: v for k, v in joined.items() if k not in ("results", "merged_from", *RUN_INFO)
    }
    summary = Path(f"{merged}.md").read_text()
    assert "**6 results**: 1 fail, 5 pass" in summary
    assert "| `t-5` wheelnext py" in summary and "alpha: expected 9.9, observed 1.5 |" in summary
    assert f"--scenarios {folder} --select t-5" in summary

    refusals = {
        (shards[0], shards[1]): "shard 2/3 is missing (give all 3 shards)",
        (shards[0], shards[1], shards[1], shards[2]): f"{shards[1]}: shard 1/3 was given already",
        (shards[0], shards[1], shards[2], f"{whole}.json"): f"{whole}.json: not a shard",
    }
    for given, message in refusals.items():
        code, err = _cli("report", "-q", *given, capsys=capsys)
        assert (code, err.count("\n")) == (2, 1) and message in err, err
    other = tmp_path / "other.json"
    _cli(*base, "--select", "t-[1-4]", "--shard", "2/3", "--json", str(other), capsys=capsys)
    code, err = _cli("report", shards[0], str(other), shards[2], capsys=capsys)
    assert code == 2 and "scenario set differs" in err
    overlapping = json.loads(Path(shards[2]).read_text())
    overlapping["shard"]["jobs"][0] = parts[1][0]
    overlapping["results"][0] = json.loads(Path(shards[1]).read_text())["results"][0]
    Path(other).write_text(json.dumps(overlapping))
    code, err = _cli("report", shards[0], shards[1], str(other), capsys=capsys)
    assert code == 2 and f"job {parts[1][0][0]} [wheelnext] is in {shards[1]} too" in err, err
