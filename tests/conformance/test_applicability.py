"""A run that proves too little says so: exit 4 when nothing (or too little) applied.

The progress total counts the installer runs that will happen, not the
results that do not apply.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from _support.installer import UV
from click.testing import CliRunner

from wheelnext.cli import cli
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.observe import InstalledDist, Observation
from wheelnext.conformance.run import run_suite, too_few_applied
from wheelnext.conformance.runners import Runner
from wheelnext.conformance.scenario import load_scenario


class Instant(Runner):
    """A runner whose every install succeeds at once; Python 3.99 is not installed."""

    name = "instant"
    image_digest = None
    features = frozenset({"fetch", "preinstall"})

    def python_version(self, python: str | None) -> str | None:
        return None if python == "3.99" else "3.11.7"

    @contextlib.contextmanager
    def open(self, jobs: object, workdir: Path) -> Iterator[Any]:
        yield self

    def run(self, job: Any) -> Observation:
        return Observation(("x",), 0, False, "ok", {"alpha": InstalledDist("1.0")})

    def close(self) -> None:
        pass


class Named:
    name = "named"
    version = "1"


def test_progress_counts_only_what_runs(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    scenarios = [load_scenario(write_scenario(id=f"t-{i}")) for i in range(3)]
    totals: list[int] = []
    seen: list[Result] = []
    results = run_suite(
        scenarios,
        [Named()],  # type: ignore[list-item]
        Instant(),  # type: ignore[arg-type]
        pythons=[None, "3.99"],
        cache=tmp_path,
        planned=totals.append,
        progress=seen.append,
    )
    assert totals == [3] and len(seen) == 3
    assert all(r.status is Status.PASS for r in seen)
    assert sum(r.status is Status.NOT_APPLICABLE for r in results) == 3


def test_too_few_applied_names_the_reasons(write_scenario: Callable[..., Path]) -> None:
    s = load_scenario(write_scenario())
    na = Result(s, "pip", "1", "3.99", Status.NOT_APPLICABLE, reason="Python 3.99 is not installed")
    ran = replace(na, status=Status.PASS, reason="")
    assert too_few_applied([na, na]) == (
        "none of 2 results applied; 2 not applicable: Python 3.99 is not installed (2)"
    )
    assert too_few_applied([ran, na]) is None
    assert too_few_applied([ran, na], 2) == (
        "only 1 of 2 results applied (--min-applicable 2); "
        "1 not applicable: Python 3.99 is not installed (1)"
    )


def test_a_run_where_nothing_applied_exits_4(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    folder = write_scenario().parent
    args = ["conformance", "run", "-q", "--installer", UV, "--scenarios", str(folder)]
    args += ["--python", "3.99", "--json", str(tmp_path / "r.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 4, result.output
    assert "none of 1 results applied" in result.output
    assert "Python 3.99 is not installed (1)" in result.output
    assert (tmp_path / "r.json").is_file()  # the reports are written all the same
