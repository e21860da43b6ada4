"""A pytest plugin: ``pytest --wheelnext-installer pip`` runs the scenarios as test items.

Tool authors run the conformance suite inside their own test suites: each
scenario and installer configuration is one item; ``fail`` fails it,
``warn`` (a SHOULD, SHOULD NOT or MAY not met) passes it with a
:class:`ScenarioWarning`, ``unsupported`` and ``not applicable`` skip it with the reason, ``error``
errors it. A scenario on an expected-failure list (``--wheelnext-xfail FILE``,
``--wheelnext-xfail-shipped``) is a strict ``xfail`` item: it must fail the
scenario, and passing it fails the item (XPASS strict), as in ``conformance
run``. Without ``--wheelnext-installer`` the plugin adds nothing.

The items are collected with the session's own (one collector,
``wheelnext-conformance``, beside the paths), so ``collected N items`` counts
them, pytest-xdist (``-n 4``) spreads them, ``--lf`` reruns the failed ones, and
a node id such as ``wheelnext-conformance::pep766-foo[pip]`` on the command line
selects one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wheelnext", "wheelnext conformance scenarios")
    group.addoption(
        "--wheelnext-installer",
        action="append",
        default=[],
        metavar="SPEC",
        help="run the wheelnext conformance scenarios against this installer (repeatable)",
    )
    group.addoption(
        "--wheelnext-scenarios",
        action="append",
        default=[],
        metavar="DIR",
        help="scenario folder (repeatable; default: the shipped set)",
    )
    group.addoption(
        "--wheelnext-select", action="append", default=[], metavar="PATTERN", help="fnmatch filter"
    )
    group.addoption(
        "--wheelnext-xfail",
        action="append",
        default=[],
        metavar="FILE",
        help="expected-failure list (TOML): its scenarios are strict xfail items (repeatable)",
    )
    group.addoption(
        "--wheelnext-xfail-shipped",
        action="store_true",
        help="apply the shipped expected-failure list of each installer configuration",
    )
    group.addoption("--wheelnext-runner", default="venv", help="venv or docker")
    group.addoption("--wheelnext-timeout", type=float, default=None, help="seconds per scenario")


class ScenarioFailed(Exception):
    """An installer did not do what a scenario expects."""


class ScenarioWarning(UserWarning):
    """An installer did not meet a SHOULD, SHOULD NOT or MAY: the test passes, with this warning."""


class ScenarioItem(pytest.Item):
    """One scenario against one installer configuration."""

    def __init__(self, *, scenario: Any, installer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.installer = installer

    def runtest(self) -> None:
        from wheelnext.conformance.check import Status
        from wheelnext.conformance.run import run_suite
        from wheelnext.conformance.runners import make_runner

        options = self.config.option
        (result,) = run_suite(
            [self.scenario],
            [self.installer],
            make_runner(options.wheelnext_runner),
            timeout=options.wheelnext_timeout,
        )
        if result.status in (Status.UNSUPPORTED, Status.NOT_APPLICABLE):
            pytest.skip(f"{result.status}: {result.reason}")
        if result.status is Status.ERROR:
            raise RuntimeError(f"harness error: {result.reason}")
        if result.status is Status.FAIL:
            raise ScenarioFailed("\n".join(result.failures))
        if result.status is Status.WARN:
            if self.get_closest_marker("xfail") is not None:  # listed: an expected failure
                raise ScenarioFailed("\n".join(result.failures))
            why = "; ".join(result.failures)
            warnings.warn(
                ScenarioWarning(f"{self.scenario.spec.level} not met: {why}"), stacklevel=1
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            spec = self.scenario.spec
            where = f"PEP {spec.pep}" if spec.pep else spec.document
            return (
                f"{self.scenario.id} ({where}, {spec.section}, {spec.level}):\n"
                f"  {spec.sentence}\n{excinfo.value}"
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.scenario.path, 0, f"{self.scenario.id} [{self.installer.name}]"


class ScenarioCollector(pytest.Collector):
    """The scenarios, as one collector under the session."""

    def _chosen(self, nodeid: str) -> bool:
        chosen = getattr(self.config.option, "wheelnext_nodeids", None)
        return not chosen or ROOT in chosen or nodeid in chosen

    def collect(self) -> Iterator[pytest.Item]:
        # Start-up: pytest loads this plugin in every session of an environment that has
        # wheelnext; importing the harness here, when it is asked for, keeps about 1 s off
        # the others (importing the plugin alone: 0.3-0.4 s; with run, runners, adapters
        # and xfail: 1.2-1.5 s, on the 2-core CI machine).
        from wheelnext.conformance.adapters import make_installers
        from wheelnext.conformance.materialize import default_cache
        from wheelnext.conformance.scenario import load_scenarios
        from wheelnext.conformance.xfail import load_shipped, load_xfail, reasons_for

        options = self.config.option
        scenarios = load_scenarios(
            [Path(d) for d in options.wheelnext_scenarios], select=options.wheelnext_select
        )
        own_lists = [load_xfail(Path(p)) for p in options.wheelnext_xfail]
        installers, _ = make_installers(options.wheelnext_installer, cache=default_cache())
        for installer in installers:
            lists = own_lists + (
                load_shipped([installer.name]) if options.wheelnext_xfail_shipped else []
            )
            for scenario in scenarios:
                # the id as pytest parses one given back (--lf's cache, the command line):
                # the installer is the parameter
                nodeid = f"{ROOT}::{scenario.id}[{installer.name}]"
                if not self._chosen(nodeid):
                    continue
                item = ScenarioItem.from_parent(
                    self,
                    name=f"{scenario.id}[{installer.name}]",
                    nodeid=nodeid,
                    scenario=scenario,
                    installer=installer,
                )
                reasons = reasons_for(lists, scenario.id, installer.name, installer.version)
                if reasons:
                    mark = pytest.mark.xfail(reason=reasons[0], strict=True, raises=ScenarioFailed)
                    item.add_marker(mark)
                yield item


#: The collector's name: the first part of every scenario item's node id.
ROOT = "wheelnext-conformance"


def _is_ours(arg: str) -> bool:
    return arg == ROOT or arg.startswith(f"{ROOT}::")


def pytest_configure(config: pytest.Config) -> None:
    """Take the scenario node ids given on the command line (``wheelnext-conformance::ID[NAME]``)
    out of the paths pytest collects, and keep them as the selection of scenario items.

    They travel in ``config.option``, which pytest-xdist hands to its workers.
    """
    if not config.getoption("wheelnext_installer", None):
        return
    chosen = [arg for arg in config.args if _is_ours(arg)]
    if chosen:
        config.option.wheelnext_nodeids = chosen
        config.args[:] = [arg for arg in config.args if not _is_ours(arg)]


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The scenarios join the session's own collection, as one more collector beside the paths.

    Collected in the collection phase, they are counted in ``collected N items``,
    seen by ``--lf``/``--ff`` and ``-k``, and sent by pytest-xdist's workers like any item.
    """
    report: Any = yield
    config = collector.config
    if isinstance(collector, pytest.Session) and config.getoption("wheelnext_installer", None):
        chosen = getattr(config.option, "wheelnext_nodeids", None)
        if chosen and not config.args:
            report.result[:] = []
        report.result.append(ScenarioCollector.from_parent(collector, name=ROOT, nodeid=ROOT))
    return report  # type: ignore[no-any-return]
