"""Adapters map abstract requests onto each installer's flags, or answer unsupported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wheelnext.conformance.adapters import (
    AdapterError,
    IndexURL,
    InstallerSpec,
    InstallRequest,
    Invocation,
    Unsupported,
    make_installer,
)
from wheelnext.conformance.adapters.command import CommandInstaller
from wheelnext.conformance.adapters.pip import PipInstaller
from wheelnext.conformance.adapters.uv import UvInstaller
from wheelnext.conformance.adapters.wheelnext import WheelnextInstaller

A, B, C = (IndexURL(n, f"http://127.0.0.1:1/{n}/simple/") for n in ("a", "b", "c"))


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


def argv(result: Invocation | Unsupported) -> list[str]:
    assert isinstance(result, Invocation), result
    return list(result.argv)


def test_spec_parsing() -> None:
    assert InstallerSpec.parse("pip") == InstallerSpec("pip")
    assert InstallerSpec.parse("pip==23.2.1:only-binary") == InstallerSpec(
        "pip", version="23.2.1", config="only-binary"
    )
    assert InstallerSpec.parse("uv@/opt/uv:first-index") == InstallerSpec(
        "uv", path=Path("/opt/uv"), config="first-index"
    )
    assert InstallerSpec.parse("tools/my.toml:fast") == InstallerSpec(
        "command", path=Path("tools/my.toml"), config="fast"
    )
    assert str(InstallerSpec.parse("uv==0.5.0:variants")) == "uv==0.5.0:variants"
    with pytest.raises(AdapterError):
        make_installer("nosuch", cache=Path("/nonexistent"))


def test_pip_reads_the_first_index_as_index_url() -> None:
    pip = PipInstaller(python=Path("/tool/python"), version="1")
    args = argv(pip.invocation(request()))
    assert args[args.index("--index-url") + 1] == A.url
    extras = [args[i + 1] for i, a in enumerate(args) if a == "--extra-index-url"]
    assert extras == [B.url, C.url]
    assert args[:5] == ["/tool/python", "-m", "pip", "--python", "/env/bin/python"]


def test_pip_has_no_index_priority_or_variants() -> None:
    pip = PipInstaller(python=Path("/tool/python"), version="1")
    assert isinstance(pip.invocation(request(index_strategy="index-priority")), Unsupported)
    assert isinstance(pip.invocation(request(pin={"alpha": "b"})), Unsupported)
    assert isinstance(pip.invocation(request(variant_properties=("a :: b :: c",))), Unsupported)
    args = argv(pip.invocation(request(index_strategy="version-priority", no_deps=True)))
    assert "--no-deps" in args


def test_pip_only_binary_configuration() -> None:
    pip = PipInstaller(python=Path("/tool/python"), version="1", config="only-binary")
    assert pip.name == "pip:only-binary"
    args = argv(pip.invocation(request()))
    assert args[args.index("--only-binary") + 1] == ":all:"


def test_only_binary_requests_in_each_installers_words(tmp_path: Path) -> None:
    plain = request(index_strategy="version-priority")
    wheels_only = request(index_strategy="version-priority", only_binary=True)
    pip = PipInstaller(python=Path("/tool/python"), version="1")
    uv = UvInstaller(binary=Path("/bin/uv"), version="0.13")
    for tool in (pip, uv):
        assert "--only-binary" not in argv(tool.invocation(plain))
        args = argv(tool.invocation(wheels_only))
        assert args[args.index("--only-binary") + 1] == ":all:"
        assert args.index("--only-binary") < args.index("alpha")
    assert "--only-binary" in argv(WheelnextInstaller().invocation(wheels_only))
    adapter = tmp_path / "tool.toml"
    adapter.write_text('name = "t"\nversion = "1"\n'
                       'argv = ["t", "{only-binary}", "{requirements}"]\n'
                       'only-binary = ["--wheels"]\nstrategy = { version-priority = [] }\n'
                       'capabilities = ["indexes", "index-strategy:version-priority"]\n')
    without = CommandInstaller.from_file(adapter)
    assert isinstance(without.invocation(wheels_only), Unsupported)
    assert argv(without.invocation(plain)) == ["t", "alpha"]
    adapter.write_text(adapter.read_text().replace('"indexes",', '"indexes", "only-binary",'))
    able = CommandInstaller.from_file(adapter)
    assert argv(able.invocation(wheels_only)) == ["t", "--wheels", "alpha"]


def test_uv_expresses_the_scenario_order_not_the_flags() -> None:
    uv = UvInstaller(binary=Path("/bin/uv"), version="0.13")
    args = argv(uv.invocation(request(index_strategy="index-priority")))
    # uv ranks --extra-index-url above --index-url: the lowest priority goes last.
    assert args[args.index("--index-url") + 1] == C.url
    extras = [args[i + 1] for i, a in enumerate(args) if a == "--extra-index-url"]
    assert extras == [A.url, B.url]
    assert args[args.index("--index-strategy") + 1] == "first-index"
    args = argv(uv.invocation(request(index_strategy="version-priority")))
    assert args[args.index("--index-strategy") + 1] == "unsafe-best-match"


def test_uv_fixed_strategy_columns() -> None:
    uv = UvInstaller(binary=Path("/bin/uv"), version="0.13", config="unsafe-first-match")
    assert "--index-strategy" in argv(uv.invocation(request()))
    refused = uv.invocation(request(index_strategy="index-priority"))
    assert isinstance(refused, Unsupported)
    assert "unsafe-first-match" in refused.reason


def test_wheelnext_is_unsupported_until_it_exists() -> None:
    answer = WheelnextInstaller().invocation(request())
    if isinstance(answer, Unsupported):
        assert "not written yet" in answer.reason
    else:
        assert "install" in answer.argv


def test_command_adapter_templates(tmp_path: Path) -> None:
    adapter = tmp_path / "tool.toml"
    adapter.write_text(
        """
