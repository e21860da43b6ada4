"""``--index-target url``: any index URL, filled by an upload command.

The real test starts pypiserver with uploads allowed (``pypi-server run -a .
-P .``, loopback only) and uploads with twine and with ``upload_multipart.py``
(the legacy upload form by the standard library, which leaves every judgement
to the index).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.installer import PIP
from _support.waiting import WaitTimeout, wait_until
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.conformance.materialize import materialize
from wheelnext.conformance.record import Record
from wheelnext.conformance.remote_index import RemoteIndex, RemoteIndexError
from wheelnext.conformance.report import html
from wheelnext.conformance.scenario import load_scenario

UPLOADER = Path(__file__).with_name("upload_multipart.py")

TWO_INDEXES = """
[[packages.internal]]
name = "alpha"
version = "1.0"

[[packages.public]]
name = "alpha"
version = "9.0"

[request]
requirements = ["alpha"]
indexes = ["internal", "public"]

[expect]
installed = { alpha = "1.0" }
"""

REQUEST_LOG = """
[[packages.primary]]
name = "solo"
version = "1.0"

[request]
requirements = ["solo"]

[expect]
installed = { solo = "1.0" }

[expect.requests]
order = ["primary"]
"""

ERRORING = """
[indexes.primary]
error = 503

[[packages.primary]]
name = "solo"
version = "1.0"

[request]
requirements = ["solo"]

[expect]
exit = "failure"
"""


def project(name: str, version: str = "1.0") -> str:
    return f"""
[[packages.primary]]
name = "{name}"
version = "{version}"

[request]
requirements = ["{name}"]

