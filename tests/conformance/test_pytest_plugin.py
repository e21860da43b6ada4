"""The pytest plugin (entry point ``pytest11``): scenarios as items in another test suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _support.installer import PIP

from .conftest import ONE_PACKAGE, TWO_PACKAGES_NEEDS_PRIORITY

pytest_plugins = ["pytester"]
pytestmark = [pytest.mark.network_installer, pytest.mark.slow]


def test_items_pass_fail_and_skip(
    pytester: pytest.Pytester, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    write_scenario(ONE_PACKAGE, id="t-passes")
    write_scenario(ONE_PACKAGE.replace('alpha = "1.0"', 'alpha = "2.0"'), id="t-fails")
    folder = write_scenario(TWO_PACKAGES_NEEDS_PRIORITY, id="t-needs-priority").parent
    result = pytester.runpytest_subprocess(
        "--wheelnext-installer", PIP, "--wheelnext-scenarios", str(folder), "-rs",
    )  # fmt: skip
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*alpha: expected 2.0, observed 1.0*", "*unsupported*index*"])


def test_expected_failure_lists_make_strict_xfail_items(
    pytester: pytest.Pytester, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    write_scenario(ONE_PACKAGE, id="t-passes")
    folder = write_scenario(ONE_PACKAGE.replace('alpha = "1.0"', 'alpha = "2.0"'), id="t-fails")
    listed = folder.parent.parent / "pip.toml"
    listed.write_text(
        'installer = "pip"\n[expected-failures]\nt-fails = "known"\nt-passes = "stale"\n'
    )
    result = pytester.runpytest_subprocess(
        "--wheelnext-installer", PIP, "--wheelnext-scenarios", str(folder.parent),
        "--wheelnext-xfail", str(listed), "-rxX",
    )  # fmt: skip
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*stale*", "*XFAIL*t-fails*known*"])
    shipped = pytester.runpytest_subprocess(
        "--wheelnext-installer", PIP, "--wheelnext-select", "pep771-default-installed",
        "--wheelnext-xfail-shipped",
    )  # fmt: skip
    shipped.assert_outcomes(xfailed=1)


def test_without_the_option_nothing_is_added(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--wheelnext-installer*"])
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_a_should_not_met_passes_with_a_warning_or_is_an_expected_failure(
    pytester: pytest.Pytester, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    path = write_scenario(ONE_PACKAGE.replace('alpha = "1.0"', 'alpha = "2.0"'), id="t-should")
    path.write_text(path.read_text().replace('level = "rule"', 'level = "SHOULD"'))
    args = ["--wheelnext-installer", PIP, "--wheelnext-scenarios", str(path.parent)]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*ScenarioWarning: SHOULD not met: alpha: expected 2.0*"])
    listed = path.parent.parent / "pip.toml"
    listed.write_text('installer = "pip"\n[expected-failures]\nt-should = "known"\n')
    pytester.runpytest_subprocess(*args, "--wheelnext-xfail", str(listed)).assert_outcomes(
        xfailed=1
    )


def test_items_are_collected_counted_rerun_with_lf_selected_by_id_and_run_by_xdist(
    pytester: pytest.Pytester, write_scenario: Callable[..., Path], private_host: Path
) -> None:
    write_scenario(ONE_PACKAGE, id="t-passes")
    folder = write_scenario(ONE_PACKAGE.replace('alpha = "1.0"', 'alpha = "2.0"'), id="t-fails")
    pytester.makepyfile("def test_x():\n    pass\n")
    args = ["--wheelnext-installer", "wheelnext", "--wheelnext-scenarios", str(folder.parent)]
    first = pytester.runpytest_subprocess(*args, "-p", "no:xdist")
    first.stdout.fnmatch_lines(["collected 3 items"])
    first.assert_outcomes(passed=2, failed=1)
    again = pytester.runpytest_subprocess(*args, "-p", "no:xdist", "--lf")
    again.stdout.fnmatch_lines(["collected 3 items / 2 deselected / 1 selected",
                                "run-last-failure: rerun previous 1 failure"])  # fmt: skip
    again.assert_outcomes(failed=1, deselected=2)
    chosen = pytester.runpytest_subprocess(
        *args, "-p", "no:xdist", "wheelnext-conformance::t-passes[wheelnext]", "-v"
    )
    chosen.stdout.fnmatch_lines(["*collected 1 item", "*wheelnext-conformance::t-passes*PASSED*"])
    chosen.assert_outcomes(passed=1)
    pytest.importorskip("xdist")
    spread = pytester.runpytest_subprocess(*args, "-n", "2")
    spread.stdout.fnmatch_lines(["2 workers [[]3 items[]]"])
    spread.assert_outcomes(passed=2, failed=1)
