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

A rule with no stage function is applied *in place*: the code named by its ``at`` asks
whether the rule is in force (:func:`applies`, or :meth:`RuleContext.applies` inside the
candidate finder) and skips its step when it is not: the PEP 766 index search
(:mod:`wheelnext.install.candidates`), the PEP 771 expansion of extras
(:mod:`wheelnext.install.provider`), the install-time checks of a wheel
(:class:`wheelnext.install.wheelfile.InstallChecks`) and single steps of PEP 825 ordering
(:func:`select_variants`). They are rules so that each can be knocked out on its own.

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

    def applies(self, rule: Rule) -> bool:
        """Whether *rule* (one applied in place) is among this context's rules."""


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
    #: For a rule applied in place (no stage function): the code that asks for it.
    at: str = ""


def applies(rule: Rule, rules: Sequence[Rule]) -> bool:
    """Whether *rule* is in force among *rules* (by name: a knockout lacks it)."""
    return any(other.name == rule.name for other in rules)


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
    newest_format = ctx.applies(NEWEST_WHEEL_FORMAT)
    for position, (file, wheel) in enumerate(wheels):
        ranks = [ctx.tag_rank[tag] for tag in wheel.tags if tag in ctx.tag_rank]
        if not ranks:
            ctx.note(name, f"{file.filename} (index {file.index}): no supported platform "
                     "compatibility tag")
            continue
        build = -wheel.build[0] if wheel.build else 0
        key = (min(ranks), 0 if wheel.is_wheel2 or not newest_format else 1, build, position)
        keyed.append((key, Artifact(name, version, file.filename, file,
                                    variant_label=wheel.variant_label)))
    keyed.sort(key=lambda item: item[0])
    return [artifact for _, artifact in keyed]


def best_across_indexes(ctx: RuleContext, entries: list[list[Artifact]]) -> list[list[Artifact]]:
    """The per-index lists of one project's files (one list per version and index), best
    first: newest version first; then PEP 777, "If, in the process of resolving packages found
    in multiple indices, a resolver comes across two wheels of the same distribution and
    version, resolvers should prioritize the wheel of the highest compatible version": of
    lists of one version whose best wheels differ only in format (same tags, same variant
    label), the newer format first; otherwise the order of the indexes."""
    ordered = sorted(entries, key=lambda entry: entry[0].version, reverse=True)
    if not ctx.applies(NEWEST_WHEEL_FORMAT):
        return ordered

    def twin_of(artifact: Artifact) -> tuple[Any, ...] | None:
        if artifact.is_sdist:
            return None
        wheel = parse_wheel_name(artifact.filename)
        return artifact.version, wheel.tags, artifact.variant_label

    def key(position: int) -> tuple[int, int]:
        best = ordered[position][0]
        twin = twin_of(best)
        if twin is None:
            return position, 1
        first = min(i for i, entry in enumerate(ordered) if twin_of(entry[0]) == twin)
        return first, 0 if parse_wheel_name(best.filename).is_wheel2 else 1

    return [ordered[i] for i in sorted(range(len(ordered)), key=key)]


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
    if doc is not None:
        doc, supported = _ordering_inputs(ctx, doc, supported, labels)
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
    ordered = _group_order(ctx, list(selection.ordered), list(by_name))
    artifacts = []
    for candidate in ordered:
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
    if not ctx.applies(NEWEST_WHEEL_FORMAT):
        return artifacts

    def same_choice(artifact: Artifact) -> tuple[int, int]:
        wheel = parse_wheel_name(artifact.filename)
        twin = min(rank[a.filename] for a in artifacts
                   if parse_wheel_name(a.filename).tags == wheel.tags
                   and a.variant_label == artifact.variant_label)
        return twin, 0 if wheel.is_wheel2 else 1

    return sorted(artifacts, key=same_choice)


def _reversed_lists(tree: Any) -> Any:
    """*tree* (nested mappings ending in lists) with every list reversed."""
    if isinstance(tree, Mapping):
        return {key: _reversed_lists(value) for key, value in tree.items()}
    return list(reversed(tree)) if isinstance(tree, list) else tree


