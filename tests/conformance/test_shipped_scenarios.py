"""The shipped scenario set: it loads, meets the issue's counts, and covers every requirement."""

from __future__ import annotations

import collections
import re
import tomllib
from pathlib import Path

import pytest

from wheelnext.conformance import traceability as trace
from wheelnext.conformance.scenario import Scenario, load_scenarios, shipped_dir

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
#: Issue 4, "Scenarios": the minimum number of scenarios per folder.
MINIMUMS = {
    "baseline": 6,
    "pep766": 12,
    "pep771": 10,
    "pep777": 8,
    "pep778": 8,
    "pep825": 14,
    "security": 8,
}


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return load_scenarios()


def _requirement_ids() -> set[str]:
    data = tomllib.loads((shipped_dir() / "_requirements.toml").read_text(encoding="utf-8"))
    return {entry["id"] for entry in data["requirement"]}


def test_all_load_with_unique_ids(scenarios: list[Scenario]) -> None:
    ids = [s.id for s in scenarios]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 70


def test_counts_per_folder_meet_the_issue(scenarios: list[Scenario]) -> None:
    counts = collections.Counter(s.path.parent.name for s in scenarios)
    short = {f: (counts[f], n) for f, n in MINIMUMS.items() if counts[f] < n}
    assert not short


def test_ids_start_with_their_folder(scenarios: list[Scenario]) -> None:
    for s in scenarios:
        folder = s.path.parent.name
        if folder != "baseline":
            assert s.id.startswith(f"{folder}-"), s.path


def test_named_requirements_exist(scenarios: list[Scenario]) -> None:
    known = _requirement_ids()
    for s in scenarios:
        assert set(s.spec.requirements) <= known, s.id
        if s.spec.pep in (766, 771, 777, 778, 825) and s.spec.level != "extension":
            assert s.spec.requirements, f"{s.id} names no requirement"


def _plain(text: str) -> str:
    """*text* with rst's bold and literal markup dropped and whitespace folded."""
    return re.sub(r"\s+", " ", text.replace("**", "").replace("``", "")).strip()


@pytest.mark.skipif(not SPECS.is_dir(), reason=f"the specifications are not at {SPECS}")
def test_every_sentence_is_quoted_from_its_spec(scenarios: list[Scenario]) -> None:
    """``[spec] sentence`` is the spec's own words ("quoted verbatim", conformance-scenarios.rst),
    with ``[...]`` marking an omission; an ``extension`` quotes no spec."""
    misquoted = []
    for s in scenarios:
        if s.spec.level == "extension":
            continue
        source = (SPECS / "peps" / f"pep-{s.spec.pep:04d}.rst" if s.spec.pep is not None
                  else SPECS / "pypa" / f"{s.spec.document}.rst")
        text = _plain(source.read_text(encoding="utf-8"))
        if not all(_plain(part) in text for part in s.spec.sentence.split("[...]")):
            misquoted.append(s.id)
    assert misquoted == []


def test_every_requirement_is_covered() -> None:
    requirements, _ = trace.load_requirements()
    named, _ = trace.shipped_coverage()
    assert trace.problems(trace.coverage(requirements, named)) == []


def test_pending_scenarios_say_why() -> None:
    for path in shipped_dir().rglob("_pending-*.toml"):
        assert path.read_text(encoding="utf-8").startswith("# pending: "), path


def test_smoke_subset_is_small(scenarios: list[Scenario]) -> None:
    smoke = [s for s in scenarios if "smoke" in s.tags]
    assert 5 <= len(smoke) <= 15


@pytest.mark.slow
def test_every_scenario_materializes(scenarios: list[Scenario], tmp_path: Path) -> None:
    """Every package table builds: a scenario the builder refuses would be a harness error."""
    from wheelnext.conformance.materialize import materialize_all

    built = materialize_all(scenarios, tmp_path)
    assert set(built) == {s.id for s in scenarios}
    for s in scenarios:
        if s.request.wheel:
            assert built[s.id].find(s.request.wheel) is not None, s.id
