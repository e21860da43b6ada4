"""Index runs (issue 15): scenarios whose audience is the index, checked with no installer.

The index is real (the reference index or pypiserver on 127.0.0.1); the
harness fetches with httpx and reports in the index's words.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from wheelnext.cli import cli
from wheelnext.conformance.check import Status
from wheelnext.conformance.index_run import inconsistent, invalid, run_index_suite
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.scenario import ScenarioError, load_scenario, load_scenarios

HEAD = """\
format = 1

[scenario]
id = "{id}"
title = "an index scenario"
{audience}

[spec]
pep = 825
section = "Index-level metadata"
sentence = "a sentence"
level = "{level}"
"""

VARIANTS = """
[[packages.primary]]
name = "alpha"
version = "1.0"
variant = { label = "x86_64_v3", properties = ["x86_64 :: level :: v3"] }

[[packages.primary]]
name = "alpha"
version = "1.0"
variant = { label = "x86_64_v4", properties = ["x86_64 :: level :: v4"] }
"""

HOSTED = """
[[fetch]]
index = "primary"
path = "alpha/"
link = "alpha-1.0-variants.json"
status = 200
content-type = "application/json"
valid = "variants-json-consistent"
contains = ['"x86_64_v4"']
"""

JSON_PAGE = """
[[fetch]]
index = "primary"
path = "alpha/"
accept = "application/vnd.pypi.simple.v1+json"
content-type = "application/vnd.pypi.simple.v1+json"
contains = ['"filename": "alpha-1.0-variants.json"']
"""


def _write(
    folder: Path,
    body: str,
    *,
    id: str = "t-index",
    audience: str = 'audience = "index"',
    level: str = "MUST",
) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{id}.toml"
    path.write_text(HEAD.format(id=id, audience=audience, level=level) + textwrap.dedent(body))
    return path


def test_an_index_scenario_needs_no_request_but_fetches(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, VARIANTS + HOSTED))
    assert scenario.audience == ("index",) and not scenario.installs
    assert scenario.fetches[0].link == "alpha-1.0-variants.json"
    with pytest.raises(ScenarioError, match=r"t-index.toml:\d+: an index scenario without"):
        load_scenario(_write(tmp_path, VARIANTS))
    with pytest.raises(ScenarioError, match="audience 'indexer': expected installer, index"):
        load_scenario(_write(tmp_path, VARIANTS + HOSTED, audience='audience = "indexer"'))


def test_an_installer_scenario_cannot_follow_links(tmp_path: Path) -> None:
    body = VARIANTS + '\n[request]\nrequirements = ["alpha"]\n[expect]\nexit = "success"\n' + HOSTED
    with pytest.raises(ScenarioError, match="link is for index scenarios without"):
        load_scenario(_write(tmp_path, body))


def test_selection_by_audience() -> None:
    index = load_scenarios(select=["audience:index"])
    ids = {s.id for s in index}
    assert "index-pep825-variants-json-hosted" in ids and "baseline-index-project-page" in ids
    assert all("index" in s.audience for s in index)
    installer = {s.id for s in load_scenarios(select=["audience:installer"])}
    assert "baseline-single-wheel" in installer and not ids & installer


def test_index_run_against_the_reference_index(tmp_path: Path, private_host: Path) -> None:
    scenarios = [load_scenario(_write(tmp_path / "s", VARIANTS + HOSTED + JSON_PAGE))]
    [result] = run_index_suite(scenarios, "reference")
    assert result.status is Status.PASS, result.failures or result.reason
    assert result.installer == "reference"  # the column is the index target, no installer
    output = result.observation.output if result.observation else ""
    assert "GET {server}/primary/simple/alpha/ (Accept: text/html): 200 text/html" in output
    assert "GET {server}/primary/files/alpha-1.0-variants.json: 200 application/json" in output
    assert any("served 200 application/json" in line for line in result.evidence)


def test_index_run_report_names_index_page_and_field(tmp_path: Path, private_host: Path) -> None:
    """pypiserver serves no PEP 691 JSON and no variants file: the failures say so."""
    pytest.importorskip("pypiserver")
    scenarios = [load_scenario(_write(tmp_path / "s", VARIANTS + HOSTED + JSON_PAGE))]
    [result] = run_index_suite(scenarios, "pypiserver")
    assert result.status is Status.FAIL
    assert result.failures == (
        "pypiserver index 'primary', file alpha-1.0-variants.json (linked from alpha/): "
        "page alpha/ (status 200) has no anchor whose text is alpha-1.0-variants.json",
        "pypiserver index 'primary', page alpha/ (Accept: application/vnd.pypi.simple.v1+json): "
        "Content-Type expected application/vnd.pypi.simple.v1+json, served text/html",
        "pypiserver index 'primary', page alpha/ (Accept: application/vnd.pypi.simple.v1+json): "
        "body expected to contain '\"filename\": \"alpha-1.0-variants.json\"', it does not",
    )


def test_a_should_not_met_by_the_index_is_a_warn(tmp_path: Path, private_host: Path) -> None:
    body = VARIANTS + '\n[[fetch]]\nindex = "primary"\npath = "alpha/"\ncontains = ["nowhere"]\n'
    scenarios = [load_scenario(_write(tmp_path / "s", body, level="SHOULD"))]
    [result] = run_index_suite(scenarios, "reference")
    assert result.status is Status.WARN
    assert result.failures == (
        "reference index 'primary', page alpha/: body expected to contain 'nowhere', it does not",
    )


def test_an_installer_run_does_not_apply_an_index_only_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, VARIANTS + HOSTED))

    class NoRunner:
        name = "none"
        features = frozenset({"fetch"})

        def python_version(self, python: str | None) -> str:
            return "3.11"

    [result] = run_suite([scenario], [_Installer()], NoRunner(), cache=tmp_path / "c")  # type: ignore[arg-type]
    assert result.status is Status.NOT_APPLICABLE
    assert "run --audience index" in result.reason


class _Installer:
    name = "pip"
    version = "0"


def test_invalid_names_the_field() -> None:
    doc = {
        "$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",
        "default-priorities": {"namespace": ["x86_64"]},
        "variants": {"Bad-Label": {"x86_64": {"level": ["v3"]}}},
    }
    problems = invalid(json.dumps(doc))
    assert problems and all(p.startswith("body field ") for p in problems)
    assert any("Bad-Label" in p for p in problems)
    assert invalid("{") == [
        "body is not JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))"
    ]


def test_inconsistent_with_the_wheels(tmp_path: Path, private_host: Path) -> None:
    from wheelnext.conformance.materialize import materialize

    root = materialize(load_scenario(_write(tmp_path, VARIANTS + HOSTED)), tmp_path / "c")
    wrong = {
        "$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",
        "default-priorities": {"namespace": ["x86_64"]},
        "variants": {"x86_64_v3": {"x86_64": {"level": ["v4"]}}},
    }
    [problem] = inconsistent(json.dumps(wrong), "alpha-1.0-variants.json", root.roots["primary"])
    assert problem.startswith("body field variant label 'x86_64_v3':")
    short = {**wrong, "variants": {"x86_64_v3": {"x86_64": {"level": ["v3"]}}}}
    assert inconsistent(json.dumps(short), "alpha-1.0-variants.json", root.roots["primary"]) == [
        "body field variants: lacks 'x86_64_v4', a label of its wheels"
    ]


def test_cli_index_run_writes_an_index_certificate(tmp_path: Path, private_host: Path) -> None:
    folder = tmp_path / "s"
    _write(folder, VARIANTS + HOSTED)
    installs = VARIANTS + '\n[request]\nrequirements = ["alpha"]\n[expect]\nexit = "success"\n'
    _write(folder, installs, id="t-installer", audience="")
    cert = tmp_path / "cert.json"
    args = ["conformance", "run", "-q", "--audience", "index", "--scenarios", str(folder)]
    result = CliRunner().invoke(cli, [*args, "--certificate", str(cert)])
    assert result.exit_code == 0, result.output
    data = json.loads(cert.read_text())
    assert data["audience"] == "index" and "installer" not in data
    assert data["index"]["name"] == "reference" and data["index"]["version"]
    assert data["runner"] == "httpx"
    assert data["results"] == {"t-index@py" + data["pythons"][0]: "pass"}
    assert len(data["scenario_set"]) == 64
    assert "reference" in cert.with_suffix(".svg").read_text()
    verify = CliRunner().invoke(cli, ["conformance", "verify", str(cert), "--rerun"])
    assert verify.exit_code == 0, verify.output
    assert "scenario set" in verify.output and "reproduced" in verify.output


def test_cli_index_run_refuses_an_installer_or_an_unserved_target(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["conformance", "run", "--audience", "index", "--installer", "pip"]
    )
    assert result.exit_code == 2
    assert "--audience index runs no installer" in result.output
    run = ["conformance", "run", "--audience", "index", "--index-target", "url"]
    result = CliRunner().invoke(cli, run)
    assert result.exit_code == 2 and "expected one of reference, pypiserver" in result.output
    select = ["--select", "audience:index"]
    listed = CliRunner().invoke(cli, ["conformance", "list", "--json", *select])
    rows = json.loads(listed.output)
    assert rows and all(row["audience"] == ["index"] for row in rows)


def test_a_variants_file_must_not_stop_short_of_the_wheels_priorities(
    tmp_path: Path, private_host: Path
) -> None:
    from wheelnext.conformance.materialize import materialize

    packages = """
    [[packages.primary]]
    name = "alpha"
    version = "1.0"
    variant = { label = "second", properties = ["ns2 :: f :: x"], namespaces = ["ns1", "ns2"] }

    [[packages.primary]]
    name = "alpha"
    version = "1.0"
    variant = { label = "first", properties = ["ns1 :: f :: x"], namespaces = ["ns1"] }
    """
    root = materialize(load_scenario(_write(tmp_path, packages + HOSTED)), tmp_path / "c")
    short = {
        "$schema": "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json",
        "default-priorities": {"namespace": ["ns1"]},
        "variants": {"first": {"ns1": {"f": ["x"]}}, "second": {"ns2": {"f": ["x"]}}},
    }
    [problem] = inconsistent(json.dumps(short), "alpha-1.0-variants.json", root.roots["primary"])
    assert problem.startswith("body field default-priorities.namespace: ['ns1'], expected")
    full = {**short, "default-priorities": {"namespace": ["ns1", "ns2"]}}
    assert inconsistent(json.dumps(full), "alpha-1.0-variants.json", root.roots["primary"]) == []


def test_reports_filter_by_audience_and_speak_of_the_index(
    tmp_path: Path, private_host: Path
) -> None:
    from wheelnext.commands.conformance import AUDIENCE_CHOICES
    from wheelnext.conformance.scenario import AUDIENCES

    assert AUDIENCE_CHOICES == AUDIENCES
    folder = tmp_path / "s"
    missing = '\n[[fetch]]\nindex = "primary"\npath = "alpha/"\ncontains = ["nowhere"]\n'
    _write(folder, VARIANTS + missing)
    run_json, html = tmp_path / "run.json", tmp_path / "run.html"
    args = ["conformance", "run", "--audience", "index", "--scenarios", str(folder)]
    result = CliRunner().invoke(cli, [*args, "--json", str(run_json), "--html", str(html)])
    assert result.exit_code == 1
    assert "fail t-index [reference index]: reference index 'primary', page alpha/: body" in (
        " ".join(result.output.split())
    )
    [saved] = json.loads(run_json.read_text())["results"]
    assert saved["audience"] == ["index"] and saved["runner"] == "httpx"
    page = html.read_text()
    assert "· index" in page and "requests to the index" in page and "installer output" not in page
    merged = tmp_path / "merged.json"
    for audience, count in (("index", 1), ("installer", 0)):
        report = ["conformance", "report", "-q", str(run_json), "--audience", audience]
        done = CliRunner().invoke(cli, [*report, "--json", str(merged)])
        assert done.exit_code == 0, done.output
        assert len(json.loads(merged.read_text())["results"]) == count


def test_a_link_hash_must_match_the_served_file() -> None:
    from wheelnext.conformance.index_run import hash_mismatch

    digest = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"  # sha256("foo")
    assert hash_mismatch(f"sha256={digest}", b"foo") is None
    assert hash_mismatch("", b"foo") is None  # the hash is optional
    assert hash_mismatch(f"sha256={digest}", b"bar") == (
        f"the link's #sha256={digest} does not match the file served "
        "(sha256 fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9)"
    )


METADATA = """
[[packages.primary]]
name = "alpha"
version = "1.0"
wheel-version = "2.0"