name = "tool"
version = "9"
capabilities = ["indexes", "index-strategy:index-priority", "wheel", "pin"]
argv = ["{harness-python}", "-m", "tool", "--target", "{python}", "{indexes}",
        "{strategy}", "{pins}", "{config}", "{requirements}", "{wheel}"]
index = ["--index", "{name}={url}"]
strategy = { index-priority = ["--first"] }
pin = ["--pin", "{project}@{name}"]
env = { TOOL_HOME = "{work}/home" }

[configs.fast]
args = ["--fast"]
"""
    )
    tool = CommandInstaller.from_file(adapter, config="fast")
    assert (tool.name, tool.version) == ("tool:fast", "9")
    result = tool.invocation(
        request(index_strategy="index-priority", pin={"alpha": "b"}, wheel=Path("/w.whl"))
    )
    assert isinstance(result, Invocation)
    assert list(result.argv) == [
        sys.executable, "-m", "tool", "--target", "/env/bin/python",
        "--index", f"a={A.url}", "--index", f"b={B.url}", "--index", f"c={C.url}",
        "--first", "--pin", "alpha@b", "--fast", "alpha", "/w.whl",
    ]  # fmt: skip
    assert result.env == {"TOOL_HOME": "/work/home"}
    assert isinstance(tool.invocation(request(variant_properties=())), Unsupported)
    assert isinstance(tool.invocation(request(index_strategy="version-priority")), Unsupported)


def test_command_adapter_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nargv = ["x"]\ncapabilities = []\nsurprise = 1\n')
    with pytest.raises(AdapterError, match="unknown key 'surprise'"):
        CommandInstaller.from_file(bad)
    bad.write_text('name = "x"\nargv = ["x"]\ncapabilities = []\n')
    with pytest.raises(AdapterError, match="no configuration 'fast'"):
        CommandInstaller.from_file(bad, config="fast")


def test_legacy_requests_run_on_variant_unaware_installers() -> None:
    pip = PipInstaller(python=Path("/tool/python"), version="1")
    properties = ("x86_64 :: level :: v3",)
    assert isinstance(pip.invocation(request(variant_properties=properties)), Unsupported)
    legacy = argv(pip.invocation(request(variant_properties=properties, legacy=True)))
    assert "x86_64" not in " ".join(legacy)
    uv_variants = UvInstaller(binary=Path("/bin/uv"), version="0.13", config="variants")
    answer = uv_variants.invocation(request(variant_properties=properties, legacy=True))
    assert isinstance(answer, Unsupported)
    plain_uv = UvInstaller(binary=Path("/bin/uv"), version="0.13")
    assert isinstance(
        plain_uv.invocation(request(variant_properties=properties, legacy=True)), Invocation
    )


def test_extra_args_come_before_the_requirements() -> None:
    pip = PipInstaller(python=Path("/tool/python"), version="1")
    args = argv(pip.invocation(request(extra_args=("--pre",))))
    assert args[-2:] == ["--pre", "alpha"]
    uv = UvInstaller(binary=Path("/bin/uv"), version="0.13")
    assert argv(uv.invocation(request(extra_args=("--no-cache",))))[-2:] == ["--no-cache", "alpha"]


def test_uv_pins_through_a_pyproject_with_an_explicit_index() -> None:
    import tomllib

    uv = UvInstaller(binary=Path("/bin/uv"), version="0.13")
    result = uv.invocation(request(pin={"alpha": "b"}))
    assert isinstance(result, Invocation)
    ((path, text),) = result.files.items()
    assert list(result.argv[-2:]) == ["-r", str(path)]
    data = tomllib.loads(text)
    assert data["project"]["dependencies"] == ["alpha"]
    assert data["tool"]["uv"]["index"] == [{"name": "b", "url": B.url, "explicit": True}]
    assert data["tool"]["uv"]["sources"] == {"alpha": {"index": "b"}}


DAEMON_VERSION = """\
import os, sys, time
stop = sys.argv[1]
if os.fork():
    print("mytool 1.2", flush=True)
    sys.exit(0)
