"""The rules that decide which files of a project the installer may choose, as data.

Each :class:`Rule` is one spec requirement, named, with the sentence it implements and the ids
of ``scenarios/_requirements.toml`` it covers. The candidate finder
(:class:`wheelnext.install.candidates.Candidates`) applies the rules of its context in the
order of the tuple, at up to five stages of finding a project's files:

* ``file``: one listed file of one version (index page data only); False drops it;
* ``wheels``: the wheels of one version that survived ``file``, to be ordered best first;
  the first rule that answers (not None) decides, and without an answer the wheels keep their
  listing order;
* ``artifact``: the best file of a version, once its metadata can be read; False drops it;
* ``local``: a wheel given on the command line by path; False refuses it;
* ``dependencies``: the metadata of the chosen file (built, for an sdist); raises to refuse.

:data:`DEFAULT_RULES` is what the installer applies. A knockout (one rule disabled) is
``without("yanked")``: everything else unchanged, so a scenario that then fails shows what
that rule is for. The version specifier, ``--pre`` and ``--only-binary`` are the request
itself, not rules, and always apply.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName
from packaging.version import Version

from wheelnext.errors import WheelnextError
from wheelnext.filenames import WheelFilename, parse_wheel_name
from wheelnext.install.artifact import Artifact
from wheelnext.install.finder import IndexFile
from wheelnext.install.log import LOG
from wheelnext.install.options import ResolveOptions
from wheelnext.install.target import TargetPython
from wheelnext.metadata import CoreMetadata
from wheelnext.variants.markers import variant_environment
from wheelnext.wheel_version import WheelVersion, filter_compatible, metadata_wheel_version


class RuleContext(Protocol):
    """What a rule may read and where it reports (the candidate finder implements it)."""

    @property
    def target(self) -> TargetPython: ...
    @property
    def options(self) -> ResolveOptions: ...
    @property
    def tag_rank(self) -> Mapping[Tag, int]: ...

    def note(self, name: NormalizedName, text: str) -> None:
        """Why a file was dropped (shown when resolution fails)."""

    def warn_once(self, key: str, emit: Callable[[], None]) -> None: ...

    def metadata(self, artifact: Artifact) -> CoreMetadata: ...

    def variants_json(self, files: Sequence[IndexFile], name: str,
                      version: Version) -> Mapping[str, Any] | None: ...

    def supported_for(self, doc: Mapping[str, Any]) -> Mapping[str, Mapping[str, list[str]]]: ...


Wheels = list[tuple[IndexFile, WheelFilename]]
FileCheck = Callable[[RuleContext, NormalizedName, Version, IndexFile, Sequence[Specifier]], bool]
WheelsOrder = Callable[[RuleContext, NormalizedName, Version, Wheels, Sequence[IndexFile]],
                       "list[Artifact] | None"]
ArtifactCheck = Callable[[RuleContext, Artifact], bool]
LocalCheck = Callable[[RuleContext, NormalizedName, Path, "WheelFilename | None"], bool]
DependenciesCheck = Callable[[RuleContext, Artifact, CoreMetadata], None]


@dataclass(frozen=True)
class Rule:
    """One named rule: its spec sentence, requirement ids, and a function per stage it uses."""

    name: str
    #: The sentence the rule implements, quoted from ../shared/specs (where it is from first).
    spec: str
    #: Ids from scenarios/_requirements.toml this rule implements (empty: none listed there).
    requirement_ids: tuple[str, ...] = ()
    file: FileCheck | None = None
    wheels: WheelsOrder | None = None
    artifact: ArtifactCheck | None = None
    local: LocalCheck | None = None
    dependencies: DependenciesCheck | None = None


# -- yanked (PEP 592) --------------------------------------------------------------------------

def keep_unless_yanked(ctx: RuleContext, name: NormalizedName, version: Version,
                       file: IndexFile, pins: Sequence[Specifier]) -> bool:
    """"Yanked files are always ignored, unless they are the only file that matches a version
    specifier that "pins" to an exact version using either ``==`` (without any modifiers that
    make it a range, such as ``.*``) or ``===``" (file-yanking.rst, approach 1)."""
    if file.yanked is None or (pins and all(pin.contains(version, prereleases=True)
                                            for pin in pins)):
        return True
    ctx.note(name, f"{file.filename} (index {file.index}): yanked"
             + (f" ({file.yanked})" if file.yanked else ""))
    return False


# -- Requires-Python ---------------------------------------------------------------------------

def requires_python_ok(ctx: RuleContext, artifact: Artifact, requires: str | None) -> bool:
    """Whether the target's Python satisfies *requires* (an unparsable value does not
    exclude), with a note when it does not."""
    if not requires:
        return True
    try:
        ok = SpecifierSet(requires).contains(ctx.target.python_version, prereleases=True)
    except InvalidSpecifier:
        ok = True
    if not ok:
        ctx.note(artifact.name, f"{artifact.filename} (index {artifact.index}): "
                 f"Requires-Python {requires} excludes Python {ctx.target.python_version}")
    return ok


