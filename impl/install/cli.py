"""``wheelnext install`` and ``wheelnext lock``: the reference installer's command line.

Both commands share the finding and resolving options (indexes in priority order, PEP 766
strategy, pins, mirrors, deny lists, variant choices). ``install`` resolves (or reads a
``pylock.toml`` with ``-r``) and installs into the ``--python`` environment as one transaction;
``lock`` writes ``pylock.toml``. Messages go to stderr; ``--json`` prints a summary on stdout.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wheelnext import inputs
from wheelnext.errors import WheelnextError
from wheelnext.index_priority import (
    LOG,
    Index,
    IndexConfigError,
    IndexPlan,
    Strategy,
    load_config,
    parse_deny,
    parse_index_option,
    parse_project_pairs,
)
from wheelnext.install.finder import Finder
from wheelnext.install.provider import Artifact, ResolveOptions
from wheelnext.install.resolver import Resolution, resolve
from wheelnext.install.symlinks import LinkMode
from wheelnext.install.target import TargetPython, probe

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


class Messages:
    """Messages on stderr: plain lines, or a rich console when stderr is a terminal.

    rich is imported only then (importing it costs tens of milliseconds of every run that
    prints nothing or prints to a pipe, as under ``-q`` or inside another tool).
    """

    def __init__(self) -> None:
        self.is_terminal = sys.stderr.isatty()
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def print(self, text: str) -> None:
        if self.is_terminal:
            self.console.print(text, markup=False, highlight=False)
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


def _default_cache() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wheelnext" / "install"


def _shared_options(func: F) -> F:
    options = [
        click.option("-r", "--requirement", "requirement_files", multiple=True,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Requirements file (one per line), or a pylock.toml (install only)."),
        click.option("--index", "indexes", multiple=True, metavar="NAME=URL",
                     help="A simple-API index; repeat in priority order, highest first."),
        click.option("--config", "config_file",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="TOML file with [[index]] tables, index-strategy, [index-for], "
                          "mirrors, deny lists."),
        click.option("--index-strategy", type=click.Choice([s.value for s in Strategy]),
                     help="PEP 766 strategy (default: index-priority)."),
        click.option("--index-for", "index_for", multiple=True, metavar="PROJECT=NAME",
                     help="Search PROJECT on index NAME only (extension, like uv's explicit "
                          "indexes)."),
        click.option("--mirrors", multiple=True, metavar="NAME,NAME",
                     help="Indexes that mirror each other, searched as one step."),
        click.option("--index-deny", multiple=True, metavar="INDEX=PROJECT[,PROJECT]",
                     help="Ignore these projects on that index (PEP 766 deny list)."),
        click.option("--allow-fallthrough-on-error", is_flag=True, default=None,
                     help="Fall through to lower indexes when a higher one cannot be read."),
        click.option("--python", "python", type=click.Path(path_type=Path),
                     help="Interpreter of the target environment (default: this one)."),
        click.option("--only-binary", is_flag=True, help="Never build source distributions."),
        click.option("--no-deps", is_flag=True, help="Do not install dependencies."),
        click.option("--pre", is_flag=True, help="Allow pre-release versions."),
        click.option("--variant", "variant_choices", multiple=True, metavar="PROJECT=LABEL",
                     help="Use only this variant label for PROJECT (PEP 825)."),
        click.option("--no-variants", is_flag=True,
                     help="Use no variant wheel (only non-variant wheels)."),
        click.option("--variant-property", "variant_properties", multiple=True,
                     metavar="'NS :: FEATURE :: VALUE'",
                     help="A supported variant property (replaces detection; repeatable)."),
        click.option("--variant-properties-file", type=click.Path(dir_okay=False,
                     path_type=Path), help="Supported properties file (replaces detection)."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Cache folder (files keyed by index)."),
        click.option("--no-cache", is_flag=True,
                     help="Use a throw-away cache; variant provider plugins run afresh."),
        click.option("-v", "--verbose", count=True, help="Debug output: each index considered."),
        click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors."),
        click.option("--json", "as_json", is_flag=True, help="JSON summary on stdout."),
        click.argument("requirements", nargs=-1),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclass
class Session:
    """Everything one command run needs, built from the options."""

    plan: IndexPlan
    options: ResolveOptions
    target: TargetPython
    finder: Finder
    console: Messages
    quiet: bool


class _Handler(logging.Handler):
    def __init__(self, console: Messages) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        level = record.levelname.lower()
        prefix = "" if level == "info" else f"{level}: "
        self.console.print(prefix + record.getMessage())


@contextmanager
def _output(console: Messages, verbose: int, quiet: bool) -> Iterator[None]:
    handler = _Handler(console)
    LOG.addHandler(handler)
    previous = LOG.level
    LOG.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    LOG.propagate = False
    shown: set[str] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Any = None) -> None:
        text = str(message)
        if text not in shown:
            shown.add(text)
            console.print(f"warning: {text}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        try:
            yield
        finally:
            LOG.removeHandler(handler)
            LOG.setLevel(previous)


def _requirements_from_files(files: Sequence[Path]) -> list[str]:
    texts: list[str] = []
    for path in files:
        text = inputs.read_text(path, what="requirements file", error=IndexConfigError)
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                if line.startswith("-"):
                    raise IndexConfigError(f"{path}: option lines ({line.split()[0]}) are not "
                                           "supported; use command-line options")
                texts.append(line)
    return texts


def _plan(kwargs: dict[str, Any]) -> IndexPlan:
    config = load_config(kwargs["config_file"]) if kwargs["config_file"] else None
    indexes: list[Index] = list(config.indexes) if config else []
    for position, text in enumerate(kwargs["indexes"]):
        if text.startswith(("http://", "https://", "file://")):
            indexes.append(Index(f"index{position + 1}", text))
        else:
            indexes.append(parse_index_option(text))
    if not indexes:
        raise IndexConfigError("--index: no index configured (give --index NAME=URL or "
                               "--config FILE)")
    pins = dict(config.pins) if config else {}
    pins.update(parse_project_pairs("--index-for", kwargs["index_for"]))
    mirrors = list(config.mirrors) if config else []
    mirrors += [tuple(n.strip() for n in text.split(",") if n.strip())
                for text in kwargs["mirrors"]]
    deny = dict(config.deny) if config else {}
    for name, projects in parse_deny(kwargs["index_deny"]).items():
        deny[name] = deny.get(name, frozenset()) | projects
    strategy = kwargs["index_strategy"] or (config.strategy if config else None)
    fallthrough = kwargs["allow_fallthrough_on_error"]
    if fallthrough is None:
        fallthrough = bool(config and config.allow_fallthrough_on_error)
    from packaging.utils import canonicalize_name

    return IndexPlan(
        tuple(indexes),
        Strategy(strategy) if strategy else Strategy.INDEX_PRIORITY,
        pins={canonicalize_name(k): v for k, v in pins.items()},
        mirrors=tuple(mirrors),
        deny=deny,
        allow_fallthrough_on_error=fallthrough,
    )


def _resolve_options(kwargs: dict[str, Any]) -> ResolveOptions:
    supported = None
    if kwargs["variant_properties_file"] is not None:
        from wheelnext.variants.providers.overrides import read_file

        supported = read_file(kwargs["variant_properties_file"])
    if kwargs["variant_properties"]:
        from wheelnext.variants.providers.overrides import parse_text

        given = parse_text("\n".join(kwargs["variant_properties"]), "--variant-property")
        supported = {**(supported or {}), **given}
    return ResolveOptions(
        only_binary=kwargs["only_binary"],
        no_deps=kwargs["no_deps"],
        pre=kwargs["pre"],
        no_variants=kwargs["no_variants"],
        variant_labels=parse_project_pairs("--variant", kwargs["variant_choices"]),
        supported=supported,
        detection_cache=not kwargs["no_cache"],
    )


def _session(kwargs: dict[str, Any], console: Messages, *, needs_index: bool = True) -> Session:
    plan = _plan(kwargs) if needs_index or kwargs["indexes"] or kwargs["config_file"] else \
        IndexPlan(())
    options = dataclasses.replace(_resolve_options(kwargs),
                                  provider_indexes=tuple(index.url for index in plan.indexes))
    if kwargs["no_cache"]:
        cache: Path | None = None
    else:
        cache = kwargs["cache_dir"] or _default_cache()
    # The HTTP client (its transport imports httpcore, ~15 ms) is built while the target
    # interpreter answers the probe in its child process, instead of after it.
    with ThreadPoolExecutor(1, thread_name_prefix="wheelnext-probe") as pool:
        probed = pool.submit(probe, kwargs["python"], cache)
        finder = Finder(cache)
        try:
            target = probed.result()
        except BaseException:
            finder.close()
            raise
    if len(plan.indexes) > 1 and not kwargs["quiet"]:
        # PEP 766: "Installers should also ideally provide optional debugging output that
        # provides insight into which index is being considered."
        LOG.info(plan.describe())
    return Session(plan, options, target, finder, console, kwargs["quiet"])


def _builder(session: Session) -> Callable[[Artifact], Path]:
    def build(artifact: Artifact) -> Path:
        from wheelnext.install.sdist import build_wheel

        assert artifact.file is not None
        sdist = session.finder.download(artifact.file)
        LOG.info(f"building {artifact.filename} (PEP 517, isolated)")
        outdir = sdist.parent.parent / "built"
        return build_wheel(sdist, outdir, [index.url for index in session.plan.indexes])

    return build


def _resolve(session: Session, requirements: Sequence[str]) -> Resolution:
    return resolve(requirements, session.finder, session.plan, session.target, session.options,
                   build=_builder(session))


def _guard(func: F) -> F:
    """Turn the network and OS errors that escape into one-line ``WheelnextError``\\ s."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import httpx

        try:
            return func(*args, **kwargs)
        except httpx.HTTPError as exc:
            raise WheelnextError(f"network error: {exc}") from None
        except OSError as exc:
            raise WheelnextError(f"{exc.filename or 'install'}: {exc.strerror or exc}") from None

    return wrapper  # type: ignore[return-value]


