"""The installer's rules as data: named, quoted from the spec, ordered, and removable one at a
time (a knockout changes exactly the behaviour of the rule it removes)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from _support.installer import served

from wheelnext.errors import WheelnextError
from wheelnext.install import DEFAULT_RULES, ResolveOptions, lock, without
from wheelnext.install.rules import rule_names

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT.parent / "shared" / "specs"

#: One project per rule: the default rules choose 1.0, because 2.0 is refused by that rule.
PACKAGES = {"pypi": [
    {"name": "yanked-proj", "version": "1.0"},
    {"name": "yanked-proj", "version": "2.0"},
    {"name": "py-proj", "version": "1.0"},
    {"name": "py-proj", "version": "2.0", "requires-python": ">=9"},
    {"name": "tag-proj", "version": "1.0"},
    {"name": "tag-proj", "version": "2.0", "tag": "py3-none-win_arm64"},
    {"name": "format-proj", "version": "1.0"},
    {"name": "format-proj", "version": "2.0", "wheel-version": "9.0"},
    {"name": "variant-proj", "version": "1.0"},
    {"name": "variant-proj", "version": "2.0",
     "variant": {"label": "fast", "properties": ["ns :: level :: v3"]}},
]}
RULE_OF = {"yanked": "yanked-proj", "requires-python": "py-proj", "tags": "tag-proj",
           "wheel-version": "format-proj", "variants": "variant-proj"}
#: The target supports v1 only, so the v3 variant is incompatible.
OPTIONS = ResolveOptions(supported={"ns": {"level": ["v1"]}})


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "").replace("``", "")).strip()


def test_default_rules_are_named_in_order() -> None:
    """The candidate finder's rules first, in the order they apply; then those applied in
    place (each with the code that applies it)."""
    staged = [rule.name for rule in DEFAULT_RULES if not rule.at]
    assert staged == ["yanked", "wheel-version", "requires-python", "variants", "tags"]
    assert rule_names()[:5] == staged
    assert len(set(rule_names())) == len(DEFAULT_RULES)


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda rule: rule.name)
def test_each_rule_quotes_its_spec_and_names_known_requirements(rule: object) -> None:
    from wheelnext.install.rules import Rule

    assert isinstance(rule, Rule)
    sentence, _, source = rule.spec.rpartition(" (")
    document = source.split(",")[0].rstrip(")").strip()
    path = (SPECS / "pypa" / document) if document.endswith(".rst") else next(
        (SPECS / "peps").glob(f"pep-{int(document.split()[-1]):04d}*.rst"))
    assert _normalized(sentence) in _normalized(path.read_text(encoding="utf-8")), rule.name
    known = {entry["id"] for entry in tomllib.loads(
        (ROOT / "scenarios" / "_requirements.toml").read_text(encoding="utf-8"))["requirement"]}
    assert set(rule.requirement_ids) <= known
    stages = (rule.file, rule.wheels, rule.artifact, rule.local, rule.dependencies)
    assert any(stages) != bool(rule.at), "a stage function, or the place that applies it"


def test_unknown_rule_name_is_an_error() -> None:
    with pytest.raises(WheelnextError, match="rule 'nope': no such rule"):
        without("nope")


@pytest.mark.filterwarnings("ignore::wheelnext.wheel_version.SkippedWheelWarning")
def test_removing_one_rule_changes_exactly_its_project(tmp_path: Path) -> None:
    projects = sorted(RULE_OF.values())
    with served(tmp_path, PACKAGES) as server:
        (tmp_path / "indexes" / "pypi" / "yanked_proj-2.0-py3-none-any.whl.yanked").write_text(
            "broken")
        index = [f"pypi={server.index_url('pypi')}"]

        def chosen(rules: tuple[object, ...]) -> dict[str, str]:
            locked = lock(projects, indexes=index, options=OPTIONS, rules=rules,  # type: ignore[arg-type]
                          cache_dir=tmp_path / "cache")
            return {dist.name: dist.version for dist in locked.resolution.dists}

        default = chosen(DEFAULT_RULES)
        assert default == dict.fromkeys(projects, "1.0")
        for name, project in RULE_OF.items():
            knocked_out = chosen(without(name))
            assert knocked_out == {**default, project: "2.0"}, name


class _Applies:
    """A rule context that knows only which rules are in force (all that the order reads)."""

    def __init__(self, rules: tuple[object, ...]) -> None:
        self.rules = rules

    def applies(self, rule: object) -> bool:
        from wheelnext.install.rules import applies

        return applies(rule, self.rules)  # type: ignore[arg-type]


def test_newest_wheel_format_across_indexes() -> None:
    """PEP 777: of one release found on two indexes as a .whl (first) and a .whlx with the
    same tags (second), the .whlx comes first; a knockout keeps the indexes' order, and other
    tags or versions are not twins."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from wheelnext.install.artifact import Artifact
    from wheelnext.install.rules import best_across_indexes

    def entry(filename: str) -> list[Artifact]:
        version = Version(filename.split("-")[1])
        return [Artifact(canonicalize_name("alpha"), version, filename)]

    old = entry("alpha-1.0-py3-none-any.whl")
    new = entry("alpha-1.0-py3-none-any.whlx")
    other_tag = entry("alpha-1.0-py311-none-any.whlx")
    newer = entry("alpha-2.0-py3-none-any.whl")
    assert best_across_indexes(_Applies(DEFAULT_RULES), [old, new]) == [new, old]  # type: ignore[arg-type]
    assert best_across_indexes(_Applies(without("newest-wheel-format")),  # type: ignore[arg-type]
                               [old, new]) == [old, new]
    assert best_across_indexes(_Applies(DEFAULT_RULES), [old, other_tag]) == [old, other_tag]  # type: ignore[arg-type]
    assert best_across_indexes(_Applies(DEFAULT_RULES), [old, new, newer]) == [newer, new, old]  # type: ignore[arg-type]