def _ordering_inputs(ctx: RuleContext, doc: Mapping[str, Any],
                     supported: Mapping[str, Mapping[str, list[str]]], labels: set[str],
                     ) -> tuple[Mapping[str, Any], Mapping[str, Mapping[str, list[str]]]]:
    """The variant metadata and supported properties as the ordering sees them: unchanged
    under the default rules; with one PEP 825 step's input undone for a knockout."""
    steps = (VARIANT_NAMESPACE_ORDER, VARIANT_FEATURE_ORDER, VARIANT_VALUE_ORDER,
             VARIANT_EVERY_FEATURE, VARIANT_ZERO_PROPERTIES, VARIANT_MISSING_LABEL)
    if all(ctx.applies(step) for step in steps):
        return doc, supported
    doc = dict(doc)
    priorities = dict(doc.get("default-priorities") or {})
    variants = dict(doc.get("variants") or {})
    if not ctx.applies(VARIANT_NAMESPACE_ORDER):
        priorities["namespace"] = list(reversed(priorities.get("namespace") or []))
    if not ctx.applies(VARIANT_FEATURE_ORDER):
        priorities["feature"] = _reversed_lists(priorities.get("feature") or {})
        supported = {ns: dict(reversed(list(features.items())))
                     for ns, features in supported.items()}
    if not ctx.applies(VARIANT_VALUE_ORDER):
        priorities["property"] = _reversed_lists(priorities.get("property") or {})
        supported = {ns: {feature: list(reversed(values)) for feature, values in features.items()}
                     for ns, features in supported.items()}
    if not ctx.applies(VARIANT_EVERY_FEATURE):
        for label, props in list(variants.items()):
            kept = {ns: {f: v for f, v in features.items()
                         if set(v) & set(supported.get(ns, {}).get(f, ()))}
                    for ns, features in props.items()}
            kept = {ns: features for ns, features in kept.items() if features}
            if kept:
                variants[label] = kept
    if not ctx.applies(VARIANT_ZERO_PROPERTIES):
        variants = {label: props for label, props in variants.items()
                    if any(features for features in props.values())}
    if not ctx.applies(VARIANT_MISSING_LABEL):
        variants.update({label: {} for label in labels if label not in variants})
    doc["default-priorities"], doc["variants"] = priorities, variants
    return doc, supported