[expect]
exit = "success"
installed = {{ {name} = "{version}" }}
"""


@pytest.mark.parametrize(
    ("url", "command", "message"),
    [
        ("", "up {files}", "needs --index-url"),
        ("http://127.0.0.1:1/simple/", "", "needs --upload-command"),
        ("ftp://127.0.0.1/simple/", "up {files}", r"expected an http\(s\) URL"),
        ("http://127.0.0.1:1/simple/", "up {dir}", "name the files with {file}"),
        ("http://127.0.0.1:1/simple/", "up 'unclosed", "--upload-command: No closing quotation"),
    ],
)
def test_bad_options_are_one_line_errors(url: str, command: str, message: str) -> None:
    with pytest.raises(RemoteIndexError, match=message):
        RemoteIndex(url, command)


def test_url_options_without_the_url_target_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["conformance", "run", "--index-url", "http://127.0.0.1:1/simple/"])
    assert exit_info.value.code == 2
    assert "--index-target url" in capsys.readouterr().err


def test_what_a_remote_index_cannot_do_is_not_applicable(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    def verdict(remote: RemoteIndex, body: str, id: str) -> str | None:
        scenario = load_scenario(write_scenario(body, id=id))
        return remote.not_applicable(scenario, materialize(scenario, tmp_path / "built"))

    shared = RemoteIndex("http://127.0.0.1:1/simple/", "up {files}")
    assert "request log" in (verdict(shared, REQUEST_LOG, "t-log") or "")
    assert "answer an error" in (verdict(shared, ERRORING, "t-error") or "")
    assert "{index} placeholder" in (verdict(shared, TWO_INDEXES, "t-two") or "")
    assert verdict(shared, project("alpha"), "t-first") is None
    assert verdict(shared, project("alpha"), "t-same-files") is None  # the same folder
    later = verdict(shared, project("alpha", "2.0"), "t-later") or ""
    assert "project alpha is already on" in later and "t-first" in later
    assert verdict(shared, project("beta"), "t-beta") is None

    per_scenario = RemoteIndex("http://127.0.0.1:1/{scenario}/{index}/simple/", "up {file}")
    assert verdict(per_scenario, TWO_INDEXES, "t-two") is None
    assert verdict(per_scenario, project("alpha", "2.0"), "t-later") is None
    assert per_scenario.fill_url("s", "i") == "http://127.0.0.1:1/s/i/simple/"


def test_upload_fills_the_placeholders_and_keeps_a_refusal_as_evidence(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for name in ("a-1.0-py3-none-any.whl", "a-1.0.tar.gz", "a-1.0.tar.gz.yanked"):
        (root / name).write_text("x")
    echo = f"{sys.executable} -c 'import sys; print(sys.argv[1:]); sys.exit(len(sys.argv) > 3)'"
    many = RemoteIndex("http://h/{scenario}/", f"{echo} {{url}} {{index}} {{files}}")
    log = many.upload("s1", "primary", root)
    assert log.count("$ ") == 1 and "[exit status 1]" in log
    assert "'http://h/s1/', 'primary'" in log and ".yanked" not in log
    each = RemoteIndex("http://h/", f"{echo} {{dir}}/{{file}}")
    log = each.upload("s1", "primary", root)
    assert log.count("$ ") == 2 and log.count("[exit status 0]") == 2
    with pytest.raises(RemoteIndexError, match="no such program"):
        RemoteIndex("http://h/", "/nonexistent/uploader {files}").upload("s", "i", root)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pypiserver(tmp_path: Path) -> Iterator[str]:
    """A pypiserver accepting unauthenticated uploads on 127.0.0.1; its base URL."""
    folder = tmp_path / "pypiserver"
    folder.mkdir()
    port = free_port()
    exe = Path(sys.executable).with_name("pypi-server")
    proc = subprocess.Popen(
        [str(exe), "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".",
         "--disable-fallback", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until(lambda: _answers(f"{url}/simple/"), "pypiserver to answer")
        except WaitTimeout:
            pytest.fail("pypiserver did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def run_url(url: str, command: str, out: Path, *select: str) -> tuple[int, list[dict[str, object]]]:
    args = ["conformance", "run", "-q", "--installer", PIP, "--index-target", "url"]
    args += ["--index-url", f"{url}/simple/", "--upload-command", command, "--json", str(out)]
    for pattern in select:
        args += ["--select", pattern]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text())
    assert data["runner"] == "venv+url" and data["index_url"] == f"{url}/simple/"
    return result.exit_code, data["results"]


@pytest.mark.network_installer
@pytest.mark.slow
def test_against_pypiserver_filled_by_an_upload_command(
    pypiserver: str, tmp_path: Path, private_host: Path
) -> None:
    command = f"{sys.executable} {UPLOADER} {pypiserver}/ {{files}}"
    code, records = run_url(
        pypiserver, command, tmp_path / "run.json",
        "baseline-index-project-page", "baseline-newest-version", "pep766-no-surprise-update",
        "pep766-fall-through-name-absent",
    )  # fmt: skip
    by_id = {r["scenario"]: r for r in records}
    page = by_id["baseline-index-project-page"]
    assert page["status"] == "pass", page["failures"]
    observed = page["observed"]
    assert isinstance(observed, dict)
    assert "alpha-1.0-py3-none-any.whl: HTTP 200" in observed["uploads"]
    assert "{server}" in observed["uploads"] and observed["requests"] == []
    assert (tmp_path / "pypiserver" / "alpha-1.0-py3-none-any.whl").is_file()
    page_html = html.render([Record.from_json(page)])
    assert "upload command output" in page_html and "HTTP 200" in page_html
    reasons = {k: str(r["reason"]) for k, r in by_id.items() if r["status"] == "not applicable"}
    assert "already on" in reasons["baseline-newest-version"]
    assert "{index} placeholder" in reasons["pep766-no-surprise-update"]
    assert "request log" in reasons["pep766-fall-through-name-absent"]
    assert code == 0


@pytest.mark.network_installer
@pytest.mark.slow
def test_twine_as_the_upload_command(
    pypiserver: str, tmp_path: Path, private_host: Path, write_scenario: Callable[..., Path]
) -> None:
    write_scenario(project("twined"), id="t-twine")
    twine = Path(sys.executable).with_name("twine")
    if not twine.exists():
        pytest.skip("twine is not installed (the test extra has it)")
    command = (
        f"{twine} upload --non-interactive --disable-progress-bar -u any -p any "
        f"--repository-url {pypiserver}/ {{files}}"
    )
    args = ["--scenarios", str(tmp_path / "scenarios")]
    out = tmp_path / "run.json"
    cli_args = ["conformance", "run", "-q", "--installer", PIP, "--index-target", "url"]
    cli_args += ["--index-url", f"{pypiserver}/simple/", "--upload-command", command]
    result = CliRunner().invoke(cli, [*cli_args, *args, "--json", str(out)])
    (record,) = json.loads(out.read_text())["results"]
    uploads = record["observed"]["uploads"]
    assert "twine upload" in uploads and "Uploading distributions to {server}/" in uploads
    uploaded = (tmp_path / "pypiserver" / "twined-1.0-py3-none-any.whl").is_file()
    # twine 7 checks the metadata first, and refuses PEP 777's Wheel-Version field
    # (the builder writes it into METADATA): the index then has nothing to install.
    if uploaded:
        assert record["status"] == "pass" and result.exit_code == 0
    else:
        assert "wheel-version" in uploads.lower()
        assert record["status"] == "fail" and result.exit_code == 1


LEAKY_UPLOADER = """\
import os, subprocess, sys
# An upload command that prints everything it was given, secrets included.
print("argv:", sys.argv[1:], "token:", os.environ["WHEELNEXT_TEST_TOKEN"])
args = sys.argv[1:]
password = args.index("--password")
del args[password:password + 2]
target, files = args[0], args[1:]
plain = target.split("@", 1)[0].split("//")[0] + "//" + target.split("@", 1)[1]
uploader = sys.argv[0].replace("leaky.py", "upload_multipart.py")
subprocess.run([sys.executable, uploader, plain, *files])
"""


@pytest.mark.network_installer
@pytest.mark.slow
def test_planted_secrets_reach_no_output(
    pypiserver: str, tmp_path: Path, private_host: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret in the index URL, the upload command and the environment: in no output file."""
    secrets = ("urlpw-c4n4ry-1", "optpw-c4n4ry-2", "envtok-c4n4ry-3")
    monkeypatch.setenv("WHEELNEXT_TEST_TOKEN", secrets[2])
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "leaky.py").write_text(LEAKY_UPLOADER)
    (tools / "upload_multipart.py").write_text(UPLOADER.read_text())
    authed = pypiserver.replace("http://", f"http://user:{secrets[0]}@")
    command = f"{sys.executable} {tools / 'leaky.py'} {authed}/ --password {secrets[1]} {{files}}"
    out = tmp_path / "out"
    args = ["conformance", "run", "--installer", PIP, "--index-target", "url"]
    args += ["--index-url", f"{authed}/simple/", "--upload-command", command]
    args += ["--select", "baseline-index-project-page", "--json", str(out / "r.json")]
    args += ["--junit-xml", str(out / "r.xml"), "--html", str(out / "r.html")]
    args += ["--certificate", str(out / "cert.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (record,) = json.loads((out / "r.json").read_text())["results"]
    assert record["status"] == "pass", record["failures"]
    uploads = record["observed"]["uploads"]
    assert "argv:" in uploads and "--password *** " in uploads  # the upload did run, masked
    assert "user:" not in json.dumps(record["observed"]["argv"])
    written = {p.name: p.read_text() for p in out.iterdir()}
    assert {"r.json", "r.xml", "r.html", "cert.json", "cert.svg"} <= set(written)
    run_meta = json.loads(written["r.json"])
    assert run_meta["upload_command"].endswith("--password *** {files}")
    for name, text in [*written.items(), ("terminal", result.output)]:
        for secret in secrets:
            assert secret not in text, (name, secret)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5).close()
    except OSError:
        return False
    return True


def test_one_namespace_says_before_running_what_it_cannot_isolate(
    write_scenario: Callable[..., Path], tmp_path: Path, private_host: Path
) -> None:
    """Two scenarios with a project alpha each, on a stand-in index with one namespace (the
    reference index over one folder that ``cp`` fills): the second is named before the run."""
    from wheelnext.index import serve_in_process

    write_scenario(project("alpha"), id="t-first")
    write_scenario(project("alpha", "2.0"), id="t-second")
    write_scenario(project("beta"), id="t-beta")
    shared = tmp_path / "one-namespace"
    shared.mkdir()
    with serve_in_process(shared) as server:
        args = ["conformance", "run", "--scenarios", str(tmp_path / "scenarios"),
                "--installer", PIP, "--index-target", "url", "--index-url",
                f"{server.url}/simple/", "--upload-command", f"cp {{files}} {shared}",
                "--json", str(tmp_path / "run.json")]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    notice = result.output.index("1 scenario(s) cannot be isolated")
    assert "t-second: alpha (from t-first)" in result.output[notice:]
    records = {r["scenario"]: r for r in json.loads((tmp_path / "run.json").read_text())["results"]}
    assert records["t-second"]["status"] == "not applicable"
    assert records["t-first"]["status"] == "pass" and records["t-beta"]["status"] == "pass"
    assert sorted(p.name for p in shared.iterdir()) == [
        "alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"
    ]
