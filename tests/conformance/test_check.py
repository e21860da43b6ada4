"""Checking observations against expectations: every result category and alternative."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from wheelnext.conformance.check import Status, Verdict, check
from wheelnext.conformance.observe import InstalledDist, LoggedRequest, Observation, PathState
from wheelnext.conformance.scenario import Scenario, load_scenario


def observed(**changes: object) -> Observation:
    fields: dict[str, object] = {
        "argv": ("x",),
        "exit_code": 0,
        "timed_out": False,
        "output": "Successfully installed alpha-1.0",
        "installed": {"alpha": InstalledDist("1.0")},
    }
    fields.update(changes)
    return Observation(**fields)  # type: ignore[arg-type]


def scenario(write: Callable[..., Path], expect: str) -> Scenario:
    return load_scenario(
        write(
            '[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
            '[[packages.secondary]]\nname = "alpha"\nversion = "2.0"\n'
            '[request]\nrequirements = ["alpha"]\nindexes = ["primary", "secondary"]\n' + expect
        )
    )


def test_pass_and_fail_with_the_observed_value(write_scenario: Callable[..., Path]) -> None:
    s = scenario(write_scenario, '[expect]\nexit = "success"\ninstalled = { alpha = "1.0" }\n')
    assert check(s, observed())[0] is Status.PASS
    status, _, failures = check(s, observed(installed={"alpha": InstalledDist("2.0")}))
    assert status is Status.FAIL
    assert failures == ("alpha: expected 1.0, observed 2.0",)


def test_installed_exact_and_absent(write_scenario: Callable[..., Path]) -> None:
    s = scenario(write_scenario, '[expect]\ninstalled = { alpha = "1.0", beta = "absent" }\n')
    extra = {"alpha": InstalledDist("1.0"), "gamma": InstalledDist("3")}
    assert check(s, observed(installed=extra))[2] == ("gamma: not expected, observed 3 installed",)
    beta = {"alpha": InstalledDist("1.0"), "beta": InstalledDist("1")}
    assert "beta: expected absent" in check(s, observed(installed=beta))[2][0]


def test_variants(write_scenario: Callable[..., Path]) -> None:
    s = scenario(
        write_scenario,
        '[expect]\ninstalled = { alpha = { version = "1.0", variant = ["x86_64_v3", false] } }\n',
    )
    assert check(s, observed(installed={"alpha": InstalledDist("1.0", "x86_64_v3")}))[0] == "pass"
    assert check(s, observed(installed={"alpha": InstalledDist("1.0")}))[0] == "pass"
    status, _, failures = check(s, observed(installed={"alpha": InstalledDist("1.0", "null")}))
    assert status is Status.FAIL
    assert "observed null" in failures[0]


def test_one_of_reports_the_observed_alternative(write_scenario: Callable[..., Path]) -> None:
    s = scenario(
        write_scenario,
        '[[expect.one-of]]\nname = "installs"\nexit = "success"\n'
        '[[expect.one-of]]\nname = "refuses"\nexit = "failure"\n'
        'output-contains = ["ERROR"]\n',
    )
    assert check(s, observed()) == (Status.PASS, "installs", ())
    assert check(s, observed(exit_code=1, output="error: no"))[:2] == (Status.PASS, "refuses")


def test_a_verdict_names_its_parts(write_scenario: Callable[..., Path]) -> None:
    s = scenario(write_scenario, '[expect]\nexit = "success"\n')
    refused = check(s, observed(exit_code=1))
    assert isinstance(refused, Verdict)
    assert (refused.status, refused.outcome) == (Status.FAIL, "")
    assert refused.failures == ("exit: expected success, observed failure (status 1)",)
    status, outcome, failures = check(s, observed())
    assert (status, outcome, failures) == (Status.PASS, "", ())


def test_timeout_is_a_fail(write_scenario: Callable[..., Path]) -> None:
    s = scenario(write_scenario, '[expect]\nexit = ["success", "failure"]\n')
    status, _, failures = check(s, observed(exit_code=None, timed_out=True))
    assert (status, failures) == (Status.FAIL, ("timed out",))


def test_written_outside_fails_unless_allowed(write_scenario: Callable[..., Path]) -> None:
    strict = scenario(write_scenario, "[expect]\n")
    stray = observed(written_outside=("/home/u/.pip",))
    assert check(strict, stray)[2] == ("wrote outside the environment: /home/u/.pip",)
    lax = scenario(write_scenario, "[expect]\nwrites-outside = true\n")
    assert check(lax, stray)[0] is Status.PASS


def test_paths_and_symlinks(write_scenario: Callable[..., Path]) -> None:
    s = scenario(
        write_scenario,
        '[expect]\nfiles-present = ["alpha/a.py"]\nfiles-absent = ["{root}/evil"]\n'
        'symlinks = { "alpha/link" = "a.py" }\nnot-symlinks = ["alpha/b.py"]\n',
    )
    good = {
        "alpha/a.py": PathState(True),
        "{root}/evil": PathState(False),
        "alpha/link": PathState(True, True, "a.py"),
        "alpha/b.py": PathState(True),
    }
    assert check(s, observed(paths=good))[0] is Status.PASS
    bad = {**good, "{root}/evil": PathState(True), "alpha/link": PathState(True)}
    assert len(check(s, observed(paths=bad))[2]) == 2


def test_request_log(write_scenario: Callable[..., Path]) -> None:
    s = scenario(
        write_scenario,
        '[expect.requests]\nasked = ["primary"]\nnot-asked-for = { secondary = ["alpha"] }\n',
    )
    only_primary = (LoggedRequest("primary", "/simple/alpha/", 200),)
    assert check(s, observed(requests=only_primary))[0] is Status.PASS
    both = (*only_primary, LoggedRequest("secondary", "/simple/alpha/", 200))
    assert "expected no request for alpha" in check(s, observed(requests=both))[2][0]
    order = scenario(write_scenario, '[expect.requests]\norder = ["primary", "secondary"]\n')
    assert check(order, observed(requests=tuple(reversed(both))))[0] is Status.FAIL


@given(code=st.integers(0, 255), output=st.text(max_size=30))
def test_exit_expectation_is_exactly_zero_or_not(code: int, output: str) -> None:
    from wheelnext.conformance.check import outcome_failures
    from wheelnext.conformance.scenario import Outcome

    failures = outcome_failures(
        Outcome(exit=frozenset({"success"})), observed(exit_code=code, output=output)
    )
    assert (failures == []) == (code == 0)


def test_fetch_expectations(write_scenario: Callable[..., Path]) -> None:
    from wheelnext.conformance.observe import Fetched

    s = scenario(
        write_scenario,
        '[expect]\n[[fetch]]\nindex = "primary"\npath = "alpha/"\n'
        'content-type = "application/vnd.pypi.simple.v1+json"\ncontains = ["alpha-1.0"]\n',
    )
    good = Fetched("primary", "alpha/", 200, "application/vnd.pypi.simple.v1+json", "alpha-1.0")
    assert check(s, observed(fetched=(good,)))[0] is Status.PASS
    html = Fetched("primary", "alpha/", 200, "text/html; charset=utf-8", "nothing")
    failures = check(s, observed(fetched=(html,)))[2]
    assert [f.split(": ", 1)[1] for f in failures] == [
        "expected content type application/vnd.pypi.simple.v1+json, observed text/html",
        "expected to contain 'alpha-1.0', it does not",
    ]
    missing = Fetched("primary", "alpha/", 404, None, "")
    assert check(s, observed(fetched=(missing,)))[2] == (
        "fetch primary:alpha/: expected status 200, observed 404",
    )