def _group_order(ctx: RuleContext, ordered: list[Any], listed: list[str]) -> list[Any]:
    """The selection's order: unchanged under the default rules; for a knockout, fewer keys
    first, or labels of equal keys in listing order, or the non-variant wheels first, or each
    label's wheels in listing order instead of by tags."""
    more_keys, by_label = ctx.applies(VARIANT_MORE_KEYS_FIRST), ctx.applies(VARIANT_LABEL_FALLBACK)
    if not (more_keys and by_label):
        rank = {candidate.filename: i for i, candidate in enumerate(ordered)}

        def step7(candidate: Any) -> tuple[Any, ...]:
            ranked = candidate.ranked
            if ranked is None:
                return (1, (), 0, rank[candidate.filename])
            keys = ranked.sort_key[0] if more_keys else ranked.keys
            tie = ranked.label if by_label else min(
                listed.index(c.filename) for c in ordered
                if c.ranked is not None and c.ranked.label == ranked.label)
            return (0, keys, tie, rank[candidate.filename])

        ordered.sort(key=step7)
    if not ctx.applies(VARIANT_NON_VARIANT_LAST):
        ordered.sort(key=lambda candidate: candidate.wheel.variant_label is not None)
    if not ctx.applies(VARIANT_TAGS_IN_GROUP):
        first: dict[str | None, int] = {}
        for position, candidate in enumerate(ordered):
            first.setdefault(candidate.wheel.variant_label, position)
        ordered.sort(key=lambda candidate: (first[candidate.wheel.variant_label],
                                            listed.index(candidate.filename)))
    return ordered


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
    ("pep825-order-prefer-index-file", "pep825-exclude-select-may",
     "pep825-order-algorithm", "pep825-order-group-by-label"),
    wheels=select_variants,
)
VARIANT_EVERY_FEATURE = Rule(
    "variant-every-feature",
    "For the wheel to be considered compatible with a system, at least one value for every "
    "feature listed in its properties MUST be compatible with the system. (PEP 825)",
    ("pep825-compat-all-features-any-value",),
    at="select_variants: a knockout drops a label's unsupported features",
)
VARIANT_ZERO_PROPERTIES = Rule(
    "variant-zero-properties",
    "A variant wheel with zero properties is always deemed compatible. (PEP 825)",
    ("pep825-zero-properties-compatible", "pep825-null-fallback"),
    at="select_variants: a knockout drops labels of zero properties from the metadata",
)
VARIANT_MISSING_LABEL = Rule(
    "variant-missing-label",
    "If any of the labels present in wheel filenames are missing from it, assume that the "
    "respective wheels are incompatible. (PEP 825)",
    ("pep825-missing-label-incompatible",),
    at="select_variants: a knockout gives a missing label zero properties",
)
VARIANT_NAMESPACE_ORDER = Rule(
    "variant-namespace-order",
    "Construct the ordered list of namespaces by copying the value of the "
    "default-priorities.namespace key from the combined variant metadata. (PEP 825, "
    "variant ordering step 1)",
    ("pep825-order-namespaces",),
    at="select_variants: a knockout reverses default-priorities.namespace",
)
VARIANT_FEATURE_ORDER = Rule(
    "variant-feature-order",
    "For every namespace, take the ordered list of compatible feature names obtained "
    "previously. (PEP 825, variant ordering step 2)",
    ("pep825-order-features",),
    at="select_variants: a knockout reverses every feature order",
)
VARIANT_VALUE_ORDER = Rule(
    "variant-value-order",
    "For every feature, take the ordered list of compatible values obtained previously. "
    "(PEP 825, variant ordering step 3)",
    ("pep825-order-values",),
    at="select_variants: a knockout reverses every value order",
)
VARIANT_MORE_KEYS_FIRST = Rule(
    "variant-more-keys-first",
    "If they are the same, compare the keys at the second position, and so on, until either a "
    "tie-breaker is found or the list in one of the groups is exhausted. In the latter case, "
    "the group with more keys is sorted earlier. (PEP 825, variant ordering step 7)",
    ("pep825-order-more-keys-first",),
    at="select_variants: a knockout sorts the group with fewer keys earlier",
)
VARIANT_LABEL_FALLBACK = Rule(
    "variant-label-fallback",
    "As a fallback, if both groups have the same number of keys, they are ordered lexically "
    "by the variant label, ascending. (PEP 825)",
    ("pep825-order-label-fallback",),
    at="select_variants: a knockout keeps labels of equal keys in listing order",
)
VARIANT_NON_VARIANT_LAST = Rule(
    "variant-non-variant-last",
    "The group of non-variant wheels MUST be placed after all the other groups. (PEP 825)",
    ("pep825-order-non-variant-last",),
    at="select_variants: a knockout puts the non-variant wheels first",
)
VARIANT_TAGS_IN_GROUP = Rule(
    "variant-tags-in-group",
    "Within every group, the wheels MUST then be ordered according to their platform "
    "compatibility tags. (PEP 825)",
    ("pep825-order-tags-within-group",),
    at="select_variants: a knockout keeps each label's wheels in listing order",
)
TAGS = Rule(
    "tags",
    "The installer maintains a list of (pyver, abi, arch) tuples that it will support. If the "
    "built distribution's tag is in the list, then it can be installed. "
    "(platform-compatibility-tags.rst)",
    wheels=order_by_tags,
    local=local_tags,
)

NEWEST_WHEEL_FORMAT = Rule(
    "newest-wheel-format",
    "If, in the process of resolving packages found in multiple indices, a resolver comes "
    "across two wheels of the same distribution and version, resolvers should prioritize the "
    "wheel of the highest compatible version. (PEP 777)",
    ("pep777-prefer-highest-compatible",),
    at="order_by_tags, select_variants and best_across_indexes: a knockout keeps listing "
    "(index) order between formats",
)

# -- PEP 766 index search (wheelnext.install.candidates) ---------------------------------------

