"""Issue #14, tool authors: reproduce commands, ``show``, ``serve``, -v/-q, --json, wide output."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from _support.waiting import wait_until
from click.testing import CliRunner
from rich.console import Console

from wheelnext.cli import cli
from wheelnext.commands import conformance_table
from wheelnext.conformance import report
from wheelnext.conformance.check import Result, Status
from wheelnext.conformance.observe import InstalledDist, Observation
from wheelnext.conformance.record import Record
from wheelnext.conformance.report import html, junit
from wheelnext.conformance.scenario import load_scenario

from .chromium import CHROMIUM, Browser

PATIENCE = 300

LONG_VERSION = "0.0.0.dev0+g1234567890abcdef.d20261202.a-very-long-local-version"

TREE = """
[[packages.internal]]
name = "alpha"
version = "1.0"
requires-dist = ["beta>=2", "gamma"]

[[packages.internal]]
name = "beta"
version = "2.0"

[[packages.public]]
name = "beta"
version = "3.0"

[request]
requirements = ["alpha"]
indexes = ["internal", "public"]
index-strategy = "index-priority"

[expect]
exit = "success"
installed = { alpha = "1.0", beta = "2.0" }
"""

SPEC_WITH_MARKUP = """
[spec]
pep = 777
section = '''Resolver Behavior Regarding ``Wheel-Version``'''
sentence = '''If ``Wheel-Version`` is absent, tools **MUST** infer the version.'''
level = "MUST"
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["conformance", *args], catch_exceptions=False)
    return result.exit_code, result.output


def records(write: Callable[..., Path], version: str = "0.13") -> list[Record]:
    one = load_scenario(write(id="t-one"))
    two = load_scenario(write(id="t-two"))
    seen = Observation(("uv", "pip", "install", "alpha"), 0, False, "ok",
                       {"alpha": InstalledDist("2.0")})  # fmt: skip
    results = [
        Result(one, "pip", "26.0", "3.11.7", Status.PASS, observation=seen),
        Result(one, "uv:strict", version, "3.11.7", Status.FAIL,
               failures=("alpha: expected 1.0, observed 2.0",), observation=seen),
        Result(two, "wheelnext", "1.2", "3.12.1", Status.ERROR, reason="boom"),
    ]  # fmt: skip
    return [Record.of(r, runner="venv+pypiserver" if r.status == Status.ERROR else "venv")
            for r in results]  # fmt: skip


UV_AGAIN = ("wheelnext conformance run --select t-one --installer uv==0.13:strict "
            "--python 3.11")  # fmt: skip
WHEELNEXT_AGAIN = ("wheelnext conformance run --select t-two --installer wheelnext "
                   "--python 3.12 --index-target pypiserver")  # fmt: skip


