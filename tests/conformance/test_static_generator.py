"""The ``static-dumb-pypi`` index target (issue 15): dumb-pypi's pages behind a file server.

dumb-pypi is provisioned once into a cache shared by this module's tests (the
only step that reaches the package registry); the index is served on 127.0.0.1.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest

from wheelnext.conformance.check import Status
from wheelnext.conformance.index_run import run_index_suite
from wheelnext.conformance.index_targets import TARGETS, serve
from wheelnext.conformance.materialize import materialize
from wheelnext.conformance.scenario import load_scenario
from wheelnext.conformance.static_generator import TARGET, GeneratorError, generator_program

SCENARIO = """\
format = 1

[scenario]
id = "{id}"
title = "an index scenario"
audience = "index"

[spec]
document = "simple-repository-api"
section = "Project Detail"
sentence = "a sentence"
level = "MUST"
{packages}
[[fetch]]
index = "primary"
path = "alpha/"
{expect}
"""

PLAIN = '\n[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
VARIANT = (
    '\n[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
    'variant = { label = "x86_64_v3", properties = ["x86_64 :: level :: v3"] }\n'
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generator-cache")
    try:
        generator_program(folder)
    except GeneratorError as exc:
        pytest.skip(f"dumb-pypi cannot be provisioned here: {exc}")
    return folder


def _scenario(folder: Path, id: str, packages: str, expect: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{id}.toml"
    path.write_text(SCENARIO.format(id=id, packages=packages, expect=textwrap.dedent(expect)))
    return path


def test_the_target_is_offered() -> None:
    assert TARGET == "static-dumb-pypi" and TARGET in TARGETS


def test_generated_pages_are_served_as_files(tmp_path: Path, cache: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path / "s", "t-plain", PLAIN, "status = 200"))
    roots = materialize(scenario, cache / "packages").roots
    with serve(TARGET, roots, {}, cache=cache) as served:
        listing = httpx.get(served.index_url("primary"))
        page = httpx.get(served.index_url("primary") + "alpha/")
        missing = httpx.get(served.index_url("primary") + "alpha")  # no redirect: a file server
        [anchor] = [line for line in page.text.splitlines()
                    if "alpha-1.0-py3-none-any.whl" in line and "href" in line]
        wheel = httpx.get(served.url + anchor.split('href="')[1].split('"')[0].split("#")[0])
        requests = [(r.index, r.path, r.status) for r in served.requests]
    assert listing.status_code == 200 and 'href="alpha/index.html"' in listing.text
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "#sha256=" in anchor and 'data-core-metadata="sha256=' in page.text
    assert missing.status_code == 404
    assert wheel.status_code == 200 and wheel.content[:2] == b"PK"
    assert ("primary", "/primary/simple/alpha/", 200) in requests


def test_index_run_passes_and_fails_where_dumb_pypi_does(tmp_path: Path, cache: Path) -> None:
    """A plain wheel is listed; a variant wheel's name (PEP 825 label) is skipped by dumb-pypi."""
    folder = tmp_path / "s"
    plain = load_scenario(
        _scenario(folder, "t-plain", PLAIN, 'link = "alpha-1.0-py3-none-any.whl"')
    )
    variant = load_scenario(
        _scenario(folder, "t-variant", VARIANT, 'link = "alpha-1.0-py3-none-any-x86_64_v3.whl"')
    )
    passed, failed = run_index_suite([plain, variant], TARGET, cache=cache)
    assert passed.status is Status.PASS, passed.failures or passed.reason
    assert passed.installer == TARGET and passed.installer_version == "1.15.0"
    assert failed.status is Status.FAIL
    assert failed.failures == (
        "static-dumb-pypi index 'primary', file alpha-1.0-py3-none-any-x86_64_v3.whl (linked from "
        "alpha/): page alpha/ (status 404) has no anchor whose text is "
        "alpha-1.0-py3-none-any-x86_64_v3.whl",
    )