def page_requires_python(ctx: RuleContext, name: NormalizedName, version: Version,
                         file: IndexFile, pins: Sequence[Specifier]) -> bool:
    """The index page's ``data-requires-python``: "installer tools **SHOULD** ignore the
    download when installing to a Python version that doesn't satisfy the requirement"
    (simple-repository-api.rst)."""
    return requires_python_ok(ctx, Artifact(name, version, file.filename, file),
                              file.requires_python)


def metadata_requires_python(ctx: RuleContext, artifact: Artifact) -> bool:
    """The wheel's own ``Requires-Python`` (an index may not list it on the page)."""
    return artifact.is_sdist or requires_python_ok(
        ctx, artifact, ctx.metadata(artifact).requires_python)


def built_requires_python(ctx: RuleContext, artifact: Artifact, meta: CoreMetadata) -> None:
    """The metadata of the file chosen (for an sdist, of the wheel built from it)."""
    if not requires_python_ok(ctx, artifact, meta.requires_python):
        raise WheelnextError(f"{artifact.filename}: Requires-Python {meta.requires_python} "
                             f"excludes Python {ctx.target.python_version}")


# -- platform compatibility tags ---------------------------------------------------------------

def order_by_tags(ctx: RuleContext, name: NormalizedName, version: Version, wheels: Wheels,
                  files: Sequence[IndexFile]) -> list[Artifact]:
    """"If the built distribution's tag is ``in`` the list, then it can be installed", the
    most specific first (platform-compatibility-tags.rst, "Use"); then the highest build tag,
    then, PEP 777 "Constraints on dual-published wheels", the newest wheel format "with all
    other factors held constant"; then listing order."""
    keyed: list[tuple[tuple[int, int, int, int], Artifact]] = []
    for position, (file, wheel) in enumerate(wheels):
        ranks = [ctx.tag_rank[tag] for tag in wheel.tags if tag in ctx.tag_rank]
        if not ranks:
            ctx.note(name, f"{file.filename} (index {file.index}): no supported platform "
                     "compatibility tag")
            continue
        build = -wheel.build[0] if wheel.build else 0
        key = (min(ranks), 0 if wheel.is_wheel2 else 1, build, position)
        keyed.append((key, Artifact(name, version, file.filename, file,
                                    variant_label=wheel.variant_label)))
    keyed.sort(key=lambda item: item[0])
    return [artifact for _, artifact in keyed]


def local_tags(ctx: RuleContext, name: NormalizedName, path: Path,
               wheel: WheelFilename | None) -> bool:
    """A wheel given by path must have a tag the target supports, like an index's."""
    if wheel is not None and not any(tag in ctx.tag_rank for tag in wheel.tags):
        ctx.note(name, f"{path.name}: no tag supported by the target interpreter")
        return False
    return True


# -- PEP 825 variants --------------------------------------------------------------------------

def select_variants(ctx: RuleContext, name: NormalizedName, version: Version, wheels: Wheels,
                    files: Sequence[IndexFile]) -> list[Artifact] | None:
    """PEP 825 variant selection for a version that has variant wheels (None otherwise):
    ``wheelnext.variants.select`` with the ``-variants.json`` file and the supported
    properties, then PEP 777's newest wheel format first among otherwise equal wheels."""
    labels = {wheel.variant_label for _, wheel in wheels if wheel.variant_label is not None}
    if not labels:
        return None
    # Only versions with variant wheels select: 1.3 ms of start-up otherwise (-X importtime).
    from wheelnext.variants.ordering import OrderingOptions
    from wheelnext.variants.select import select_wheels

    by_name = {file.filename: file for file, _ in wheels}
    doc = ctx.variants_json(files, name, version)
    use = not ctx.options.no_variants
    supported = ctx.supported_for(doc) if doc is not None and use else {}
    options = OrderingOptions(
        use_variants=use,
        only_labels=([ctx.options.variant_labels[name]]
                     if name in ctx.options.variant_labels else ()),
    )
    selection = select_wheels(list(by_name), doc, supported, tags=ctx.target.tags,
                              options=options)
    for filename, reason in selection.rejected:
        ctx.note(name, f"{filename} (index {by_name[filename].index}): {reason}")
    if not use and not selection.ordered:
        # PEP 817 "Extended wheel filename": an installer ignoring variant wheels "SHOULD
        # output an appropriate diagnostic, in particular warning if it results in selecting
        # an earlier package version" (no version left at all fails with the notes above).
        message = (f"{name} {version}: skipped, it has only variant wheels and variant wheels "
                   "are disabled (--no-variants); an earlier version may be selected")
        ctx.warn_once(message, lambda text=message: LOG.warning(text))  # type: ignore[misc]
    artifacts = []
    for candidate in selection.ordered:
        label = candidate.wheel.variant_label
        props = (doc or {}).get("variants", {}).get(label) if label is not None else None
        artifacts.append(Artifact(
            name, version, candidate.filename, by_name[candidate.filename],
            variant_label=label,
            variant=variant_environment(label, props, supported),
            variants_json=doc,
        ))
    # PEP 777 "Constraints on dual-published wheels": "installers should prefer the
    # newest-available wheel format, with all other factors held constant".
    rank = {a.filename: i for i, a in enumerate(artifacts)}

    def same_choice(artifact: Artifact) -> tuple[int, int]:
        wheel = parse_wheel_name(artifact.filename)
        twin = min(rank[a.filename] for a in artifacts
                   if parse_wheel_name(a.filename).tags == wheel.tags
                   and a.variant_label == artifact.variant_label)
        return twin, 0 if wheel.is_wheel2 else 1

    return sorted(artifacts, key=same_choice)


