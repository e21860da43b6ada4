"""``[request.lock]``: a scenario installs from a ``pylock.toml`` the harness writes.

PEP 825, "Integration with pylock.toml": "If variant wheels are listed, the tool SHOULD
resolve variants to select the best wheel file", and "Tools that support variant-aware
resolution MUST validate this table against the referenced schema."
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.installer import PIP
from click.testing import CliRunner

from wheelnext.cli import cli
from wheelnext.conformance.adapters import IndexURL, InstallRequest, Invocation, Unsupported
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller
from wheelnext.conformance.lockfile import write_lock
from wheelnext.conformance.materialize import materialize_all
from wheelnext.conformance.scenario import Scenario, ScenarioError, load_scenario
from wheelnext.errors import WheelnextError
from wheelnext.install.pylock import read_lock
from wheelnext.install.target import probe

TWO_VARIANTS = """
[[packages.primary]]
name = "alpha"
version = "1.0"
variant = {{ label = "aaa", properties = ["ns :: f :: x"] }}

[[packages.primary]]
name = "alpha"
version = "1.0"
variant = {{ label = "bbb", properties = ["ns :: f :: y"] }}

[request]
variant-properties = ["ns :: f :: y"]
{lock}

[expect]
exit = "success"
"""


def lock_scenario(
    write: Callable[..., Path], lock: str = 'lock = { packages = ["alpha"] }'
) -> Scenario:
    return load_scenario(write(TWO_VARIANTS.format(lock=lock)))


def test_the_lock_key_is_read_and_is_a_capability(write_scenario: Callable[..., Path]) -> None:
    scenario = lock_scenario(write_scenario)
    assert scenario.request.lock is not None
    assert scenario.request.lock.packages == ("alpha",)
    assert "lock" in scenario.request.capabilities()


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ('lock = { packages = ["beta"] }', "no package table builds 'beta'"),
        ("lock = { packages = [] }", "lock.packages names no project"),
        ('lock = { packages = ["alpha"], extra = 1 }', "unknown key 'request.lock.extra'"),
        ('lock = { packages = ["alpha"] }\nrequirements = ["alpha"]', "the lock file alone"),
        ('lock = { packages = ["alpha"], variants-json = { beta = {} } }',
         "unknown key 'request.lock.variants-json.beta'"),
    ],
)  # fmt: skip
def test_a_bad_lock_table_is_refused_by_its_place(
    write_scenario: Callable[..., Path], lock: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        lock_scenario(write_scenario, lock)


def test_the_lock_lists_every_wheel_and_what_wheelnext_lock_writes(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    scenario = lock_scenario(write_scenario)
    roots = materialize_all([scenario], tmp_path / "cache")[scenario.id]
    assert scenario.request.lock is not None
    path = write_lock(scenario.request.lock, roots, tmp_path / "work", scenario.path)
    data = tomllib.loads(path.read_text())
    (package,) = data["packages"]
    assert [w["name"] for w in package["wheels"]] == [
        "alpha-1.0-py3-none-any-aaa.whl", "alpha-1.0-py3-none-any-bbb.whl"
    ]  # fmt: skip
    for wheel in package["wheels"]:
        copied = (path.parent / wheel["path"]).read_bytes()
        assert wheel["hashes"]["sha256"] == hashlib.sha256(copied).hexdigest()
        assert wheel["size"] == len(copied)
    assert set(package["variants-json"]["variants"]) == {"aaa", "bbb"}
    # The reference installer, given the system's properties, takes the supported variant
    # rather than the first listed one.
    target = probe()
    for supported, label in (({"ns": {"f": ["y"]}}, "bbb"), ({"ns": {"f": ["x"]}}, "aaa")):
        (chosen,) = read_lock(path, target, supported)
        assert chosen.variant_label == label


def test_a_replaced_variants_json_table_is_written_and_refused_by_wheelnext(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    broken = (
        'lock = { packages = ["alpha"], variants-json = { alpha = { "$schema" = '
        '"https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json", '
        "default-priorities = { namespace = [] }, variants = {} } } }"
    )
    scenario = lock_scenario(write_scenario, broken)
    roots = materialize_all([scenario], tmp_path / "cache")[scenario.id]
    assert scenario.request.lock is not None
    path = write_lock(scenario.request.lock, roots, tmp_path / "work", scenario.path)
    assert tomllib.loads(path.read_text())["packages"][0]["variants-json"]["variants"] == {}
    with pytest.raises(WheelnextError, match="variants-json: default-priorities/namespace"):
        read_lock(path, probe(), {"ns": {"f": ["y"]}})


def request(lock: Path | None) -> InstallRequest:
    return InstallRequest(
        requirements=(), indexes=(IndexURL("a", "http://127.0.0.1:1/a/simple/"),),
        python=Path("/env/bin/python"), prefix=Path("/env"), work=Path("/work"), lock=lock,
    )  # fmt: skip


def test_adapters_pass_the_lock_with_dash_r() -> None:
    lock = Path("/work/pylock.toml")
    for installer in (
        WheelnextInstaller(),
        PipInstaller(python=Path("/tool/python"), version="26.3"),
        UvInstaller(binary=Path("/bin/uv"), version="0.13.9"),
    ):
        invocation = installer.invocation(request(lock))
        assert isinstance(invocation, Invocation), installer
        assert list(invocation.argv[-2:]) == ["-r", str(lock)], installer
    old = PipInstaller(python=Path("/tool/python"), version="23.2.1")
    assert isinstance(old.invocation(request(lock)), Unsupported)
    assert isinstance(old.invocation(request(None)), Invocation)


@pytest.mark.slow
def test_the_shipped_lock_scenarios_through_the_harness(
    tmp_path: Path, private_host: Path
) -> None:
    out = tmp_path / "run.json"
    args = ["conformance", "run", "-q", "--runner", "venv", "--installer", "wheelnext",
            "--installer", PIP, "--select", "*-lock-*", "--json", str(out)]  # fmt: skip
    CliRunner().invoke(cli, args)
    records = json.loads(out.read_text())["results"]
    status = {(r["scenario"], r["installer"]): r["status"] for r in records}
    assert status == {
        ("baseline-lock-wheel-path", "wheelnext"): "pass",
        ("pep825-lock-resolves-variants", "wheelnext"): "pass",
        ("pep825-lock-validates-variants-json", "wheelnext"): "pass",
        # This environment's pip (26.3) reads the lock; it cannot express variant properties.
        ("baseline-lock-wheel-path", "pip"): "pass",
        ("pep825-lock-resolves-variants", "pip"): "unsupported",
        ("pep825-lock-validates-variants-json", "pip"): "unsupported",
        # A Wheel 3.0 .whlx in a lock: refused (pip refuses the .whlx file name itself).
        ("pep777-lock-major-newer-aborts", "wheelnext"): "pass",
        ("pep777-lock-major-newer-aborts", "pip"): "pass",
    }
