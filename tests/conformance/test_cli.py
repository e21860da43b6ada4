"""``wheelnext conformance``: outputs, exit statuses, xfail lists, certificates, diff."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.installer import PIP, UV
from click.testing import CliRunner

from wheelnext.cli import cli, main
from wheelnext.conformance.scenario import shipped_dir

pytestmark = [pytest.mark.network_installer, pytest.mark.slow]

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
exit = "success"
installed = { alpha = "1.0" }
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["conformance", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_run_writes_every_report(tmp_path: Path, private_host: Path) -> None:
    out = {k: tmp_path / f"r.{k}" for k in ("json", "xml", "html")}
    code, output = invoke(
        "run", "--installer", UV, "--scenarios", str(shipped_dir() / "baseline"),
        "--select", "baseline-single-*", "--json", str(out["json"]),
        "--junit-xml", str(out["xml"]), "--html", str(out["html"]),
    )  # fmt: skip
    assert code == 0, output
    assert "baseline-single-wheel" in output and "pass" in output
    data = json.loads(out["json"].read_text())
    assert [r["status"] for r in data["results"]] == ["pass"]
    assert data["results"][0]["spec"]["document"] == "binary-distribution-format"
    assert "<testsuite" in out["xml"].read_text()
    assert 'class="cell pass"' in out["html"].read_text()


def test_an_unexpected_fail_exits_1_and_an_xfail_list_turns_it_to_0(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    folder = write_scenario(TWO_INDEXES, id="t-version-priority").parent
    args = ["run", "-q", "--installer", PIP, "--scenarios", str(folder)]
    code, output = invoke(*args, "--json", str(tmp_path / "r.json"))
    assert code == 1, output
    (failed,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert failed["failures"] == ["alpha: expected 1.0, observed 9.0"]
    xfail = tmp_path / "pip.toml"
    xfail.write_text('installer = "pip"\n[expected-failures]\nt-version-priority = "merges"\n')
    assert invoke(*args, "--xfail", str(xfail))[0] == 0
    # Strict: a listed scenario that passes is an unexpected pass.
    code, _ = invoke("run", "-q", "--installer", UV, "--scenarios", str(folder))
    assert code == 0
    uv_list = tmp_path / "uv.toml"
    uv_list.write_text('[expected-failures]\nt-version-priority = "stale entry"\n')
    code, output = invoke(
        "run", "--installer", UV, "--scenarios", str(folder), "--xfail", str(uv_list)
    )
    assert code == 1
    assert "unexpected pass" in output and "stale entry" in output


def test_certificate_verify_and_rerun(
    tmp_path: Path, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    folder = write_scenario(id="t-cert").parent
    cert = tmp_path / "cert.json"
    code, output = invoke(
        "run", "-q", "--installer", UV, "--scenarios", str(folder), "--certificate", str(cert)
    )
    assert code == 0, output
    data = json.loads(cert.read_text())
    assert data["installer"]["name"] == "uv" and data["totals"] == {"pass": 1}
    assert cert.with_suffix(".svg").read_text().startswith("<svg")
    assert data["level"] == "all MUSTs and SHOULDs met"
    code, output = invoke("verify", str(cert), "--rerun")
    assert code == 0, output
    assert "matches this suite" in output
    assert "reproduced: the rerun gave all 1 results again" in output
    # Without --rerun: it says what it checked and what it cannot, and never "reproduced".
    code, output = invoke("verify", str(cert))
    assert code == 0, output
    assert "checked the certificate's own consistency and its scenario-set hash" in output
    assert "not checked: that the results are real" in output and "reproduced" not in output
    code, output = invoke("verify", str(cert), "--json")
    shown = json.loads(output)
    assert code == 0 and shown["scenario_set_matches"] is True and shown["reproduced"] is None
    # An edit the digest was not recomputed for: caught without a rerun.
    edited = {**data, "results": {key: "fail" for key in data["results"]}}
    cert.write_text(json.dumps(edited))
    code, output = invoke("verify", str(cert))
    assert code == 1 and "inconsistent: digest does not match" in output
    # A deliberate edit (digest and totals recomputed) passes that check: only a rerun tells.
    from wheelnext.conformance.certificate import digest

    edited["totals"] = {"fail": 1}
    edited["digest"] = digest(edited)
    cert.write_text(json.dumps(edited))
    assert invoke("verify", str(cert))[0] == 0
    code, output = invoke("verify", str(cert), "--rerun", "--json")
    assert code == 1 and json.loads(output)["reproduced"] is False
    assert json.loads(output)["differences"] == [
        "t-cert@py" + data["pythons"][0] + ": certified fail, now pass"
    ]
    (folder / "t-cert.toml").write_text((folder / "t-cert.toml").read_text() + "\n# changed\n")
    code, output = invoke("verify", str(cert))
    assert code == 1 and "scenario set differs" in output


def test_diff_shows_where_installers_disagree(
    write_scenario: Callable[..., Path], private_host: Path
) -> None:
    write_scenario(TWO_INDEXES, id="t-disagree")
    folder = write_scenario(id="t-agree").parent
    code, output = invoke(
        "diff", "--installer", PIP, "--installer", UV, "--scenarios", str(folder), "--json"
    )
    assert code == 0, output
    found = json.loads(output)
    assert [d["scenario"] for d in found] == ["t-disagree"]
    decisions = sorted(found[0]["decisions"].values())
    assert any("alpha 1.0" in d for d in decisions) and any("alpha 9.0" in d for d in decisions)


def test_report_merges_runs(tmp_path: Path, private_host: Path) -> None:
    base = ["run", "-q", "--scenarios", str(shipped_dir() / "baseline"), "--select", "*direct*"]
    assert invoke(*base, "--installer", UV, "--json", str(tmp_path / "a.json"))[0] == 0
    assert invoke(*base, "--installer", "wheelnext", "--json", str(tmp_path / "b.json"))[0] == 0
    html = tmp_path / "merged.html"
    code, output = invoke(
        "report", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--html", str(html)
    )
    assert code == 0, output
    page = html.read_text()
    assert page.count('<td class="cell') == 2 and "unsupported" in page


def test_list_json(write_scenario: Callable[..., Path]) -> None:
    folder = write_scenario().parent
    code, output = invoke("list", "--json", "--scenarios", str(folder))
    assert code == 0
    assert [row["id"] for row in json.loads(output)] == ["t-one"]


def test_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], private_host: Path
) -> None:
    baseline = str(shipped_dir() / "baseline")
    for argv in (
        ["conformance", "run", "--installer", "nosuch", "--scenarios", baseline],
        ["conformance", "run", "--installer", PIP, "--runner", "nowhere", "--scenarios", baseline],
        ["conformance", "report", str(tmp_path)],
    ):  # fmt: skip
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err, err


def test_a_harness_error_exits_3(
    write_scenario: Callable[..., Path], private_host: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wheelnext.conformance.run as run_module

    def broken(*args: object) -> object:
        raise RuntimeError("checker bug")

    monkeypatch.setattr(run_module, "check", broken)
    folder = write_scenario().parent
    code, output = invoke("run", "--installer", UV, "--scenarios", str(folder))
    assert code == 3
    assert "checker bug" in output
