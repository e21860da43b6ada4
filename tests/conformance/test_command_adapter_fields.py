"""The command adapter's file: every capability documented, every field checked, the
deny list and a first (or last) index of its own expressed (issue #14)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wheelnext.cli import main
from wheelnext.conformance.adapters import (
    AdapterError,
    IndexURL,
    InstallRequest,
    Invocation,
    command,
)
from wheelnext.conformance.adapters.command import CAPABILITIES, CommandInstaller
from wheelnext.conformance.scenario import request_keys

A, B, C = (IndexURL(n, f"http://127.0.0.1:1/{n}/simple/") for n in ("a", "b", "c"))
DOCS = Path(__file__).parents[2] / "docs" / "components" / "conformance.rst"


def request(**changes: object) -> InstallRequest:
    fields: dict[str, object] = {
        "requirements": ("alpha",),
        "indexes": (A, B, C),
        "python": Path("/env/bin/python"),
        "prefix": Path("/env"),
        "work": Path("/work"),
    }
    fields.update(changes)
    return InstallRequest(**fields)  # type: ignore[arg-type]


def adapter(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tool.toml"
    path.write_text(text)
    return path


def test_every_capability_a_request_can_need_is_offered_and_documented() -> None:
    """Each request key (but mirror groups, which no template expresses) is a capability,
    and each capability is explained in the module and on the docs page."""
    full = request(
        index_strategy="index-priority", pin={"alpha": "a"}, variant_properties=("a :: b :: c",),
        wheel=Path("/w.whl"), no_deps=True, only_binary=True, deny={"a": ("beta",)},
        lock=Path("/pylock.toml"),
    )  # fmt: skip
    needed = request_keys(full) | request_keys(request(index_strategy="version-priority"))
    assert needed | {"variant-unaware"} == CAPABILITIES
    docs = DOCS.read_text()
    for capability in sorted(CAPABILITIES):
        assert f"``{capability}``" in (command.__doc__ or ""), capability
        assert f"``{capability}``" in docs, capability


def test_deny_and_first_and_last_index_templates(tmp_path: Path) -> None:
    tool = CommandInstaller.from_file(adapter(tmp_path, """
name = "tool"
version = "1"
capabilities = ["indexes", "deny"]
argv = ["tool", "{indexes}", "{deny}", "{requirements}"]
index = ["--extra-index-url", "{url}"]
first-index = ["--index-url", "{url}"]
deny = ["--deny", "{name}:{project}"]
"""))  # fmt: skip
    result = tool.invocation(request(deny={"b": ("alpha", "beta")}))
    assert isinstance(result, Invocation)
    assert list(result.argv) == [
        "tool", "--index-url", A.url, "--extra-index-url", B.url, "--extra-index-url", C.url,
        "--deny", "b:alpha", "--deny", "b:beta", "alpha",
    ]  # fmt: skip
    last = CommandInstaller.from_file(adapter(tmp_path, """
name = "tool"
version = "1"
capabilities = ["indexes"]
argv = ["tool", "{indexes}"]
index = ["--extra-index-url", "{url}"]
last-index = ["--index-url", "{url}"]
"""))  # fmt: skip
    assert list(last.invocation(request()).argv) == [  # type: ignore[union-attr]
        "tool", "--extra-index-url", A.url, "--extra-index-url", B.url, "--index-url", C.url,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('argv = []\ncapabilities = []', "argv must name the program to run"),
        ('argv = [""]\ncapabilities = []', "argv must name the program to run"),
        ('argv = ["x"]\ncapabilities = []\nstrategy = 5', "strategy must be a table"),
        ('argv = ["x"]\ncapabilities = []\nstrategy = { first = ["-f"] }', "strategy.first"),
        ('argv = ["x"]\ncapabilities = []\nenv = { A = 1 }', "env.A must be a string"),
        ('argv = ["x"]\ncapabilities = ["mirrors"]', "capabilities: unknown capability 'mirrors'"),
        ('argv = ["x"]\ncapabilities = []\nversion = 1.2', "version must be a string"),
        ('argv = ["x"]\ncapabilities = []\nconfigs = { fast = 1 }', "configs.fast must be"),
        ('argv = ["x"]\ncapabilities = []\nvisible-paths = ["rel"]', "visible-paths: 'rel'"),
        ('argv = ["x"]\ncapabilities = []\nname = 3', None),
    ],
)
def test_a_malformed_field_is_one_line_naming_it(
    tmp_path: Path, fields: str, message: str | None
) -> None:
    text = fields if "name =" in fields else f'name = "x"\n{fields}'
    path = adapter(tmp_path, text + "\n")
    with pytest.raises(AdapterError, match=f"tool.toml: {message or 'name must be a string'}"):
        CommandInstaller.from_file(path)


def test_the_cli_refuses_an_empty_argv_with_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = adapter(tmp_path, 'name = "x"\nargv = []\ncapabilities = []\nstrategy = 5\n')
    with pytest.raises(SystemExit) as exited:
        main(["conformance", "run", "-q", "--installer", str(path),
              "--select", "pep771-default-installed"])  # fmt: skip
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "argv must name the program" in err and str(path) in err


def test_visible_paths_travel_with_the_invocation(tmp_path: Path) -> None:
    tool = CommandInstaller.from_file(adapter(tmp_path, f"""
name = "tool"
version = "1"
capabilities = ["indexes"]
argv = ["{sys.executable}"]
visible-paths = ["{tmp_path}"]
"""))  # fmt: skip
    result = tool.invocation(request())
    assert isinstance(result, Invocation) and result.visible == (tmp_path,)