INDEX_PRIORITY = Rule(
    "index-priority",
    "In index priority, the resolver finds candidates for each index, one at a time. The "
    "resolver proceeds to subsequent indexes only if the current package request has no "
    "viable candidates. (PEP 766)",
    ("pep766-index-priority-one-at-a-time", "pep766-fall-through-only-if-none",
     "pep766-no-flat-namespace",
     "pep766-earlier-index-preferred", "pep766-older-version-higher-index",
     "pep766-no-surprise-updates", "pep766-installs-change-only"),
    at="Candidates.artifacts: a knockout collates every index (version priority)",
)
VERSION_PRIORITY = Rule(
    "version-priority",
    "This behavior is characterized by the installer always getting the \"best\" version of a "
    "package, regardless of the index that it comes from. (PEP 766, version priority)",
    ("pep766-version-priority-best", "pep766-version-priority-collated"),
    at="Candidates.artifacts: a knockout stops at the first index with candidates",
)
MIRROR_GROUPS = Rule(
    "mirror-groups",
    "One approach that installers could take to preserve mirroring functionality while adding "
    "index priority would be to add a notion of user-definable index groups, where each index "
    "in the group is assumed to be equivalent. (PEP 766)",
    ("pep766-mirror-groups", "pep766-mirror-combined"),
    at="Candidates.artifacts: a knockout searches a group's members one by one",
)
INDEX_ORDER = Rule(
    "index-order",
    "The order of specification of indexes determines their priority in the finding "
    "process. (PEP 766)",
    ("pep766-order-is-priority", "pep766-provide-ordering"),
    at="Candidates.artifacts: a knockout searches the indexes last first",
)
FALL_THROUGH_FILTERED = Rule(
    "fall-through-filtered",
    "All distributions from higher priority index filtered out due to version specifier, "
    "compatible Python version, platform tag, yanking or otherwise (PEP 766, ways that a "
    "request falls through)",
    ("pep766-fall-through-filtered",),
    at="Candidates.artifacts: a knockout stops at the first index that lists the project",
)
FALL_THROUGH_ABSENT = Rule(
    "fall-through-absent",
    "Package name is not present at all in higher priority index (PEP 766, ways that a "
    "request falls through)",
    ("pep766-fall-through-name-absent",),
    at="Candidates.artifacts: a knockout stops at the first index searched",
)
DENY_LIST = Rule(
    "deny-list",
    "A denylist configuration for the installer specifies that a particular package name "
    "should be ignored on a given index (PEP 766)",
    ("pep766-fall-through-denylist",),
    at="Candidates.artifacts: a knockout searches denied indexes too",
)
UNREACHABLE_ABORTS = Rule(
    "unreachable-aborts",
    "Because index priority can convey different trust levels between indexes, installers "
    "that implement index priority should default to raising errors and aborting on network "
    "issues. (PEP 766)",
    ("pep766-unreachable-abort-default", "pep766-fall-through-unreachable"),
    at="Candidates.artifacts: a knockout falls through an unreachable index",
)
RESTART_PER_PACKAGE = Rule(
    "restart-per-package",
    "Each package\u2019s finder should start at the beginning of the list of indexes, so each "
    "package starts over with the index list. (PEP 766)",
    ("pep766-restart-per-package", "pep766-restart-example"),
    at="Candidates.artifacts: a knockout starts at the index the previous project came from",
)

# -- PEP 771 default extras (wheelnext.install.provider) ---------------------------------------

DEFAULT_EXTRAS = Rule(
    "default-extras",
    "If extras are explicitly given in a dependency specification, the default extras are "
    "ignored. Otherwise, the default extras are installed. (PEP 771)",
    ("pep771-no-extras-install-defaults", "pep771-default-extra-meaning",
     "pep771-example-recommended", "pep771-default-extra-field", "pep771-union-across-tree",
     "pep771-union-example"),
    at="Provider: a knockout's :default: node adds no extra",
)
EXPLICIT_EXTRAS = Rule(
    "explicit-extras",
    "If extras are explicitly given in a dependency specification, the default extras are "
    "ignored. (PEP 771)",
    ("pep771-explicit-extras-ignore-defaults", "pep771-example-alternative",
     "pep771-example-choose-frontend"),
    at="Provider: a knockout adds the :default: node for name[extra] too",
)
EMPTY_EXTRAS = Rule(
    "empty-extras",
    "An empty set of extras, such as package[] should be interpreted as meaning that the "
    "package should be installed without any default extras (PEP 771)",
    ("pep771-empty-extras", "pep771-example-minimal"),
    at="Provider: a knockout reads name[] as name",
)
UNKNOWN_EXTRAS = Rule(
    "unknown-extras",
    "if an extra is recognized as invalid in a dependency specification, it should be "
    "ignored (PEP 771)",
    ("pep771-unknown-extras",),
    at="Provider: a knockout refuses an unknown extra",
)

# -- installing one wheel (wheelnext.install.wheelfile.InstallChecks) --------------------------

