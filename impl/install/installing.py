"""Installing a resolution (or a ``pylock.toml``): plan against the environment, download,
install, report.

A distribution already installed at the resolved version is kept (unless ``--reinstall``);
one at another version is replaced (stashed, then removed when everything succeeded). Downloads
and installs show on the context's progress display when its messages go to a terminal.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wheelnext.install.context import InstallContext
from wheelnext.install.log import LOG
from wheelnext.install.resolver import Resolution
from wheelnext.install.rules import (
    RECORD_HASHES,
    WHEEL_VERSION_ABORT,
    WHEEL_VERSION_MATCH,
    WHEEL_VERSION_WARN,
    Rule,
    applies,
)
from wheelnext.install.symlinks import LinkMode

if TYPE_CHECKING:
    from wheelnext.install.apply import Planned
    from wheelnext.install.wheelfile import InstallChecks

#: What only installing needs (the wheel driver: ``installer``, the ZIP reader with
#: ``backports.zstd``, staging, bytecode): about 20 ms of imports.
_INSTALL_MODULES = ("wheelnext.install.apply",)


def _import_install_modules() -> None:
    for module in _INSTALL_MODULES:
        try:
            importlib.import_module(module)
        except Exception:  # imported again where used, which reports the error
            return


@contextmanager
def _importing_ahead() -> Iterator[None]:
    """Import the install modules on a helper thread while the body runs.

    Resolving mostly waits for the index (pages and metadata come from the finder's
    threads), so the imports fill time the main thread spends waiting instead of adding to
    the run; the thread is joined before the body's result is used.
    """
    helper = threading.Thread(target=_import_install_modules, name="wheelnext-imports",
                              daemon=True)
    helper.start()
    try:
        yield
    finally:
        helper.join()


def checks_for(rules: Sequence[Rule]) -> InstallChecks:
    """The install-time checks of *rules*: every one, unless a knockout lacks its rule."""
    from wheelnext.install.wheelfile import InstallChecks

    return InstallChecks(
        record_hashes=applies(RECORD_HASHES, rules),
        wheel_version_match=applies(WHEEL_VERSION_MATCH, rules),
        wheel_version_abort=applies(WHEEL_VERSION_ABORT, rules),
        wheel_version_warn=applies(WHEEL_VERSION_WARN, rules),
    )


def _plans_from_resolution(context: InstallContext, resolution: Resolution,
                           reinstall: bool) -> tuple[list[Planned], list[dict[str, Any]]]:
    from wheelnext.install.apply import Planned

    installed = context.target.installed()
    plans: list[Planned] = []
    kept: list[dict[str, Any]] = []
    for dist in resolution.dists:
        artifact = dist.artifact
        present = installed.get(dist.name)
        if present is not None and not reinstall and present.same_as(
                dist.version, artifact.variant_label):
            kept.append({"name": dist.name, "version": dist.version})
            continue
        built = resolution.wheel_path(dist)
        plans.append(Planned(
            dist.name, dist.version,
            built.name if built is not None else artifact.filename,
            None if built is not None else artifact.file,
            built if built is not None else artifact.path,
            dist.requested, artifact.variant_label,
            present.dist_info if present is not None else None,
            present.version if present is not None else None,
        ))
    return plans, kept


def _plans_from_lock(context: InstallContext, paths: Sequence[Path],
                     reinstall: bool) -> tuple[list[Planned], list[dict[str, Any]]]:
    # Only ``install -r pylock.toml`` reads a lock: 4.7 ms of every other start-up.
    from wheelnext.install.apply import Planned
    from wheelnext.install.pylock import read_lock

    installed = context.target.installed()
    plans: list[Planned] = []
    kept: list[dict[str, Any]] = []
    for path in paths:
        for locked in read_lock(path, context.target, context.options.supported,
                                 use_variants=not context.options.no_variants):
            present = installed.get(locked.name)
            if present is not None and not reinstall and present.same_as(
                    locked.version, locked.variant_label):
                kept.append({"name": locked.name, "version": locked.version})
                continue
            plans.append(Planned(
                locked.name, locked.version, locked.filename, locked.file, locked.path,
                locked.requested, locked.variant_label,
                present.dist_info if present is not None else None,
                present.version if present is not None else None,
            ))
    return plans, kept


def run_install(
    context: InstallContext,
    requirements: Sequence[str],
    lock_files: Sequence[Path] = (),
    *,
    compile_bytecode: bool = True,
    links: LinkMode = LinkMode.SYMLINK,
    reinstall: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Resolve (or read the lock), install, and return the ``--json`` summary."""
    with _importing_ahead():
        if lock_files:
            plans, kept = _plans_from_lock(context, lock_files, reinstall)
        else:
            resolution = context.resolve(requirements)
            plans, kept = _plans_from_resolution(context, resolution, reinstall)
    from wheelnext.install.apply import download_all, install_planned

    summary: dict[str, Any] = {
        "python": context.target.executable,
        "strategy": str(context.plan.strategy) if context.plan.indexes else None,
        "installed": [],
        "unchanged": kept,
        "dry_run": dry_run,
    }
    for plan in plans:
        LOG.debug("plan: %s %s from %s", plan.name, plan.version,
                  plan.file.index if plan.file else plan.path)
    if dry_run or not plans:
        summary["installed"] = [_describe(plan) for plan in plans]
        if not plans and not context.quiet:
            LOG.info("nothing to install")
        return summary
    console = context.console
    if console is None or not console.is_terminal or context.quiet:
        files = download_all(context.finder, plans)
        done = install_planned(plans, files, context.target, compile_bytecode=compile_bytecode,
                               links=links, checks=checks_for(context.rules))
    else:
        with console.progress() as shown:
            files = download_all(context.finder, plans, shown.downloaded)
            shown.installing(len(plans))
            done = install_planned(plans, files, context.target,
                                   compile_bytecode=compile_bytecode, links=links,
                                   on_installed=lambda plan: shown.installed(),
                                   checks=checks_for(context.rules))
    for item in done:
        replaced = f" (replacing {item.replaced})" if item.replaced else ""
        where = f" from index {item.index}" if item.index else ""
        label = f" [variant {item.variant_label}]" if item.variant_label else ""
        if not context.quiet:
            LOG.info(f"installed {item.name} {item.version}{label}{where}{replaced}")
    summary["installed"] = [_describe(plan) for plan in plans]
    return summary


def _describe(plan: Planned) -> dict[str, Any]:
    return {
        "name": plan.name,
        "version": plan.version,
        "file": plan.filename,
        "index": plan.file.index if plan.file else None,
        "variant": plan.variant_label,
        "replaced": plan.replaces_version,
    }


__all__ = ["checks_for", "run_install"]
