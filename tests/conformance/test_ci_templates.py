"""The CI templates: valid against their published schemas, and their commands, run here by
tools/ci_local.py in 3 shards, give the certificate of one unsharded run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wheelnext.cli import main

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    ("vendor.github-actions", ROOT / "action.yml"),
    ("vendor.github-workflows", ROOT / ".github" / "workflows" / "conformance.yml"),
    ("vendor.gitlab-ci", ROOT / "ci" / "wheelnext-conformance.gitlab-ci.yml"),
]


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with the schema it ships (vendored: no network)."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("schema", "path"), TEMPLATES, ids=[s for s, _ in TEMPLATES])
def test_a_template_is_valid_against_its_published_schema(
    schema: str, path: Path, tmp_path: Path
) -> None:
    done = _check_jsonschema(schema, path)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / path.name
    text = path.read_text()
    broken.write_text(text.replace("shell: bash", "shel: bash").replace("  stage:", "  stages:")
                      .replace("    runs-on:", "    runs_on:"))  # fmt: skip
    assert broken.read_text() != text
    assert _check_jsonschema(schema, broken).returncode == 1


SCENARIO = """\
format = 1

[scenario]
id = "t-{n}"
title = "a test scenario"

[spec]
pep = 766
section = "Index priority"
sentence = "a sentence"
level = "rule"

[[packages.primary]]
name = "alpha"
version = "1.{n}"

[request]
requirements = ["alpha"]

[expect]
exit = "success"
installed = {{ alpha = "{expected}" }}
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("system", "given", "certificate"),
    [
        ("github", ["--input", "installer=wheelnext", "--input", "shards=3",
                    "--input", "scenarios=sc"],
         "wheelnext-conformance-report/certificate.json"),
        ("gitlab", ["--var", "WHEELNEXT_INSTALLER=wheelnext", "--var", "WHEELNEXT_SCENARIOS=sc"],
         "wheelnext-conformance-report-0/wheelnext-report/certificate.json"),
    ],
)  # fmt: skip
def test_the_templates_commands_run_three_shards_into_the_whole_certificate(
    system: str,
    given: list[str],
    certificate: str,
    tmp_path: Path,
    private_host: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "sc").mkdir(parents=True)
    for n in range(1, 6):
        expected = "9.9" if n == 5 else f"1.{n}"
        (workspace / "sc" / f"t{n}.toml").write_text(SCENARIO.format(n=n, expected=expected))
    monkeypatch.chdir(workspace)
    with pytest.raises(SystemExit) as exited:
        main(["conformance", "run", "-q", "--installer", "wheelnext", "--scenarios", "sc",
              "--certificate", str(tmp_path / "whole.json")])  # fmt: skip
    assert exited.value.code == 1  # t-5 fails
    out = tmp_path / "out"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "ci_local.py"), system, str(workspace),
         "--out", str(out), *given],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the shard with t-5 fails, the merge does not
    assert "report: success" in done.stderr or "report : success" in done.stderr, done.stderr
    shards = sorted(p.name for p in out.glob("artifacts/**/shard-*.json"))
    assert shards == ["shard-1.json", "shard-2.json", "shard-3.json"]
    merged = (out / "artifacts" / certificate).read_text()
    assert merged == (tmp_path / "whole.json").read_text()
    if system == "github":
        summary = (out / "step-summary.md").read_text()
        assert "**5 results**: 1 fail, 4 pass" in summary and "--select t-5" in summary
