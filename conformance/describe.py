"""A scenario in words, for ``conformance show`` and ``conformance serve``.

Its packages as a dependency tree per index (each distribution, then each of
its requirements with the indexes that offer that project), its request, and
each outcome it accepts, in sentences rather than TOML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wheelnext.build.spec import DistSpec
from wheelnext.conformance.scenario import IndexDef, Installed, Outcome, Request, Scenario


def _dist(spec: DistSpec) -> str:
    kind = "sdist" if spec.kind == "sdist" else f"wheel {spec.tag}"
    notes = [kind]
    if spec.kind != "sdist" and spec.wheel_version != "1.0":
        notes.append(f"Wheel-Version {spec.wheel_version}")
    if spec.variant is not None:
        notes.append(f"variant {spec.variant.label}")
    if spec.default_extra:
        notes.append(f"default extras {', '.join(spec.default_extra)}")
    if spec.requires_python:
        notes.append(f"Requires-Python {spec.requires_python}")
    if spec.unsafe_defect:
        notes.append(f"defect: {spec.unsafe_defect}")
    return f"{spec.name} {spec.version} ({'; '.join(notes)})"


def _offered(indexes: Iterable[IndexDef]) -> dict[str, list[str]]:
    """Project name -> ``index: version`` of every distribution of it, in index order."""
    found: dict[str, list[str]] = {}
    for index in indexes:
        for spec in index.specs:
            entry = f"{index.name}: {spec.version}"
            versions = found.setdefault(str(canonicalize_name(spec.name)), [])
            if entry not in versions:
                versions.append(entry)
    return found


def _requirement(text: str, offered: Mapping[str, list[str]]) -> str:
    try:
        name = str(canonicalize_name(Requirement(text).name))
    except InvalidRequirement:
        return f"{text} (not a valid requirement)"
    where = offered.get(name)
    return f"{text} -> {', '.join(where)}" if where else f"{text} -> offered by no index"


def tree(scenario: Scenario) -> list[str]:
    """Each index's distributions, each with its requirements and who offers them."""
    offered = _offered(scenario.indexes)
    lines = []
    for index in scenario.indexes:
        how = []
        if index.refused:
            how.append("refuses connections")
        if index.error is not None:
            how.append(f"answers HTTP {index.error} to every request")
        lines.append(f"index {index.name}" + (f" ({'; '.join(how)})" if how else ""))
        specs = list(index.specs)
        if not specs:
            lines.append("└── (no packages)")
        for n, spec in enumerate(specs):
            last = n == len(specs) - 1
            lines.append(("└── " if last else "├── ") + _dist(spec))
            stem = "    " if last else "│   "
            for m, text in enumerate(spec.requires_dist):
                branch = "└── " if m == len(spec.requires_dist) - 1 else "├── "
                lines.append(stem + branch + "requires " + _requirement(text, offered))
        for name in sorted(index.files):
            lines.append(f"    file {name}")
        for name, reason in sorted(index.yanked.items()):
            lines.append(f"    yanked {name}" + (f": {reason}" if reason else ""))
    return lines


def request(req: Request, url: Callable[[str], str] | None = None) -> list[str]:
    """The request in sentences; *url* names each index's address when it is served."""

    def index(name: str) -> str:
        return f"{name} <{url(name)}>" if url else name

    lines = []
    if req.lock is not None:
        lines.append(f"install from a pylock.toml: {', '.join(req.lock.packages)}")
    elif req.wheel:
        lines.append(f"install the wheel file {req.wheel}")
    else:
        lines.append(f"install {', '.join(req.requirements) or '(nothing)'}")
    if req.indexes:
        lines.append("from the indexes, in priority order: " + ", ".join(map(index, req.indexes)))
    if req.index_strategy:
        lines.append(f"with the {req.index_strategy} strategy (PEP 766)")
    for project, name in sorted(req.pin.items()):
        lines.append(f"taking {project} only from {name}")
    for group in req.mirrors:
        lines.append(f"treating {', '.join(group)} as mirrors of one another")
    for name, projects in sorted(req.deny.items()):
        lines.append(f"ignoring {', '.join(projects)} on {name}")
    if req.variant_properties is not None:
        shown = ", ".join(req.variant_properties) or "none"
        lines.append(f"on a system whose variant properties are: {shown}")
    if req.preinstall:
        lines.append(f"after installing {', '.join(req.preinstall)} first")
    for flag, words in ((req.no_deps, "without dependencies"),
                        (req.only_binary, "wheels only (no sdist built)"),
                        (req.legacy, "through the legacy (non-PEP 691) HTML API")):  # fmt: skip
        if flag:
            lines.append(words)
    return lines


def _installed(name: str, want: Installed) -> str:
    return f"{name} {want.describe()}"


def outcome(o: Outcome) -> str:
    """One accepted outcome as a sentence."""
    parts = []
    if o.exit is not None:
        parts.append("the installer " + " or ".join(
            "succeeds" if e == "success" else "fails" for e in sorted(o.exit)))  # fmt: skip
    if o.installed is not None:
        if not o.installed:
            parts.append("nothing is installed")
        else:
            listed = ", ".join(_installed(k, v) for k, v in sorted(o.installed.items()))
            parts.append(f"installed: {'exactly ' if o.installed_exact else ''}{listed}")
    for key, words in (("files_present", "present"), ("files_absent", "absent"),
                       ("not_symlinks", "not symlinks")):  # fmt: skip
        if getattr(o, key):
            parts.append(f"{', '.join(getattr(o, key))} {words}")
    for link, target in sorted(o.symlinks.items()):
        parts.append(f"{link} is a symlink to {target}")
    if o.output_contains:
        parts.append("the output says " + ", ".join(map(repr, o.output_contains)))
    if o.output_excludes:
        parts.append("the output never says " + ", ".join(map(repr, o.output_excludes)))
    if not o.writes_outside:
        parts.append("nothing is written outside the environment")
    r = o.requests
    if r is not None:
        for items, words in ((r.asked, "asked for"), (r.not_asked, "never asked for"),
                             (r.fetched, "fetched"), (r.not_fetched, "never fetched")):  # fmt: skip
            if items:
                parts.append(f"{', '.join(items)} {words}")
        if r.order:
            parts.append(f"the indexes asked in the order {' then '.join(r.order)}")
        for name, projects in sorted(r.not_asked_for.items()):
            parts.append(f"{name} never asked for {', '.join(projects)}")
    text = "; ".join(parts) or "anything happens"
    return (f"{o.name}: " if o.name else "") + text


def expectations(scenario: Scenario) -> list[str]:
    """Each accepted outcome (any one holding passes), then the index fetches checked."""
    lines = [outcome(o) for o in scenario.outcomes]
    if len(lines) > 1:
        lines = [f"either {line}" if n == 0 else f"or {line}" for n, line in enumerate(lines)]
    for fetch in scenario.fetches:
        lines.append(f"fetching {fetch.path} from {fetch.index} answers "
                     f"{' or '.join(map(str, sorted(fetch.status)))}")  # fmt: skip
    return lines


def describe(scenario: Scenario) -> dict[str, object]:
    """``show --json``: the same, as data."""
    return {
        "id": scenario.id,
        "title": scenario.title,
        "path": str(scenario.path),
        "level": scenario.spec.level,
        "section": scenario.spec.section,
        "sentence": scenario.spec.sentence,
        "indexes": tree(scenario),
        "request": request(scenario.request),
        "expectations": expectations(scenario),
    }