os.setsid()
# A daemon that keeps the inherited stdout open until the test lets it go.
deadline = time.monotonic() + 600
while not os.path.exists(stop) and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def _adapter_with_version_command(tmp_path: Path, script: str) -> Path:
    code = tmp_path / "version.py"
    code.write_text(script)
    path = tmp_path / "mytool.toml"
    stop = tmp_path / "stop"
    path.write_text(
        f'name = "mytool"\nversion-command = ["{sys.executable}", "{code}", "{stop}"]\n'
        'capabilities = []\nargv = ["mytool"]\n'
    )
    return path


def test_a_version_command_that_leaves_a_daemon_does_not_hang(tmp_path: Path) -> None:
    import threading

    path = _adapter_with_version_command(tmp_path, DAEMON_VERSION)
    found: list[CommandInstaller] = []
    thread = threading.Thread(target=lambda: found.append(CommandInstaller.from_file(path)))
    thread.daemon = True
    try:
        thread.start()
        thread.join(120)  # generous: a pipe held by the daemon would block for its lifetime
        assert not thread.is_alive(), "version-command waited for the daemon's stdout"
        assert found[0].version == "mytool 1.2"
    finally:
        (tmp_path / "stop").touch()


def test_a_version_command_past_its_timeout_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheelnext.conformance.adapters import command

    monkeypatch.setattr(command, "VERSION_TIMEOUT", 0.5)
    path = _adapter_with_version_command(
        tmp_path, "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.05)\n"
    )
    try:
        with pytest.raises(AdapterError, match=r"mytool.toml: version-command: no answer within"):
            CommandInstaller.from_file(path)
    finally:
        (tmp_path / "stop").touch()
