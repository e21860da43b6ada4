"""What one installer run works with: the index plan, the options, the target interpreter,
the finder (HTTP client and cache) and where messages go.

Built by :func:`open_context` (the library API and the command line alike) and closed with it;
:func:`wheelnext.install.api.install` and :func:`~wheelnext.install.api.lock` take one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from wheelnext.index_priority import IndexPlan
from wheelnext.install.artifact import Artifact
from wheelnext.install.finder import Finder
from wheelnext.install.log import LOG
from wheelnext.install.messages import Messages
from wheelnext.install.options import ResolveOptions, cache_folder, default_cache
from wheelnext.install.resolver import Resolution, resolve
from wheelnext.install.rules import DEFAULT_RULES, SDIST_WHEEL_VERSION, Rule, applies
from wheelnext.install.target import TargetPython, probe


@dataclass
class InstallContext:
    """Everything one run needs, built once from the options."""

    plan: IndexPlan
    options: ResolveOptions
    target: TargetPython
    finder: Finder
    #: The candidate filters in the order they apply (see :mod:`wheelnext.install.rules`).
    rules: tuple[Rule, ...] = DEFAULT_RULES
    #: Where progress displays go (None: no display, as for a library caller).
    console: Messages | None = None
    quiet: bool = False
    _closed: bool = field(default=False, repr=False)

    def build(self, artifact: Artifact) -> Path:
        """Build the wheel of an sdist found while resolving (PEP 517, isolated)."""
        # Only a resolution that meets an sdist builds: 2.5 ms of start-up (-X importtime).
        from wheelnext.install.sdist import build_wheel

        assert artifact.file is not None
        sdist = self.finder.download(artifact.file)
        LOG.info(f"building {artifact.filename} (PEP 517, isolated)")
        outdir = sdist.parent.parent / "built"
        return build_wheel(sdist, outdir, [index.url for index in self.plan.indexes],
                           check_metadata=applies(SDIST_WHEEL_VERSION, self.rules))

    def resolve(self, requirements: Sequence[str]) -> Resolution:
        """Resolve *requirements* under this context's plan, options and rules."""
        return resolve(requirements, self.finder, self.plan, self.target, self.options,
                       rules=self.rules, build=self.build)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.finder.close()


@contextmanager
def open_context(
    plan: IndexPlan,
    options: ResolveOptions | None = None,
    *,
    python: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    rules: tuple[Rule, ...] = DEFAULT_RULES,
    console: Messages | None = None,
    quiet: bool = False,
    probing: Future[TargetPython] | None = None,
) -> Iterator[InstallContext]:
    """Probe the *python* interpreter (default: this one), open the finder, yield the context.

    *cache_dir* defaults to :func:`default_cache`; *no_cache* uses a throw-away cache.
    *probing* is a probe of *python* with that cache already under way
    (:func:`~wheelnext.install.target.probe_ahead`), used instead of a new one.
    """
    cache = cache_folder(cache_dir, no_cache)
    # The HTTP client (its transport imports httpcore, ~15 ms) is built while the target
    # interpreter answers the probe in its child process, instead of after it.
    with ThreadPoolExecutor(1, thread_name_prefix="wheelnext-probe") as pool:
        probed = probing if probing is not None else pool.submit(probe, python, cache)
        finder = Finder(cache)
        try:
            target = probed.result()
        except BaseException:
            finder.close()
            raise
    context = InstallContext(plan, options or ResolveOptions(), target, finder, rules,
                             console, quiet)
    try:
        yield context
    finally:
        context.close()


__all__ = ["InstallContext", "default_cache", "open_context"]
