"""pdm and poetry: the request as a generated project file, their own index priority."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.conformance.adapters import (
    AdapterError,
    IndexURL,
    Installer,
    InstallRequest,
    Invocation,
    Unsupported,
    make_installer,
)
from wheelnext.conformance.adapters._project import WHEEL_ENV, python_version
from wheelnext.conformance.adapters.pdm import PdmInstaller
from wheelnext.conformance.adapters.poetry import PoetryInstaller
from wheelnext.conformance.materialize import Materialized
from wheelnext.conformance.matrix import PDM, POETRY, installer_specs
from wheelnext.conformance.run import run_suite
from wheelnext.conformance.runners.protocol import Job, install_request, plan_steps
from wheelnext.conformance.runners.venv import VenvRunner
from wheelnext.conformance.scenario import load_scenario, load_scenarios, shipped_dir

A, B, C = (IndexURL(n, f"http://127.0.0.1:1/{n}/simple/") for n in ("a", "b", "c"))
PDM_CMD = ("/tools/pdm/bin/python", "-m", "pdm")
POETRY_CMD = ("/tools/poetry/bin/python", "-m", "poetry")


def request(tmp_path: Path, **changes: object) -> InstallRequest:
    prefix = tmp_path / "env"
    prefix.mkdir(exist_ok=True)
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.11.7.final.0\n")
    fields: dict[str, object] = {
        "requirements": ("alpha>=1",),
        "indexes": (A, B, C),
        "python": prefix / "bin" / "python",
        "prefix": prefix,
        "work": tmp_path / "work",
    }
    fields.update(changes)
    return InstallRequest(**fields)  # type: ignore[arg-type]


def project(result: Invocation | Unsupported) -> dict[str, object]:
    assert isinstance(result, Invocation), result
    (text,) = result.files.values()
    return tomllib.loads(text)


def test_pdm_writes_the_request_as_a_project_and_installs_into_the_target(tmp_path: Path) -> None:
    req = request(tmp_path)
    result = PdmInstaller(PDM_CMD, "2.29.4").invocation(req)
    assert isinstance(result, Invocation)
    (file,) = result.files
    folder = file.parent
    assert file.name == "pyproject.toml" and folder.parent == req.work
    assert folder.name.startswith("pdm-project-")
    assert result.argv == (*PDM_CMD, "install", "--project", str(folder), "--no-self")
    other = PdmInstaller(PDM_CMD, "2.29.4").invocation(request(tmp_path, requirements=("b",)))
    assert isinstance(other, Invocation) and list(other.files) != [file]
    data = project(result)
    assert data["project"] == {
        "name": "wheelnext-request",
        "version": "0",
        "requires-python": "==3.11.*",
        "dependencies": ["alpha>=1"],
    }
    tool = data["tool"]["pdm"]  # type: ignore[index]
    assert [s["name"] for s in tool["source"]] == ["a", "b", "c"]
    assert tool["source"][0]["url"] == A.url and tool["distribution"] is False
    assert tool["resolution"]["respect-source-order"] is False
    assert result.env["PDM_PYTHON"] == str(req.python)
    assert result.env["PDM_IGNORE_STORED_INDEX"] == "1"
    inside = [v for k, v in result.env.items() if k.endswith(("_DIR", "_FILE"))]
    assert inside and all(Path(v).is_relative_to(req.work) for v in inside)


def test_pdm_index_priority_is_respect_source_order(tmp_path: Path) -> None:
    asks = request(tmp_path, index_strategy="index-priority")
    plain = PdmInstaller(PDM_CMD, "2.29.4")
    fixed = PdmInstaller(PDM_CMD, "2.29.4", config="respect-source-order")
    for result in (plain.invocation(asks), fixed.invocation(request(tmp_path))):
        assert project(result)["tool"]["pdm"]["resolution"]["respect-source-order"] is True  # type: ignore[index]
    version = fixed.invocation(request(tmp_path, index_strategy="version-priority"))
    assert isinstance(version, Unsupported) and "version-priority" in version.reason
    assert fixed.name == "pdm:respect-source-order"


def test_pdm_denylist_and_pins_are_source_filters(tmp_path: Path) -> None:
    req = request(tmp_path, deny={"a": ("alpha",)}, pin={"beta": "c", "gamma": "c"})
    sources = project(PdmInstaller(PDM_CMD, "1").invocation(req))["tool"]["pdm"]["source"]  # type: ignore[index]
    assert sources[0]["exclude_packages"] == ["alpha"]
    assert sources[2]["include_packages"] == ["beta", "gamma"]
    assert "include_packages" not in sources[1] and "exclude_packages" not in sources[1]


def test_a_wheel_by_path_is_a_direct_reference_also_named_in_the_environment(
    tmp_path: Path,
) -> None:
    wheel = tmp_path / "packages" / "alpha-1.0-py3-none-any.whl"
    req = request(tmp_path, requirements=(), wheel=wheel)
    for adapter in (PdmInstaller(PDM_CMD, "1"), PoetryInstaller(POETRY_CMD, "1")):
        result = adapter.invocation(req)
        assert project(result)["project"]["dependencies"] == [f"alpha @ {wheel.as_uri()}"]  # type: ignore[index]
        assert isinstance(result, Invocation) and result.env[WHEEL_ENV] == str(wheel)
        whlx = tmp_path / "alpha-2.0-py3-none-any.whlx"
        assert project(adapter.invocation(request(tmp_path, requirements=(), wheel=whlx)))[
            "project"
        ]["dependencies"] == [f"alpha @ {whlx.as_uri()}"]  # type: ignore[index]
        nameless = adapter.invocation(request(tmp_path, wheel=tmp_path / "-2.0.whlx"))
        assert isinstance(nameless, Unsupported)


def test_poetry_sources_all_primary_or_later_ones_supplemental(tmp_path: Path) -> None:
    req = request(tmp_path)
    result = PoetryInstaller(POETRY_CMD, "2.5.1").invocation(req)
    assert isinstance(result, Invocation)
    (file,) = result.files
    folder = file.parent
    assert folder.name.startswith("poetry-project-")
    assert result.argv == (
        *POETRY_CMD,
        "install",
        "--no-interaction",
        "--no-ansi",
        "--directory",
        str(folder),
    )
    data = project(result)
    assert data["tool"]["poetry"]["package-mode"] is False  # type: ignore[index]
    sources = data["tool"]["poetry"]["source"]  # type: ignore[index]
    assert sources[0] == {"name": "PyPI", "priority": "explicit"}
    assert [(s["name"], s["priority"]) for s in sources[1:]] == [
        ("index-a", "primary"),
        ("index-b", "primary"),
        ("index-c", "primary"),
    ]
    assert result.env["VIRTUAL_ENV"] == str(req.prefix)
    assert result.env["POETRY_VIRTUALENVS_CREATE"] == "false"
    supplemental = PoetryInstaller(POETRY_CMD, "2.5.1", config="supplemental")
    for later in (
        supplemental.invocation(req),
        PoetryInstaller(POETRY_CMD, "1").invocation(
            request(tmp_path, index_strategy="index-priority")
        ),
    ):
        priorities = [s["priority"] for s in project(later)["tool"]["poetry"]["source"][1:]]  # type: ignore[index]
        assert priorities == ["primary", "supplemental", "supplemental"]
    refused = supplemental.invocation(request(tmp_path, index_strategy="version-priority"))
    assert isinstance(refused, Unsupported)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"no_deps": True}, "no-deps"),
        ({"deny": {"a": ("alpha",)}}, "deny"),
        ({"pin": {"alpha": "a"}}, "pin"),
        ({"lock": Path("/x/pylock.toml")}, "lock"),
        ({"variant_properties": ("a :: b :: c",)}, "variant-properties"),
    ],
)
def test_poetry_says_what_it_cannot_express(
    tmp_path: Path, change: dict[str, object], key: str
) -> None:
    result = PoetryInstaller(POETRY_CMD, "1").invocation(request(tmp_path, **change))
    assert isinstance(result, Unsupported) and repr(key) in result.reason


def test_only_binary_in_each_tools_words(tmp_path: Path) -> None:
    req = request(tmp_path, only_binary=True)
    pdm, poetry = (
        PdmInstaller(PDM_CMD, "1").invocation(req),
        PoetryInstaller(POETRY_CMD, "1").invocation(req),
    )
    assert isinstance(pdm, Invocation) and pdm.env["PDM_ONLY_BINARY"] == ":all:"
    assert isinstance(poetry, Invocation) and poetry.env["POETRY_INSTALLER_ONLY_BINARY"] == ":all:"


def test_python_version_from_pyvenv_cfg(tmp_path: Path) -> None:
    assert python_version(tmp_path) is None
    (tmp_path / "pyvenv.cfg").write_text("version = 3.12.1\n")
    assert python_version(tmp_path) == "3.12"


@pytest.mark.parametrize("make", [PdmInstaller, PoetryInstaller])
def test_requires_python_comes_from_the_job_before_its_environment_exists(
    tmp_path: Path, write_scenario: Callable[..., Path], make: Callable[..., Installer]
) -> None:
    """The step driver plans the commands before it makes the environment, so the
    interpreter's version reaches the project file from the job (run_suite sets it from
    ``Runner.python_version``), not from a ``pyvenv.cfg`` that is not there yet."""
    scenario = load_scenario(write_scenario())
    job = Job(1, scenario, make(PDM_CMD, "1"), "3.12", Materialized({"primary": tmp_path}),
              python_version="3.12.4")
    env = tmp_path / "job" / "env"
    install = install_request(job, lambda name: f"http://127.0.0.1:1/{name}/simple/", env,
                              tmp_path / "job" / "work")
    assert not env.exists()
    steps = plan_steps(job.installer, install, ())
    assert not isinstance(steps, Unsupported)
    assert project(steps[1])["project"]["requires-python"] == "==3.12.*"  # type: ignore[index]


def test_unknown_configurations_and_matrix_columns(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="respect-source-order"):
        make_installer("pdm@/bin/false:nosuch", cache=tmp_path)
    with pytest.raises(AdapterError, match="supplemental"):
        make_installer("poetry@/bin/false:nosuch", cache=tmp_path)
    specs = installer_specs("23.2.1", None, None)
    assert f"pdm=={PDM}:respect-source-order" in specs and f"poetry=={POETRY}:supplemental" in specs


@pytest.mark.network_installer
@pytest.mark.slow
@pytest.mark.parametrize("spec", [f"pdm=={PDM}", f"poetry=={POETRY}"])
def test_the_real_tool_passes_baseline_scenarios(
    spec: str, tmp_path: Path, private_host: Path
) -> None:
    """Provisioned from the registry (the one step that may reach it), then run offline."""
    cache = tmp_path / "cache"
    try:
        installer = make_installer(spec, cache=cache)
    except AdapterError as exc:
        pytest.skip(f"{spec} cannot be provisioned from the registry here: {exc}")
    wanted = {"baseline-dependency", "baseline-newest-version", "baseline-direct-wheel"}
    scenarios = [s for s in load_scenarios([shipped_dir() / "baseline"]) if s.id in wanted]
    assert len(scenarios) == 3
    results = run_suite(scenarios, [installer], VenvRunner(), jobs=2, cache=cache)
    assert [(r.scenario.id, str(r.status), r.failures) for r in results if r.status != "pass"] == []