@click.command()
@_shared_options
@click.option("--compile/--no-compile", "compile_bytecode", default=True, show_default=True,
              help="Compile installed .py files to bytecode.")
@click.option("--links", "links", type=click.Choice([m.value for m in LinkMode]),
              default=LinkMode.SYMLINK.value, show_default=True,
              help="PEP 778 LINKS: make symlinks, or copy the targets.")
@click.option("--reinstall", is_flag=True, help="Reinstall even when the version is present.")
@click.option("--dry-run", is_flag=True, help="Resolve and report, change nothing.")
@_guard
def install(**kwargs: Any) -> None:
    """Resolve REQUIREMENTS (names, specifiers, wheel paths) and install them.

    Indexes are searched in the order given (PEP 766 index priority by default); an index that
    cannot be read aborts unless --allow-fallthrough-on-error. With -r pylock.toml the lock is
    installed as written, without resolving.
    """
    from wheelnext.install.installing import run_install

    console = Messages()
    with _output(console, kwargs["verbose"], kwargs["quiet"]):
        lock_files = [p for p in kwargs["requirement_files"] if p.name.endswith(".toml")]
        other = [p for p in kwargs["requirement_files"] if not p.name.endswith(".toml")]
        requirements = list(kwargs["requirements"]) + _requirements_from_files(other)
        if lock_files and requirements:
            raise IndexConfigError("-r pylock.toml: give either a lock file or requirements")
        if not lock_files and not requirements:
            raise IndexConfigError("install: no requirements given")
        local_only = all(text.endswith((".whl", ".whlx")) for text in requirements)
        session = _session(kwargs, console, needs_index=not lock_files and not local_only)
        if kwargs["dry_run"]:
            session.options = dataclasses.replace(session.options, download_ahead=False)
        try:
            summary = run_install(session, requirements, lock_files, _resolve,
                                  compile_bytecode=kwargs["compile_bytecode"],
                                  links=LinkMode(kwargs["links"]),
                                  reinstall=kwargs["reinstall"], dry_run=kwargs["dry_run"])
        finally:
            session.finder.close()
    if kwargs["as_json"]:
        click.echo(json.dumps(summary, indent=2))
    elif kwargs["dry_run"]:
        _echo_dry_run(summary)


