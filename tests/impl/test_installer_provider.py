"""The resolvelib provider's rules on hand-made metadata: variant markers evaluated after
selection, PEP 777 ``Wheel-Version`` filtering with a warning, PEP 771 default nodes."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from wheelnext.index_priority import Index, IndexPlan
from wheelnext.install.finder import IndexFile
from wheelnext.install.provider import (
    BASE,
    DEFAULTS,
    EXTRA,
    Artifact,
    Candidate,
    Provider,
    expand,
)
from wheelnext.install.target import TargetPython, probe
from wheelnext.variants.markers import variant_environment
from wheelnext.wheel_version import SkippedWheelWarning

METADATA = {
    "alpha-1.0-py3-none-any-fast.whl": (
        "Metadata-Version: 2.4\nName: alpha\nVersion: 1.0\n"
        "Requires-Dist: fastlib; 'x86_64 :: level :: v3' in variant_properties\n"
        "Requires-Dist: slowlib; 'x86_64 :: level :: v3' not in variant_properties\n"
        "Requires-Dist: common\n"
    ),
    "beta-2.0-py3-none-any.whl": (
        "Metadata-Version: 2.4\nName: beta\nVersion: 2.0\nWheel-Version: 3.0\n"
    ),
    "gamma-1.0-py3-none-any.whl": (
        "Metadata-Version: 2.7\nName: gamma\nVersion: 1.0\nProvides-Extra: rec\n"
        "Provides-Extra: other\nDefault-Extra: rec\n"
        "Requires-Dist: one; extra == 'rec'\nRequires-Dist: two; extra == 'other'\n"
    ),
}


class FakeFinder:
    """Serves the metadata above; asks no index."""

    def metadata(self, file: IndexFile) -> bytes:
        return METADATA[file.filename].encode()

    def prefetch(self, *args: Any, **kwargs: Any) -> None:
        pass

    def prefetch_download(self, file: IndexFile) -> None:
        pass


@pytest.fixture(scope="module")
def target() -> TargetPython:
    return probe()


def _artifact(filename: str, **kwargs: Any) -> Artifact:
    name, version = filename.split("-")[:2]
    file = IndexFile(filename, f"http://i/{filename}", "i", "http://i/")
    return Artifact(canonicalize_name(name), Version(version), filename, file, **kwargs)


def _provider(target: TargetPython) -> Provider:
    return Provider(FakeFinder(), IndexPlan((Index("i", "http://i/"),)), target)  # type: ignore[arg-type]


@pytest.mark.parametrize("supported, expected", [
    ({"x86_64": {"level": ["v3", "v2"]}}, {"fastlib", "common"}),
    ({"x86_64": {"level": ["v2"]}}, {"slowlib", "common"}),
])
def test_variant_markers_after_selection(target: TargetPython, supported: Any,
                                         expected: set[str]) -> None:
    environment = variant_environment("fast", {"x86_64": {"level": ["v3"]}}, supported)
    artifact = _artifact("alpha-1.0-py3-none-any-fast.whl", variant_label="fast",
                         variant=environment)
    names = {req.name for req in _provider(target).get_dependencies(Candidate(artifact))}
    assert names == expected


def test_incompatible_wheel_version_is_skipped_with_a_warning(target: TargetPython) -> None:
    provider = _provider(target)
    artifact = _artifact("beta-2.0-py3-none-any.whl")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not provider._metadata_ok(artifact)
    assert [w.category for w in caught] == [SkippedWheelWarning]
    assert "Wheel-Version 3.0" in str(caught[0].message)
    assert any("Wheel-Version 3.0" in note for note in provider.notes[canonicalize_name("beta")])


def test_default_node_depends_on_default_extras(target: TargetPython) -> None:
    provider = _provider(target)
    artifact = _artifact("gamma-1.0-py3-none-any.whl")
    deps = list(provider.get_dependencies(Candidate(artifact, DEFAULTS)))
    assert [(d.kind, d.extra, d.exact) for d in deps] == [
        (BASE, None, artifact.key), (EXTRA, "rec", artifact.key)]
    rec = Candidate(artifact, EXTRA, canonicalize_name("rec"))
    extra_deps = list(provider.get_dependencies(rec))
    assert {d.name for d in extra_deps} == {"gamma", "one"}
    assert list(provider.get_dependencies(Candidate(artifact))) == []


def test_expand_distinguishes_bare_and_empty_brackets() -> None:
    assert [r.kind for r in expand("pkg>=1", None)] == [BASE, DEFAULTS]
    assert [r.kind for r in expand("pkg[]>=1", None)] == [BASE]
    kinds = [(r.kind, r.extra) for r in expand("pkg[b,a]", "parent 1.0")]
    assert kinds == [(BASE, None), (EXTRA, "a"), (EXTRA, "b")]
    assert all(r.specifier == SpecifierSet(">=1") for r in expand("pkg>=1", None))


def test_newer_minor_of_an_older_major_warns_exactly_once(tmp_path: Any,
                                                         target: TargetPython) -> None:
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping
    from wheelnext.install.apply import Planned, install_planned
    from wheelnext.install.scheme import scheme_for_target
    from wheelnext.wheel_version import NewerWheelVersionWarning

    spec = {"name": "alpha", "version": "1.0", "wheel-version": "1.9"}
    wheel = build_dist(spec_from_mapping(spec, source="t"), tmp_path / "dist")
    plan = Planned(canonicalize_name("alpha"), "1.0", wheel.name, None, wheel, True)
    local = dataclasses.replace(target, scheme=scheme_for_target(tmp_path / "env"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        install_planned([plan], {wheel.name: wheel}, local, compile_bytecode=False)
    newer = [w for w in caught if issubclass(w.category, NewerWheelVersionWarning)]
    assert len(newer) == 1
    assert "Wheel-Version 1.9" in str(newer[0].message)


def test_sdist_with_wheel_version_is_an_error(tmp_path: Any) -> None:
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping
    from wheelnext.install.sdist import check_pkg_info
    from wheelnext.wheel_version import WheelVersionError

    spec = {"name": "alpha", "version": "1.0", "kind": "sdist"}
    clean = build_dist(spec_from_mapping(spec, source="t"), tmp_path / "clean")
    check_pkg_info(clean)
    bad = build_dist(spec_from_mapping({**spec, "unsafe-defect": "sdist-wheel-version"},
                                       source="t"), tmp_path / "bad", allow_unsafe=True)
    with pytest.raises(WheelVersionError, match="Wheel-Version must not appear"):
        check_pkg_info(bad)


@pytest.mark.parametrize("other_tag", [False, True])
def test_bytecode_in_process_or_in_the_target(tmp_path: Any, target: TargetPython,
                                              other_tag: bool) -> None:
    """Same cache_tag: compiled in this process; another: by a child of the target. Either
    way the .pyc lands beside the installed source and is listed in RECORD."""
    from wheelnext.build.builder import build_dist
    from wheelnext.build.spec import spec_from_mapping
    from wheelnext.install.apply import Planned, install_planned
    from wheelnext.install.scheme import scheme_for_target

    spec = {"name": "alpha", "version": "1.0",
            "files": [{"path": "alpha/__init__.py", "text": "X = 1\n"},
                      {"path": "alpha/broken.py", "text": "def (:\n"}]}
    wheel = build_dist(spec_from_mapping(spec, source="t"), tmp_path / "dist")
    scheme = scheme_for_target(tmp_path / "env")
    if other_tag:
        scheme = dataclasses.replace(scheme, cache_tag="other-999")
    plan = Planned(canonicalize_name("alpha"), "1.0", wheel.name, None, wheel, True)
    install_planned([plan], {wheel.name: wheel}, dataclasses.replace(target, scheme=scheme))
    pycache = tmp_path / "env" / "alpha" / "__pycache__"
    assert [p.name.split(".")[0] for p in pycache.iterdir()] == ["__init__"]
    record = (tmp_path / "env" / "alpha-1.0.dist-info" / "RECORD").read_text()
    assert "alpha/__pycache__/__init__." in record


def test_an_extra_s_dependencies_parse_each_entry_once(
    target: TargetPython, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extra's entries are evaluated with the extra and without it: the name part of
    each ``Requires-Dist`` entry is parsed once for both, not once per evaluation."""
    import wheelnext.variants.markers as markers

    parsed: list[str] = []
    real = markers.Requirement

    def counting(text: str) -> Any:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(markers, "Requirement", counting)
    artifact = _artifact("gamma-1.0-py3-none-any.whl")
    rec = Candidate(artifact, EXTRA, canonicalize_name("rec"))
    assert {d.name for d in _provider(target).get_dependencies(rec)} == {"gamma", "one"}
    assert sorted(parsed) == ["one", "two"]