def test_every_failure_carries_the_command_that_reproduces_it(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    found = records(write_scenario)
    saved = report.document(found, {})["results"]
    assert [r.get("reproduce") for r in saved] == [None, UV_AGAIN, WHEELNEXT_AGAIN]
    path = tmp_path / "run.json"
    report.write_json(path, found, {})
    assert report.load_runs([path]) == found  # the derived field reads back
    cases = ET.fromstring(junit.render(found)).iter("testcase")
    texts = {c.get("name"): "".join(c.itertext()) for c in cases}
    assert UV_AGAIN in texts["t-one"] and WHEELNEXT_AGAIN in texts["t-two"]
    page = html.render(found)
    assert page.count('class="reproduce"') == 2 and UV_AGAIN in page
    console = Console(record=True, width=60)
    conformance_table.render(found, console)
    text = console.export_text()
    assert f"reproduce: {UV_AGAIN}" in text and f"reproduce: {WHEELNEXT_AGAIN}" in text


def test_the_reproduce_command_parses_as_a_run(
    write_scenario: Callable[..., Path]
) -> None:
    """Each reproduce command is a valid ``conformance run`` command line, option for option."""
    from wheelnext.commands.conformance import run

    for command in (UV_AGAIN, WHEELNEXT_AGAIN):
        argv = shlex.split(command)
        assert argv[:3] == ["wheelnext", "conformance", "run"]
        context = run.make_context("run", argv[3:])
        assert context.params["select"] == (argv[4],)


def test_show_prints_the_tree_the_request_and_the_expectations(
    write_scenario: Callable[..., Path]
) -> None:
    folder = write_scenario(TREE, id="t-tree").parent
    code, output = invoke("show", "t-tree", "--scenarios", str(folder))
    assert code == 0, output
    assert output.splitlines() == [
        "t-tree: a test scenario",
        "",
        "index internal",
        "├── alpha 1.0 (wheel py3-none-any)",
        "│   ├── requires beta>=2 -> internal: 2.0, public: 3.0",
        "│   └── requires gamma -> offered by no index",
        "└── beta 2.0 (wheel py3-none-any)",
        "index public",
        "└── beta 3.0 (wheel py3-none-any)",
        "",
        "request:",
        "  install alpha",
        "  from the indexes, in priority order: internal, public",
        "  with the index-priority strategy (PEP 766)",
        "",
        "expected:",
        "  the installer succeeds; installed: exactly alpha 1.0, beta 2.0; "
        "nothing is written outside the environment",
    ]
    code, quiet = invoke("show", "t-tree", "--scenarios", str(folder), "-q")
    assert quiet.splitlines()[0] == "index internal" and "request:" not in quiet
    code, data = invoke("show", "t-tree", "--scenarios", str(folder), "--json")
    assert json.loads(data)["indexes"] == output.splitlines()[2:9]
    code, output = invoke("show", "t-nope", "--scenarios", str(folder))
    assert code == 2 and "no scenario has the id 't-nope'" in output


@pytest.fixture
def serving(
    write_scenario: Callable[..., Path], private_host: Path
) -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    folder = write_scenario(TREE, id="t-tree").parent
    process = subprocess.Popen(
        [sys.executable, "-m", "wheelnext", "conformance", "serve", "t-tree",
         "--scenarios", str(folder), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        yield process, json.loads(line)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=PATIENCE)


def test_serve_serves_the_scenario_until_sigterm(
    serving: tuple[subprocess.Popen[str], dict[str, object]]
) -> None:
    process, shown = serving
    indexes = shown["indexes"]
    assert isinstance(indexes, dict) and set(indexes) == {"internal", "public"}
    assert shown["request"] == [
        "install alpha",
        f"from the indexes, in priority order: internal <{indexes['internal']}>, "
        f"public <{indexes['public']}>",
        "with the index-priority strategy (PEP 766)",
    ]
    page = httpx.get(f"{indexes['internal']}beta/", timeout=PATIENCE)
    assert page.status_code == 200 and "beta-2.0-py3-none-any.whl" in page.text
    assert "beta-3.0" not in page.text
    assert "beta-3.0-py3-none-any.whl" in httpx.get(f"{indexes['public']}beta/").text
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, err
    assert err.strip() == "stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(str(indexes["internal"]), timeout=PATIENCE)


def saved_run(tmp_path: Path, write: Callable[..., Path], version: str = "0.13") -> Path:
    path = tmp_path / "run.json"
    report.write_json(path, records(write, version), {"scenario_set": "abc123"})
    return path


def test_quiet_prints_the_totals_never_nothing(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    run = saved_run(tmp_path, write_scenario)
    _code, output = invoke("report", str(run), "-q")
    assert output == "error: 1, fail: 1, pass: 1\n"
    _, output = invoke("list", "--scenarios", str(run.parent / "scenarios"), "-q")
    assert output == "2 scenarios\n"
    _, verbose = invoke("report", str(run), "-v")
    assert "command: uv pip install alpha" in verbose and "installed: alpha 2.0" in verbose
    assert "command:" not in invoke("report", str(run))[1]


def test_json_dash_is_standard_output(tmp_path: Path, write_scenario: Callable[..., Path]) -> None:
    run = saved_run(tmp_path, write_scenario)
    result = CliRunner().invoke(cli, ["conformance", "report", str(run), "--json", "-"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r.get("reproduce") for r in data["results"]] == [None, UV_AGAIN, WHEELNEXT_AGAIN]
    assert "wheelnext conformance" in result.stderr  # the table went to stderr


@pytest.mark.parametrize("command", ["run", "report", "list", "show", "serve", "verify",
                                     "diff", "power", "xfail"])  # fmt: skip
def test_every_help_states_the_json_rule(command: str) -> None:
    code, output = invoke(command, "--help")
    assert code == 0
    flat = " ".join(output.split())
    if command in ("run", "report"):
        assert "--json FILE" in flat and "'-' is standard output" in flat
    else:
        assert "--json" in flat and "instead of" in flat and "JSON" in flat


def test_output_is_not_cut_at_80_columns_when_not_a_terminal(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    run = saved_run(tmp_path, write_scenario, version=LONG_VERSION)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-m", "wheelnext", "conformance", "report", str(run)],
        capture_output=True, text=True, env=env, timeout=PATIENCE, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(LONG_VERSION in line for line in lines), done.stdout
    row = next(line for line in lines if "t-one" in line and "│" in line)
    assert "pass" in row and "fail" in row and "…" not in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here")
def test_html_legend_metadata_links_and_markup_in_chromium(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    path = write_scenario(id="t-markup")
    path.write_text(path.read_text().replace(
        '[spec]\npep = 766\nsection = "Index priority"\nsentence = "a sentence"\n'
        'level = "rule"\n', SPEC_WITH_MARKUP.lstrip()))  # fmt: skip
    scenario = load_scenario(path)
    seen = Observation(("uv",), 1, False, "no", {})
    found = [Record.of(Result(scenario, "uv", LONG_VERSION, "3.11.7", Status.FAIL,
                              failures=("x",), observation=seen))]  # fmt: skip
    meta = {"date": "2026-12-02T16:00:00+00:00", "command": "wheelnext conformance run -q",
            "scenario_set": "f00dfeed" * 8, "machine": "Linux 6.1 x86_64, 2 CPUs"}  # fmt: skip
    page = tmp_path / "report.html"
    page.write_text(html.render(found, meta=meta))
    browser = Browser(tmp_path / "profile", size=(900, 700))
    try:
        browser.open(page.as_uri())
        legend = browser.js("document.getElementById('legend').innerText")
        for level in ("MUST", "rule", "extension"):
            assert level in legend
        shown = browser.js("document.querySelector('dl.meta').innerText")
        for value in meta.values():
            assert value in shown
        quote = browser.js("document.querySelector('section.detail blockquote').innerText")
        assert "``" not in quote and "**" not in quote
        assert browser.js("document.querySelector('blockquote code').innerText") == "Wheel-Version"
        assert browser.js("document.querySelector('blockquote strong').innerText") == "MUST"
        assert browser.js("document.querySelector('blockquote a').href") == (
            "https://peps.python.org/pep-0777/#resolver-behavior-regarding-wheel-version"
        )
        overflow = browser.js(
            "[...document.querySelectorAll('#matrix th.col')]"
            ".map(th => th.scrollWidth - th.clientWidth)"
        )
        assert overflow and max(overflow) <= 0, overflow
        browser.screenshot(tmp_path / "head.png")
    finally:
        browser.close()
    wait_until(lambda: (tmp_path / "head.png").stat().st_size > 5000, "the screenshot")


def test_quiet_on_xfail_and_verify_still_says_something(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    from wheelnext.conformance.certificate import certificate, write_certificate
    from wheelnext.conformance.scenario import load_scenarios, suite_digest

    run = saved_run(tmp_path, write_scenario)
    out = tmp_path / "lists"
    code, output = invoke("xfail", "--from", str(run), "--out", str(out), "-q")
    assert code == 0 and output.endswith("\n2 lists, 1 scenarios listed\n"), output
    code, output = invoke("xfail", "--from", str(run), "--out", str(out), "-v")
    assert "  added: t-one" not in output  # kept from the first run, not added again
    folder = run.parent / "scenarios"
    only = [r for r in records(write_scenario) if r.installer == "pip"]
    meta = {"scenario_set": suite_digest(load_scenarios([folder])),
            "scenario_dirs": [str(folder)], "installer_spec": "pip"}  # fmt: skip
    cert = tmp_path / "cert.json"
    write_certificate(cert, certificate(only, meta))
    code, full = invoke("verify", str(cert))
    code, quiet = invoke("verify", str(cert), "-q")
    assert code == 0 and quiet == full.splitlines(keepends=True)[-1] and quiet.strip()


WRONG_EXPECTATION = """
[[packages.internal]]
name = "alpha"
version = "1.0"

[[packages.public]]
name = "alpha"
version = "9.0"

[request]
requirements = ["alpha"]
indexes = ["internal", "public"]
index-strategy = "index-priority"

[expect]
exit = "success"
installed = { alpha = "9.0" }
"""


@pytest.mark.slow
def test_a_real_failure_reproduces_alone_with_its_command(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    """Run two scenarios with the reference installer; one fails; its command reruns it alone."""
    write_scenario(id="t-holds")
    folder = write_scenario(WRONG_EXPECTATION, id="t-wrong").parent
    saved = tmp_path / "run.json"
    args = ["conformance", "run", "-q", "--installer", "wheelnext", "--scenarios", str(folder)]
    result = CliRunner().invoke(cli, [*args, "--json", str(saved)])
    assert result.exit_code == 1, result.output
    assert result.stdout == "fail: 1, pass: 1\n"  # -q: the totals, and nothing else
    assert result.stderr == ""  # no write-detection line without -v
    (failed,) = [r for r in json.loads(saved.read_text())["results"] if "reproduce" in r]
    argv = shlex.split(failed["reproduce"])
    assert argv[:3] == ["wheelnext", "conformance", "run"] and "t-wrong" in argv
    again = tmp_path / "again.json"
    result = CliRunner().invoke(cli, [*argv[1:], "--json", str(again)])
    assert result.exit_code == 1, result.output
    (only,) = json.loads(again.read_text())["results"]
    assert (only["scenario"], only["failures"]) == ("t-wrong", failed["failures"])
    assert only["reproduce"] == failed["reproduce"]


def test_shell_completion_is_documented_and_completes_scenario_ids() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "cli.rst").read_text(encoding="utf-8")
    assert "_WHEELNEXT_COMPLETE=bash_source wheelnext" in docs and "--json FILE" in docs
    env = {**os.environ, "_WHEELNEXT_COMPLETE": "bash_complete",
           "COMP_WORDS": "wheelnext conformance show pep766-best", "COMP_CWORD": "3"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "wheelnext"], env=env, capture_output=True,
                          text=True, timeout=PATIENCE)  # fmt: skip
    assert "plain,pep766-best-within-first-index" in done.stdout.splitlines(), done
