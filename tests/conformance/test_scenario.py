"""Loading scenario files: the model, and ``file:line: what is wrong`` for bad ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wheelnext.cli import main
from wheelnext.conformance.scenario import (
    ABSENT,
    ScenarioError,
    load_scenario,
    load_scenarios,
    suite_digest,
)


def test_a_valid_scenario_loads(write_scenario: Callable[..., Path]) -> None:
    s = load_scenario(write_scenario())
    assert s.id == "t-one"
    assert s.group == "PEP 766"
    assert s.request.indexes == ("primary",)
    assert s.outcomes[0].installed is not None
    assert s.outcomes[0].installed["alpha"].versions == {"1.0"}
    assert s.outcomes[0].exit == {"success"}
    assert not s.outcomes[0].writes_outside


def test_one_of_merges_common_keys(write_scenario: Callable[..., Path]) -> None:
    path = write_scenario(
        """
        [[packages.primary]]
        name = "alpha"
        version = "1.0"

        [request]
        requirements = ["alpha"]

        [expect]
        installed-exact = false

        [[expect.one-of]]
        name = "installs"
        exit = "success"
        installed = { alpha = ["1.0", "absent"] }

        [[expect.one-of]]
        name = "refuses"
        exit = ["failure"]
        """
    )
    s = load_scenario(path)
    assert [o.name for o in s.outcomes] == ["installs", "refuses"]
    assert all(not o.installed_exact for o in s.outcomes)
    assert s.outcomes[0].installed is not None
    assert s.outcomes[0].installed["alpha"].versions == {"1.0", ABSENT}


BAD = [
    ('[request]\nrequirements = ["alpha"]\nbogus = 1\n[expect]\n', "bogus", "unknown key"),
    ('[request]\nrequirements = ["al pha!"]\n[expect]\n', "al pha!", "al pha!"),
    (
        '[request]\nrequirements = ["alpha"]\nindexes = ["nowhere"]\n[expect]\n',
        "nowhere",
        "nowhere",
    ),
    (
        '[request]\nrequirements = ["alpha"]\nindex-strategy = "fastest"\n[expect]\n',
        "fastest",
        "index-strategy",
    ),
    ('[request]\nrequirements = ["alpha"]\n[expect]\nexit = "maybe"\n', "maybe", "exit must be"),
    (
        '[request]\nrequirements = ["alpha"]\n[expect]\ninstalled = { alpha = "one" }\n',
        'alpha = "one"',
        "'one'",
    ),
    (
        '[request]\nrequirements = ["alpha"]\n[expect]\nfiles-present = ["/etc/passwd"]\n',
        "passwd",
        "relative",
    ),
    (
        '[request]\nrequirements = ["alpha"]\n[expect.requests]\nasked = ["elsewhere"]\n',
        "elsewhere",
        "unknown index",
    ),
    (
        '[request]\nrequirements = ["alpha"]\nwheel = "beta-1.0-py3-none-any.whl"\n[expect]\n',
        "beta-1.0",
        "no package table",
    ),
]


def _line_of(path: Path, marker: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if marker in text)


@pytest.mark.parametrize(("tail", "marker", "message"), BAD)
def test_bad_files_name_file_and_line(
    write_scenario: Callable[..., Path], tail: str, marker: str, message: str
) -> None:
    body = '[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n' + tail
    path = write_scenario(body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:{_line_of(path, marker)}: ")
    assert message in str(info.value)


def test_a_bad_package_table_gets_the_builders_message_with_its_line(
    write_scenario: Callable[..., Path],
) -> None:
    path = write_scenario(
        '[[packages.primary]]\nname = "alpha"\nversion = "not a version"\n'
        '[request]\nrequirements = ["alpha"]\n[expect]\n'
    )
    line = _line_of(path, "[[packages.primary]]")
    with pytest.raises(ScenarioError, match=rf"^{path}:{line}: packages.primary\[0\].*version"):
        load_scenario(path)


def test_invalid_toml_names_its_line(write_scenario: Callable[..., Path]) -> None:
    path = write_scenario("[request\n")
    with pytest.raises(ScenarioError, match=rf"^{path}:\d+: invalid TOML"):
        load_scenario(path)


def test_duplicate_ids_are_refused(write_scenario: Callable[..., Path]) -> None:
    first = write_scenario(id="t-same", name="a")
    write_scenario(id="t-same", name="b")
    with pytest.raises(ScenarioError, match="duplicate id 't-same'"):
        load_scenarios([first.parent])


def test_select_and_digest(write_scenario: Callable[..., Path]) -> None:
    write_scenario(id="t-one")
    write_scenario(id="t-two")
    folder = write_scenario(id="t-three").parent
    assert [s.id for s in load_scenarios([folder], select=["t-t*"])] == ["t-three", "t-two"]
    everything = load_scenarios([folder])
    assert suite_digest(everything) == suite_digest(list(reversed(everything)))
    assert suite_digest(everything) != suite_digest(everything[:2])


def test_shipped_baseline_loads() -> None:
    from wheelnext.conformance.scenario import shipped_dir

    baseline = load_scenarios([shipped_dir() / "baseline"])
    assert len(baseline) >= 6
    assert all(s.group == "baseline" for s in baseline)


def test_cli_reports_a_bad_scenario_in_one_line(
    write_scenario: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario('[request]\nrequirements = ["alpha"]\n[expect]\nexit = 3\n')
    with pytest.raises(SystemExit) as info:
        main(["conformance", "list", "--scenarios", str(path.parent)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:")
    assert "\n" not in err


def test_legacy_needs_variant_properties(write_scenario: Callable[..., Path]) -> None:
    body = '[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
    ok = write_scenario(
        body + '[request]\nrequirements = ["alpha"]\nlegacy = true\n'
        'variant-properties = ["x86_64 :: level :: v3"]\n[expect]\n',
        id="t-legacy",
    )
    assert load_scenario(ok).request.legacy
    bad = write_scenario(body + '[request]\nrequirements = ["alpha"]\nlegacy = true\n[expect]\n')
    with pytest.raises(ScenarioError, match="legacy only applies"):
        load_scenario(bad)


def test_fetch_tables_are_validated(write_scenario: Callable[..., Path]) -> None:
    body = '[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
    body += '[request]\nrequirements = ["alpha"]\n[expect]\n'
    ok = write_scenario(
        body + '[[fetch]]\nindex = "primary"\npath = "alpha/"\nstatus = [200, 406]\n'
    )
    (fetch,) = load_scenario(ok).fetches
    assert fetch.status == {200, 406}
    bad = write_scenario(body + '[[fetch]]\nindex = "elsewhere"\npath = "alpha/"\n', id="t-bad")
    with pytest.raises(ScenarioError, match=r":\d+: unknown index 'elsewhere'"):
        load_scenario(bad)


def test_only_binary_is_a_capability(write_scenario: Callable[..., Path]) -> None:
    body = '[[packages.primary]]\nname = "alpha"\nversion = "1.0"\n'
    body += '[request]\nrequirements = ["alpha"]\n'
    scenario = load_scenario(write_scenario(body + "only-binary = true\n[expect]\n"))
    assert scenario.request.only_binary
    assert "only-binary" in scenario.request.capabilities()
    bad = write_scenario(body + 'only-binary = "yes"\n[expect]\n', id="t-bad")
    with pytest.raises(ScenarioError, match=r":\d+: only-binary must be true or false"):
        load_scenario(bad)


def test_a_refused_index_has_neither_packages_nor_error(
    write_scenario: Callable[..., Path],
) -> None:
    tail = '[request]\nrequirements = ["alpha"]\nindexes = ["down", "pypi"]\n[expect]\n'
    pypi = '[[packages.pypi]]\nname = "alpha"\nversion = "1.0"\n'
    ok = write_scenario('[indexes.down]\nrefused = true\n' + pypi + tail)
    assert load_scenario(ok).index("down").refused
    for table, why in (
        ('[indexes.down]\nrefused = true\nerror = 503\n' + pypi, "no error and no packages"),
        ('[indexes.down]\nrefused = 1\n' + pypi, "refused must be true or false"),
        ('[indexes.down]\nrefused = true\n[[packages.down]]\nname = "alpha"\nversion = "1.0"\n'
         + pypi, "no error and no packages"),
    ):
        with pytest.raises(ScenarioError, match=why):
            load_scenario(write_scenario(table + tail, id="t-bad"))