def _echo_dry_run(summary: dict[str, Any]) -> None:
    """What ``install --dry-run`` would do, one line per distribution, on stdout."""
    for item in summary["installed"]:
        label = f" [variant {item['variant']}]" if item["variant"] else ""
        where = f" from index {item['index']}" if item["index"] else ""
        replaced = f" (replacing {item['replaced']})" if item["replaced"] else ""
        click.echo(f"would install {item['name']} {item['version']}{label}{where}: "
                   f"{item['file']}{replaced}")
    if not summary["installed"]:
        click.echo("would install nothing")


@click.command()
@_shared_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("pylock.toml"), show_default=True, help="Lock file to write.")
@_guard
def lock(**kwargs: Any) -> None:
    """Resolve REQUIREMENTS for the --python environment and write pylock.toml (PEP 751)."""
    from wheelnext.install.lock import format_lock

    console = Messages()
    with _output(console, kwargs["verbose"], kwargs["quiet"]):
        locks = [p for p in kwargs["requirement_files"] if p.name.endswith(".toml")]
        if locks:
            raise IndexConfigError(f"-r {locks[0]}: a .toml file is a lock to install with "
                                   "'install -r', not requirements to lock")
        requirements = list(kwargs["requirements"]) + _requirements_from_files(
            kwargs["requirement_files"])
        if not requirements:
            raise IndexConfigError("lock: no requirements given")
        session = _session(kwargs, console)
        session.options = dataclasses.replace(session.options, download_ahead=False)
        try:
            resolution = _resolve(session, requirements)
        finally:
            session.finder.close()
        text = format_lock(resolution, session.target)
        output: Path = kwargs["output"]
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=output.parent, prefix=".pylock-",
                                         delete=False, encoding="utf-8") as handle:
            handle.write(text)
        Path(handle.name).replace(output)
        if not kwargs["quiet"]:
            LOG.info(f"wrote {output} ({len(resolution.dists)} packages)")
    if kwargs["as_json"]:
        click.echo(json.dumps({
            "lock": str(output),
            "packages": [{"name": d.name, "version": d.version, "index": d.artifact.index,
                          "file": d.artifact.filename} for d in resolution.dists],
        }, indent=2))


__all__ = ["Session", "install", "lock"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(install())
