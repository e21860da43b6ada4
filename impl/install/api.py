"""The installer as a library: :func:`install` and :func:`lock`, which the command line calls.

Either pass an open :class:`~wheelnext.install.context.InstallContext` (``context=``, from
:func:`~wheelnext.install.context.open_context`; the caller closes it), or the few values to
build one (``indexes``, ``python``, ``cache_dir``, ``options``, ``rules``), and the call opens
and closes its own. Errors are :class:`~wheelnext.errors.WheelnextError`\\ s with one-line
messages; messages go to the ``wheelnext.install`` logger.

>>> from wheelnext.install import install
>>> install(["demo"], indexes=["local=http://127.0.0.1:8000/simple/"],
...         python=Path(".venv/bin/python"))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wheelnext.index_priority import IndexPlan
from wheelnext.install.context import InstallContext, open_context
from wheelnext.install.installing import run_install
from wheelnext.install.options import IndexOptions, ResolveOptions
from wheelnext.install.resolver import Resolution
from wheelnext.install.rules import DEFAULT_RULES, Rule
from wheelnext.install.symlinks import LinkMode


@dataclass(frozen=True)
class Locked:
    """What :func:`lock` resolved and the ``pylock.toml`` text it wrote."""

    resolution: Resolution
    text: str
    output: Path | None


def _plan(indexes: Sequence[str], needs_index: bool) -> IndexPlan:
    if indexes or needs_index:
        return IndexOptions(indexes=tuple(indexes)).plan()
    return IndexPlan(())


@contextmanager
def _context(context: InstallContext | None, indexes: Sequence[str], needs_index: bool,
             python: str | os.PathLike[str] | None,
             cache_dir: str | os.PathLike[str] | None, no_cache: bool,
             options: ResolveOptions | None,
             rules: Sequence[Rule]) -> Iterator[InstallContext]:
    if context is not None:
        with nullcontext(context) as given:
            yield given
        return
    with open_context(_plan(indexes, needs_index), options, python=python,
                      cache_dir=cache_dir, no_cache=no_cache, rules=tuple(rules)) as opened:
        yield opened


def install(
    requirements: Sequence[str] = (),
    *,
    context: InstallContext | None = None,
    indexes: Sequence[str] = (),
    python: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    options: ResolveOptions | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
    lock_files: Sequence[Path] = (),
    compile_bytecode: bool = True,
    links: LinkMode = LinkMode.SYMLINK,
    reinstall: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Resolve *requirements* (names, specifiers, wheel paths) or read *lock_files*, and
    install into the *python* environment as one transaction; return the ``--json`` summary.

    *indexes* are ``NAME=URL`` (or bare URLs) in priority order (PEP 766 index priority);
    none are needed for a lock file or local wheels only.
    """
    local_only = all(text.endswith((".whl", ".whlx")) for text in requirements)
    with _context(context, indexes, not lock_files and not local_only, python, cache_dir,
                  no_cache, options, rules) as ctx:
        if dry_run:
            ctx.options = dataclasses.replace(ctx.options, download_ahead=False)
        return run_install(ctx, requirements, lock_files, compile_bytecode=compile_bytecode,
                           links=links, reinstall=reinstall, dry_run=dry_run)


def lock(
    requirements: Sequence[str],
    output: str | os.PathLike[str] | None = None,
    *,
    context: InstallContext | None = None,
    indexes: Sequence[str] = (),
    python: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    options: ResolveOptions | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> Locked:
    """Resolve *requirements* for the *python* environment into ``pylock.toml`` text (PEP
    751), written to *output* (replaced in one step) when given."""
    # pylock (with its TOML writer and PEP 825 lock tables) is 4.7 ms that ``install``
    # start-up does not pay (python -X importtime after the installer's own imports).
    from wheelnext.install.pylock import format_lock

    with _context(context, indexes, True, python, cache_dir, no_cache, options,
                  rules) as ctx:
        ctx.options = dataclasses.replace(ctx.options, download_ahead=False)
        resolution = ctx.resolve(requirements)
        text = format_lock(resolution, ctx.target)
    if output is not None:
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=output.parent, prefix=".pylock-",
                                         delete=False, encoding="utf-8") as handle:
            handle.write(text)
        Path(handle.name).replace(output)
    return Locked(resolution, text, output)


__all__ = ["Locked", "install", "lock"]