[[fetch]]
index = "primary"
path = "alpha/"
link = "alpha-1.0-py3-none-any.whlx"
metadata = true
contains = ["Wheel-Version: 2.0"]
"""


def test_metadata_follows_a_link_to_its_core_metadata(tmp_path: Path, private_host: Path) -> None:
    """``metadata = true`` fetches ``<file URL>.metadata`` as the anchor offers it (PEP 658)."""
    scenario = load_scenario(_write(tmp_path, METADATA))
    assert scenario.fetches[0].metadata
    [result] = run_index_suite([scenario], "reference")
    assert result.status is Status.PASS, result.failures or result.reason
    output = result.observation.output if result.observation else ""
    assert "GET {server}/primary/files/alpha-1.0-py3-none-any.whlx.metadata: 200" in output
    with pytest.raises(ScenarioError, match="metadata = true needs link"):
        load_scenario(_write(tmp_path, METADATA.replace('link = "alpha-1.0-py3-none-any.whlx"\n',
                                                        "")))
    with pytest.raises(ScenarioError, match="metadata must be true or false"):
        load_scenario(_write(tmp_path, METADATA.replace("metadata = true", 'metadata = "yes"')))


def test_an_anchor_without_metadata_is_named(tmp_path: Path, private_host: Path) -> None:
    from wheelnext.index.features import PERSONALITIES

    scenario = load_scenario(_write(tmp_path, METADATA))
    [result] = run_index_suite([scenario], "reference", personality=PERSONALITIES["html-plain"])
    assert result.status is Status.FAIL
    assert result.failures == (
        "reference index 'primary', core metadata of alpha-1.0-py3-none-any.whlx (linked from "
        "alpha/): the anchor of alpha-1.0-py3-none-any.whlx offers no core metadata file (no "
        "data-core-metadata or data-dist-info-metadata attribute)",)


@pytest.mark.parametrize(("feature", "scenario_id", "failure"), [
    ("whlx-files", "index-pep777-whlx-served",
     "has no anchor whose text is alpha-2.0-py3-none-any.whlx"),
    ("metadata-verbatim", "index-pep777-metadata-wheel-version",
     "body expected to contain 'Wheel-Version: 2.0', it does not"),
    ("metadata-verbatim", "index-pep771-default-extra-metadata",
     "body expected to contain 'Default-Extra: recommended', it does not"),
    ("sdist-validation", "index-pep777-sdist-wheel-version-refused",
     "body expected not to contain 'alpha-1.0.tar.gz', it does"),
    ("variants-validation", "index-pep825-variant-metadata-missing-refused",
     "body expected not to contain 'alpha-1.0-py3-none-any-x86_64_v4_mkl.whl', it does"),
])
def test_each_new_index_scenario_fails_without_its_feature(
    feature: str, scenario_id: str, failure: str, private_host: Path
) -> None:
    """Issue #15: the index scenarios for PEPs 771, 777 and 825's wheel-level rules pass on the
    reference index and fail (or warn, a SHOULD) on it less the feature they exercise."""
    from wheelnext.index.features import DEFAULT

    scenarios = load_scenarios(select=[scenario_id])
    [full] = run_index_suite(scenarios, "reference")
    [knocked] = run_index_suite(scenarios, "reference", personality=DEFAULT.without(feature))
    assert full.status is Status.PASS, full.failures or full.reason
    assert knocked.status in (Status.FAIL, Status.WARN)
    assert any(failure in line for line in knocked.failures), knocked.failures


def test_cli_index_run_against_each_personality(tmp_path: Path, private_host: Path) -> None:
    """``--index-personality`` applies to an index run against the reference index: html-plain
    offers no metadata file, so the Wheel-Version scenario fails there and passes on json-full."""
    out = tmp_path / "run.json"
    result = CliRunner().invoke(cli, [
        "conformance", "run", "-q", "--audience", "index", "--select",
        "index-pep777-metadata-wheel-version", "--index-personality", "json-full",
        "--index-personality", "html-plain", "--json", str(out)])
    assert result.exit_code == 1, result.output
    statuses = {r.get("index_personality", "json-full"): r["status"]
                for r in json.loads(out.read_text())["results"]}
    assert statuses == {"json-full": "pass", "html-plain": "fail"}
    bad = CliRunner().invoke(cli, ["conformance", "run", "--audience", "index",
                                   "--index-personality", "nope"])
    assert bad.exit_code == 2 and "--index-personality 'nope'" in bad.output