# -- PEP 777 Wheel-Version ---------------------------------------------------------------------

def _wheel_version(ctx: RuleContext, artifact: Artifact) -> WheelVersion | None:
    if artifact.is_sdist:
        return None
    meta = ctx.metadata(artifact)
    if meta.wheel_version is None:
        return None
    return metadata_wheel_version(f"Wheel-Version: {meta.wheel_version}\n",
                                  where=f"{artifact.filename}: METADATA")


def compatible_wheel_version(ctx: RuleContext, artifact: Artifact) -> bool:
    """PEP 777: "Resolvers ... **MUST** check a candidate wheel's ``Wheel-Version``, and ignore
    incompatible wheel files", with "a warning if ... they come across an incompatible wheel
    and skip it" (once per message)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = filter_compatible([artifact], lambda a: _wheel_version(ctx, a),
                                 describe=lambda a: f"{a.filename} (index {a.index})")
    for warning in caught:
        message = str(warning.message)
        ctx.note(artifact.name, message)
        ctx.warn_once(message, lambda w=warning: warnings.warn_explicit(  # type: ignore[misc]
            w.message, w.category, w.filename, w.lineno))
    return bool(kept)


# -- the list ----------------------------------------------------------------------------------

YANKED = Rule(
    "yanked",
    "An installer MUST ignore yanked releases, if the selection constraints can be satisfied "
    "with a non-yanked version (file-yanking.rst)",
    file=keep_unless_yanked,
)
WHEEL_VERSION = Rule(
    "wheel-version",
    "Resolvers, in the process of selecting a wheel to install, MUST check a candidate "
    "wheel's Wheel-Version, and ignore incompatible wheel files. (PEP 777)",
    ("pep777-resolver-skip-incompatible", "pep777-warn-on-skip"),
    artifact=compatible_wheel_version,
)
REQUIRES_PYTHON = Rule(
    "requires-python",
    "Where this is present, installer tools SHOULD ignore the download when installing to a "
    "Python version that doesn't satisfy the requirement. (simple-repository-api.rst, "
    "data-requires-python)",
    file=page_requires_python,
    artifact=metadata_requires_python,
    dependencies=built_requires_python,
)
VARIANTS = Rule(
    "variants",
    "For the wheel to be considered compatible with a system, at least one value for every "
    "feature listed in its properties MUST be compatible with the system. (PEP 825)",
    ("pep825-compat-all-features-any-value", "pep825-zero-properties-compatible",
     "pep825-null-fallback", "pep825-order-prefer-index-file", "pep825-order-tags-within-group",
     "pep825-order-non-variant-last", "pep825-exclude-select-may",
     "pep825-missing-label-incompatible"),
    wheels=select_variants,
)
TAGS = Rule(
    "tags",
    "The installer maintains a list of (pyver, abi, arch) tuples that it will support. If the "
    "built distribution's tag is in the list, then it can be installed. "
    "(platform-compatibility-tags.rst)",
    wheels=order_by_tags,
    local=local_tags,
)

#: The installer's rules in the order they apply. Within a stage the order is the order of
#: checking: at ``file``, yanking before Requires-Python; at ``artifact``, Wheel-Version before
#: the metadata's Requires-Python; at ``wheels``, variant selection (which orders by tags
#: itself) before plain tag order.
DEFAULT_RULES: tuple[Rule, ...] = (YANKED, WHEEL_VERSION, REQUIRES_PYTHON, VARIANTS, TAGS)


def rule_names(rules: Sequence[Rule] = DEFAULT_RULES) -> list[str]:
    return [rule.name for rule in rules]


def without(*names: str, rules: Sequence[Rule] = DEFAULT_RULES) -> tuple[Rule, ...]:
    """*rules* less the named ones (a knockout); an unknown name is an error."""
    known = set(rule_names(rules))
    for name in names:
        if name not in known:
            raise WheelnextError(f"rule {name!r}: no such rule (known: "
                                 f"{', '.join(rule_names(rules))})")
    return tuple(rule for rule in rules if rule.name not in names)


__all__ = [
    "DEFAULT_RULES",
    "REQUIRES_PYTHON",
    "TAGS",
    "VARIANTS",
    "WHEEL_VERSION",
    "YANKED",
    "Rule",
    "RuleContext",
    "rule_names",
    "without",
]