RECORD_HASHES = Rule(
    "record-hashes",
    "During extraction, wheel installers verify all the hashes in RECORD against the file "
    "contents. (binary-distribution-format.rst)",
    at="install_wheel: a knockout writes files without comparing hash and size",
)
WHEEL_VERSION_MATCH = Rule(
    "wheel-version-match",
    "Check that the values of Wheel-Version in both the core metadata file and wheel "
    "metadata file match. If they do not match, installers MUST abort installation. (PEP 777)",
    ("pep777-install-step-match", "pep777-install-step-no-precedence",
     "pep777-v2-must-include"),
    at="install_wheel: a knockout takes the WHEEL file's value",
)
WHEEL_VERSION_ABORT = Rule(
    "wheel-version-abort",
    "Warn if minor version is greater, abort if major version is greater. (PEP 777, the "
    "abort)",
    ("pep777-abort-major-newer", "pep777-direct-install-abort",
     "pep777-install-step-compatible"),
    at="install_wheel: a knockout installs a newer major version",
)
WHEEL_VERSION_WARN = Rule(
    "wheel-version-warn",
    "installers MUST warn on installation of a wheel with a minor version greater than "
    "supported (PEP 777)",
    ("pep777-warn-minor-newer",),
    at="install_wheel: a knockout installs a newer minor version silently",
)

SDIST_WHEEL_VERSION = Rule(
    "sdist-wheel-version",
    "If a tool encounters Wheel-Version inside of a source distribution metadata file, it "
    "SHOULD raise an error. (PEP 777)",
    ("pep777-sdist-wheel-version-error",),
    at="InstallContext.build: a knockout builds without reading PKG-INFO first",
)

#: The installer's rules in the order they apply. Within a stage the order is the order of
#: checking: at ``file``, yanking before Requires-Python; at ``artifact``, Wheel-Version before
#: the metadata's Requires-Python; at ``wheels``, variant selection (which orders by tags
#: itself) before plain tag order. The rules applied in place follow, in no particular order.
DEFAULT_RULES: tuple[Rule, ...] = (
    YANKED, WHEEL_VERSION, REQUIRES_PYTHON, VARIANTS, TAGS,
    VARIANT_EVERY_FEATURE, VARIANT_ZERO_PROPERTIES, VARIANT_MISSING_LABEL,
    VARIANT_NAMESPACE_ORDER, VARIANT_FEATURE_ORDER, VARIANT_VALUE_ORDER,
    VARIANT_MORE_KEYS_FIRST, VARIANT_LABEL_FALLBACK, VARIANT_NON_VARIANT_LAST,
    VARIANT_TAGS_IN_GROUP, NEWEST_WHEEL_FORMAT,
    INDEX_PRIORITY, VERSION_PRIORITY, MIRROR_GROUPS, INDEX_ORDER, FALL_THROUGH_FILTERED,
    FALL_THROUGH_ABSENT, DENY_LIST, UNREACHABLE_ABORTS, RESTART_PER_PACKAGE,
    DEFAULT_EXTRAS, EXPLICIT_EXTRAS, EMPTY_EXTRAS, UNKNOWN_EXTRAS,
    RECORD_HASHES, WHEEL_VERSION_MATCH, WHEEL_VERSION_ABORT, WHEEL_VERSION_WARN,
    SDIST_WHEEL_VERSION,
)


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
    "DEFAULT_EXTRAS",
    "DEFAULT_RULES",
    "DENY_LIST",
    "EMPTY_EXTRAS",
    "EXPLICIT_EXTRAS",
    "FALL_THROUGH_ABSENT",
    "FALL_THROUGH_FILTERED",
    "INDEX_ORDER",
    "INDEX_PRIORITY",
    "MIRROR_GROUPS",
    "NEWEST_WHEEL_FORMAT",
    "RECORD_HASHES",
    "REQUIRES_PYTHON",
    "RESTART_PER_PACKAGE",
    "SDIST_WHEEL_VERSION",
    "TAGS",
    "UNKNOWN_EXTRAS",
    "UNREACHABLE_ABORTS",
    "VARIANTS",
    "VARIANT_EVERY_FEATURE",
    "VARIANT_FEATURE_ORDER",
    "VARIANT_LABEL_FALLBACK",
    "VARIANT_MISSING_LABEL",
    "VARIANT_MORE_KEYS_FIRST",
    "VARIANT_NAMESPACE_ORDER",
    "VARIANT_NON_VARIANT_LAST",
    "VARIANT_TAGS_IN_GROUP",
    "VARIANT_VALUE_ORDER",
    "VARIANT_ZERO_PROPERTIES",
    "VERSION_PRIORITY",
    "WHEEL_VERSION",
    "WHEEL_VERSION_ABORT",
    "WHEEL_VERSION_MATCH",
    "WHEEL_VERSION_WARN",
    "YANKED",
    "Rule",
    "RuleContext",
    "applies",
    "best_across_indexes",
    "rule_names",
    "without",
]
