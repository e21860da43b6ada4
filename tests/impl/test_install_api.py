"""The installer as a library: ``wheelnext.install.install`` and ``lock`` without the CLI, the
context a caller can reuse, and the import structure behind them (no cycles, no server)."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from _support.installer import installed, make_env, served

from wheelnext.index_priority import IndexConfigError
from wheelnext.install import ResolveOptions, install, lock, open_context
from wheelnext.install.options import IndexOptions

PACKAGES = {"pypi": [
    {"name": "alpha", "version": "1.0", "requires-dist": ["beta"]},
    {"name": "beta", "version": "1.0"},
    {"name": "beta", "version": "2.0"},
]}
IMPL = Path(__file__).resolve().parents[2] / "impl"


def test_install_and_lock_without_the_cli(tmp_path: Path) -> None:
    with served(tmp_path, PACKAGES) as server:
        index = [f"pypi={server.index_url('pypi')}"]
        python = make_env(tmp_path)
        dry = install(["alpha"], indexes=index, python=python, cache_dir=tmp_path / "cache",
                      dry_run=True)
        assert installed(python) == {}
        summary = install(["alpha", "beta<2"], indexes=index, python=python,
                          cache_dir=tmp_path / "cache", compile_bytecode=False)
        locked = lock(["alpha"], tmp_path / "out" / "pylock.toml", indexes=index,
                      python=python, cache_dir=tmp_path / "cache")
    assert [item["name"] for item in dry["installed"]] == ["alpha", "beta"]
    assert dry["dry_run"] is True
    assert {(item["name"], item["version"]) for item in summary["installed"]} == {
        ("alpha", "1.0"), ("beta", "1.0")}
    assert installed(python) == {"alpha": "1.0", "beta": "1.0"}
    assert (tmp_path / "out" / "pylock.toml").read_text(encoding="utf-8") == locked.text
    assert [(d.name, d.version) for d in locked.resolution.dists] == [
        ("alpha", "1.0"), ("beta", "2.0")]
    json.dumps(summary)


def test_one_context_serves_several_calls_and_is_closed_once(tmp_path: Path) -> None:
    with served(tmp_path, PACKAGES) as server:
        plan = IndexOptions(indexes=(f"pypi={server.index_url('pypi')}",)).plan()
        with open_context(plan, ResolveOptions(no_deps=True),
                          cache_dir=tmp_path / "cache") as context:
            first = lock(["alpha"], context=context)
            second = lock(["beta<2"], context=context)
            open_inside = not context.finder.client.is_closed
        assert open_inside
        assert context.finder.client.is_closed
    assert [d.name for d in first.resolution.dists] == ["alpha"]
    assert [(d.name, d.version) for d in second.resolution.dists] == [("beta", "1.0")]


def test_no_index_is_one_error_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(IndexConfigError, match="no index configured"):
        install(["alpha"], python=make_env(tmp_path))
    with pytest.raises(IndexConfigError, match="expected NAME=URL"):
        lock(["alpha"], indexes=["nonsense"])


def test_resolving_a_variant_wheel_does_not_import_the_index_server(tmp_path: Path) -> None:
    packages = {"pypi": [{"name": "alpha", "version": "1.0",
                          "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}}]}
    with served(tmp_path, packages) as server:
        code = (
            "import sys\n"
            "from wheelnext.install import ResolveOptions, lock\n"
            f"locked = lock(['alpha'], indexes=['pypi={server.index_url('pypi')}'],\n"
            f"              cache_dir={str(tmp_path / 'cache')!r},\n"
            "              options=ResolveOptions(supported={'ns': {'level': ['v3']}}))\n"
            "print(locked.resolution.dists[0].artifact.variant_label)\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'wheelnext.index')"
            " if m in sys.modules))\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["fast", "[]"]


def test_wheel_installer_modules_do_not_import_the_resolver() -> None:
    code = ("import sys, wheelnext.install.wheelfile\n"
            "print(sorted(m for m in ('resolvelib', 'httpx', 'wheelnext.install.api')"
            " if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.strip() == "[]"


def _module_imports(path: Path, package: str) -> set[str]:
    """The *package* modules *path* imports anywhere: at module level, in functions (an import
    moved into a function to dodge a cycle is still a cycle) and under ``TYPE_CHECKING``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith(package)}


def test_installer_modules_have_no_import_cycle() -> None:
    modules = {f"wheelnext.install.{path.stem}": path
               for path in (IMPL / "install").glob("*.py") if path.stem != "__init__"}
    modules["wheelnext.index_priority"] = IMPL / "index_priority.py"
    graph = {name: _module_imports(path, "wheelnext.") & set(modules)
             for name, path in modules.items()}

    def cycle_from(start: str, at: str, seen: tuple[str, ...]) -> tuple[str, ...] | None:
        for following in sorted(graph[at]):
            if following == start:
                return (*seen, following)
            if following not in seen:
                found = cycle_from(start, following, (*seen, following))
                if found:
                    return found
        return None

    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(name, name, (name,)))]
    assert not cycles, " -> ".join(cycles[0])


