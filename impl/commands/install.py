"""``wheelnext install`` and ``wheelnext lock``: the reference installer's command line.

Both commands share the finding and resolving options (indexes in priority order, PEP 766
strategy, pins, mirrors, deny lists, variant choices). ``install`` resolves (or reads a
``pylock.toml`` with ``-r``) and installs into the ``--python`` environment as one transaction;
``lock`` writes ``pylock.toml``. Messages go to stderr; ``--json`` prints a summary on stdout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wheelnext import inputs
from wheelnext.commands.install_console import StderrMessages
from wheelnext.errors import WheelnextError
from wheelnext.index_priority import IndexConfigError, IndexPlan, Strategy
from wheelnext.install.log import LOG
from wheelnext.install.messages import Messages, to_stderr
from wheelnext.install.options import IndexOptions, ResolveOptions, cache_folder
from wheelnext.install.symlinks import LinkMode

if TYPE_CHECKING:
    from wheelnext.install.context import InstallContext

F = TypeVar("F", bound=Callable[..., Any])


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
        click.option("--enable-optional", "enable_optional", multiple=True,
                     metavar="NAMESPACE",
                     help="Also query this optional variant provider (PEP 817: off by default "
                          "when 'optional = true'); 'all' enables every one."),
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


def _index_options(kwargs: dict[str, Any]) -> IndexOptions:
    return IndexOptions(
        indexes=kwargs["indexes"],
        config_file=kwargs["config_file"],
        index_strategy=kwargs["index_strategy"],
        index_for=kwargs["index_for"],
        mirrors=kwargs["mirrors"],
        index_deny=kwargs["index_deny"],
        allow_fallthrough_on_error=kwargs["allow_fallthrough_on_error"],
    )


def _resolve_options(kwargs: dict[str, Any]) -> ResolveOptions:
    return ResolveOptions.from_options(
        only_binary=kwargs["only_binary"],
        no_deps=kwargs["no_deps"],
        pre=kwargs["pre"],
        no_variants=kwargs["no_variants"],
        variant_choices=kwargs["variant_choices"],
        variant_properties=kwargs["variant_properties"],
        variant_properties_file=kwargs["variant_properties_file"],
        detection_cache=not kwargs["no_cache"],
        enable_optional=kwargs["enable_optional"],
    )


def _context(kwargs: dict[str, Any], console: Messages, *,
             needs_index: bool = True) -> contextlib.AbstractContextManager[InstallContext]:
    """The run's context from the options (the index plan is checked before the probe).

    The resolver, the HTTP client and the wheel driver are imported only now, after the
    options were checked and while the target interpreter answers the probe in its child
    process (``probe_ahead``): bad input fails before either, and a cold run's probe costs
    no time of its own.
    """
    indexes = _index_options(kwargs)
    plan = indexes.plan() if needs_index or indexes.given else IndexPlan(())
    options = dataclasses.replace(_resolve_options(kwargs),
                                  provider_indexes=tuple(index.url for index in plan.indexes))
    from wheelnext.install.target import probe_ahead

    probing = probe_ahead(kwargs["python"], cache_folder(kwargs["cache_dir"],
                                                         kwargs["no_cache"]))
    from wheelnext.install.context import open_context

    opened = open_context(plan, options, python=kwargs["python"], cache_dir=kwargs["cache_dir"],
                          no_cache=kwargs["no_cache"], console=console, quiet=kwargs["quiet"],
                          probing=probing)
    if len(plan.indexes) > 1 and not kwargs["quiet"]:
        # PEP 766: "Installers should also ideally provide optional debugging output that
        # provides insight into which index is being considered."
        return _describing(opened, plan)
    return opened


@contextlib.contextmanager
def _describing(opened: contextlib.AbstractContextManager[InstallContext],
                plan: IndexPlan) -> Iterator[InstallContext]:
    with opened as context:
        LOG.info(plan.describe())
        yield context


def _guard(func: F) -> F:
    """Turn the network and OS errors that escape into one-line ``WheelnextError``\\ s."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OSError as exc:
            raise WheelnextError(f"{exc.filename or 'install'}: {exc.strerror or exc}") from None
        except Exception as exc:
            # httpx is looked up, not imported: a request error means it is imported already,
            # and importing it here would put the HTTP client's imports before the probe.
            httpx = sys.modules.get("httpx")
            if httpx is not None and isinstance(exc, httpx.HTTPError):
                raise WheelnextError(f"network error: {exc}") from None
            raise

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
    console = StderrMessages()
    with to_stderr(console, kwargs["verbose"], kwargs["quiet"]):
        lock_files = [p for p in kwargs["requirement_files"] if p.name.endswith(".toml")]
        other = [p for p in kwargs["requirement_files"] if not p.name.endswith(".toml")]
        requirements = list(kwargs["requirements"]) + _requirements_from_files(other)
        if lock_files and requirements:
            raise IndexConfigError("-r pylock.toml: give either a lock file or requirements")
        if not lock_files and not requirements:
            raise IndexConfigError("install: no requirements given")
        local_only = all(text.endswith((".whl", ".whlx")) for text in requirements)
        with _context(kwargs, console, needs_index=not lock_files and not local_only) as context:
            from wheelnext.install.api import install as install_requirements

            summary = install_requirements(requirements, context=context, lock_files=lock_files,
                                           compile_bytecode=kwargs["compile_bytecode"],
                                           links=LinkMode(kwargs["links"]),
                                           reinstall=kwargs["reinstall"],
                                           dry_run=kwargs["dry_run"])
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
    console = StderrMessages()
    with to_stderr(console, kwargs["verbose"], kwargs["quiet"]):
        locks = [p for p in kwargs["requirement_files"] if p.name.endswith(".toml")]
        if locks:
            raise IndexConfigError(f"-r {locks[0]}: a .toml file is a lock to install with "
                                   "'install -r', not requirements to lock")
        requirements = list(kwargs["requirements"]) + _requirements_from_files(
            kwargs["requirement_files"])
        if not requirements:
            raise IndexConfigError("lock: no requirements given")
        output: Path = kwargs["output"]
        with _context(kwargs, console) as context:
            from wheelnext.install.api import lock as lock_requirements

            locked = lock_requirements(requirements, output, context=context)
        if not kwargs["quiet"]:
            LOG.info(f"wrote {output} ({len(locked.resolution.dists)} packages)")
    if kwargs["as_json"]:
        click.echo(json.dumps({
            "lock": str(output),
            "packages": [{"name": d.name, "version": d.version, "index": d.artifact.index,
                          "file": d.artifact.filename} for d in locked.resolution.dists],
        }, indent=2))


__all__ = ["install", "lock"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(install())