def test_a_requirement_text_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``expand`` runs for every candidate version that lists the same ``Requires-Dist``: the
    text is parsed into a ``ParsedRequirement`` once, not again for its extras."""
    import wheelnext.default_extras
    import wheelnext.install.provider as provider

    calls: list[str] = []
    real = wheelnext.default_extras.parse_requirement

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(wheelnext.default_extras, "parse_requirement", counting)
    monkeypatch.setattr(provider, "parse_requirement", counting)
    provider.parse_dependency.cache_clear()
    text = "parsed-once[b,a]>=1; python_version > '3'"
    expanded = [provider.expand(text, "parent 1.0") for _ in range(3)]
    assert calls == ["parsed-once[b,a]>=1"]
    assert [(r.kind, r.extra, r.text) for r in expanded[2]] == [
        ("base", None, "parsed-once[a,b]>=1"), ("extra", "a", "parsed-once[a,b]>=1"),
        ("extra", "b", "parsed-once[a,b]>=1")]


class _Shown:
    """A progress display that records what the installer reported."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def downloaded(self, filename: str, done: int, total: int | None) -> None:
        if done == total:
            self.events.append(("downloaded", filename.split("-")[0]))

    def installing(self, count: int) -> None:
        self.events.append(("installing", str(count)))

    def installed(self) -> None:
        self.events.append(("installed",))


class _OnTerminal:
    """Messages as if stderr were a terminal: lines kept, progress recorded."""

    is_terminal = True

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.shown = _Shown()

    def print(self, text: str) -> None:
        self.lines.append(text)

    @contextmanager
    def progress(self) -> Iterator[_Shown]:
        yield self.shown


def test_a_library_caller_gets_the_progress_through_its_own_messages(tmp_path: Path) -> None:
    """The installer reports downloads and installs through the Messages protocol; drawing
    them (rich, on a terminal) is the CLI layer's business, not the installer's."""
    messages = _OnTerminal()
    with served(tmp_path, PACKAGES) as server:
        plan = IndexOptions(indexes=(f"pypi={server.index_url('pypi')}",)).plan()
        python = make_env(tmp_path)
        with open_context(plan, python=python, cache_dir=tmp_path / "cache",
                          console=messages) as context:
            install(["alpha", "beta<2"], context=context, compile_bytecode=False)
    assert sorted(messages.shown.events[:2]) == [("downloaded", "alpha"), ("downloaded", "beta")]
    assert messages.shown.events[2:] == [("installing", "2"), ("installed",), ("installed",)]
    assert installed(python) == {"alpha": "1.0", "beta": "1.0"}


def test_the_cli_draws_the_progress_with_rich_on_a_terminal() -> None:
    from rich.console import Console

    from wheelnext.commands.install_console import StderrMessages

    messages = StderrMessages()
    out = io.StringIO()
    messages._console = Console(file=out, force_terminal=True, width=100)
    with messages.progress() as shown:
        shown.downloaded("alpha-1.0-py3-none-any.whl", 10, 20)
        shown.installing(1)
        shown.installed()
    assert "download alpha-1.0-py3-none-any.whl" in out.getvalue()
    assert "installing" in out.getvalue()


def test_install_command_imports_the_installer_only_after_checking_its_options() -> None:
    """The command module is light: the resolver, the HTTP client and the wheel driver are
    imported after the options were checked and the target's probe started (cold runs no
    longer wait for the probe's child after ~0.1 s of imports)."""
    code = ("import sys, wheelnext.commands.install\n"
            "print(sorted(m for m in ('httpx', 'resolvelib', 'installer',"
            " 'wheelnext.install.finder', 'wheelnext.install.api') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.strip() == "[]"


def test_resolving_does_not_import_the_wheel_driver_up_front() -> None:
    """``installing`` imports the wheel driver (installer, the ZIP reader) on a helper thread
    while resolving waits on the index, not when it is imported."""
    code = ("import sys, wheelnext.install.installing\n"
            "print(sorted(m for m in ('installer', 'wheelnext.install.wheelfile',"
            " 'wheelnext.install.apply') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    assert done.stdout.strip() == "[]"


def test_bad_index_option_fails_before_the_probe_writes_anything(tmp_path: Path) -> None:
    """Starting the probe early must not let it run (nor fill the cache) on bad input."""
    from click.testing import CliRunner

    from wheelnext.cli import cli

    cache = tmp_path / "cache"
    result = CliRunner().invoke(cli, ["install", "--index", "nonsense", "--cache-dir",
                                      str(cache), "--python", make_env(tmp_path).as_posix(),
                                      "alpha"])
    assert result.exit_code != 0
    assert "expected NAME=URL" in str(result.exception) + result.output
    assert not cache.exists()
