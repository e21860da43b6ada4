"""Selecting among the wheels of one package version (PEP 825 "Variant ordering").

Groups the wheels by variant label, orders the groups with
:func:`wheelnext.variants.ordering.order_variants`, puts the non-variant
group after every variant group ("The group of non-variant wheels MUST be
placed after all the other groups"), and orders wheels within a group by
their platform compatibility tags, then build number ("Within every group,
the wheels MUST then be ordered according to their platform compatibility
tags").

This is the lean path the installer and the selection benchmark use: it
imports neither ``jsonschema`` nor ``click`` nor ``rich``, and without *tags*
not even ``packaging``: plainly valid filenames are split here, and the full
:func:`wheelnext.filenames.parse_wheel_name` runs only for the others, for
tag filtering, or when a candidate's ``wheel`` is asked for.
"""

from __future__ import annotations

import re

from wheelnext.errors import WheelnextError
from wheelnext.variants.ordering import OrderingOptions, RankedLabel, VariantOrder, order_variants
from wheelnext.variants.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from packaging.tags import Tag

    from wheelnext.filenames import WheelFilename
    from wheelnext.variants.properties import SupportedProperties

    #: ``(normalized name, release without trailing zeros, build tag, variant label)``.
    _Plain = tuple[str, tuple[int, ...], tuple[int, str] | tuple[()], str | None]

# Written by hand so that selecting among plainly valid filenames needs no
# ``packaging`` import. Each pattern accepts only a subset of what
# ``packaging.utils.parse_wheel_filename`` accepts (PEP 427 escaped name, a
# release-only PEP 440 version, a build tag starting with a digit, tags whose
# interpreter is an identifier); anything else goes through parse_wheel_name.
_NAME = re.compile(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*")
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_BUILD = re.compile(r"([0-9]+)([A-Za-z0-9_.]*)")
_INTERPRETER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_TAG_PART = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
#: PEP 825 "Variant label": "non-empty and consist only of 0-9, a-z, _ and . ASCII characters".
_LABEL = re.compile(r"[0-9a-z_.]+")
_SEPARATORS = re.compile(r"[-_.]+")


def _plain_wheel(filename: str) -> _Plain | None:
    """The parts of a plainly valid wheel filename, or None to defer to parse_wheel_name.

    The label rule is parse_wheel_name's (PEP 825: "The Python tag component
    MUST NOT start with a digit"): a seventh part, or a sixth one when the
    third does not start with a digit, is the variant label.
    """
    if not filename.endswith(".whl"):
        return None
    parts = filename[:-4].split("-")
    label = None
    if len(parts) == 7 or (len(parts) == 6 and not parts[2][:1].isdigit()):
        label = parts.pop()
        if not _LABEL.fullmatch(label):
            return None
    if len(parts) == 6:
        match = _BUILD.fullmatch(parts.pop(2))
        if match is None:
            return None
        build: tuple[int, str] | tuple[()] = (int(match.group(1)), match.group(2))
    elif len(parts) == 5:
        build = ()
    else:
        return None
    name, version, python, abi, platform = parts
    if not (
        _NAME.fullmatch(name)
        and _RELEASE.fullmatch(version)
        and _INTERPRETER.fullmatch(python)
        and _TAG_PART.fullmatch(abi)
        and _TAG_PART.fullmatch(platform)
    ):
        return None
    release = [int(part) for part in version.split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return _SEPARATORS.sub("-", name).lower(), tuple(release), build, label


class Candidate(Record):
    """A compatible wheel, with the label rank it got (None for a non-variant wheel).

    ``wheel`` (the full :class:`~wheelnext.filenames.WheelFilename`) is parsed
    when first asked for, so that a selection need not import ``packaging``.
    """

    _fields = __match_args__ = ("filename", "wheel", "ranked")
    filename: str
    ranked: RankedLabel | None
    _wheel: WheelFilename | None

    def __init__(
        self, filename: str, wheel: WheelFilename | None, ranked: RankedLabel | None
    ) -> None:
        self._init(filename=filename, _wheel=wheel, ranked=ranked)

    @property
    def wheel(self) -> WheelFilename:
        if self._wheel is None:
            from wheelnext.filenames import parse_wheel_name

            self._init(_wheel=parse_wheel_name(self.filename.rsplit("/", 1)[-1]))
        assert self._wheel is not None
        return self._wheel


class Selection(Record):
    """The compatible wheels, best first, and every rejected wheel with its reason."""

    _frozen = False
    __hash__ = None  # type: ignore[assignment]
    _fields = __match_args__ = ("ordered", "rejected", "order")
    ordered: list[Candidate]
    rejected: list[tuple[str, str]]
    order: VariantOrder | None

    def __init__(
        self,
        ordered: list[Candidate],
        rejected: list[tuple[str, str]] | None = None,
        order: VariantOrder | None = None,
    ) -> None:
        self.ordered = ordered
        self.rejected = [] if rejected is None else rejected
        self.order = order

    @property
    def best(self) -> Candidate | None:
        return self.ordered[0] if self.ordered else None

    @property
    def filenames(self) -> list[str]:
        return [candidate.filename for candidate in self.ordered]


class _Item:
    """One input wheel: its filename, the parts selection uses, and the full parse if made."""

    __slots__ = ("build", "filename", "key", "label", "wheel")

    def __init__(self, item: str | WheelFilename, full: bool) -> None:
        plain = None if full or not isinstance(item, str) else _plain_wheel(item.rsplit("/", 1)[-1])
        if plain is not None:
            assert isinstance(item, str)
            name, release, build, label = plain
            self.filename, self.wheel = item, None
            self.key: tuple[object, object] = (name, release)
            self.build, self.label = build, label
            return
        from wheelnext.filenames import WheelFilename, parse_wheel_name

        if isinstance(item, WheelFilename):
            self.filename, self.wheel = str(item), item
        else:
            self.filename, self.wheel = item, parse_wheel_name(item.rsplit("/", 1)[-1])
        self.set_from(self.wheel)

    def set_from(self, wheel: WheelFilename) -> None:
        self.key = (wheel.name, wheel.version)
        self.build, self.label = wheel.build, wheel.variant_label

    def parsed(self) -> WheelFilename:
        if self.wheel is None:
            from wheelnext.filenames import parse_wheel_name

            self.wheel = parse_wheel_name(self.filename.rsplit("/", 1)[-1])
            self.set_from(self.wheel)
        return self.wheel


def select_wheels(
    wheels: Iterable[str | WheelFilename],
    variants_json: Mapping[str, Any] | None,
    supported: SupportedProperties,
    *,
    tags: Sequence[Tag] | None = None,
    options: OrderingOptions | None = None,
) -> Selection:
    """Order the compatible *wheels* of one package version, best first.

    *variants_json* is the combined metadata (``*-variants.json``); without
    it every variant wheel is rejected (PEP 825 suggested logic, step 5: "a
    tool may treat the variant wheels as incompatible"). *tags*, in
    preference order, filter and order by platform tag; ``None`` skips tag
    filtering and keeps the input order within a group.
    """
    items = [_Item(item, tags is not None) for item in wheels]
    if len({item.key for item in items}) > 1:
        # Normalized names and versions as packaging compares and prints them.
        versions = {(w.name, w.version) for w in (item.parsed() for item in items)}
        if len(versions) > 1:
            names = ", ".join(sorted(f"{n}-{v}" for n, v in versions))
            raise WheelnextError(
                f"select_wheels: wheels of several package versions given ({names})"
            )
    tag_rank = {tag: i for i, tag in enumerate(tags)} if tags is not None else None
    rejected: list[tuple[str, str]] = []
    compatible: list[tuple[_Item, int]] = []
    for position, item in enumerate(items):
        if tag_rank is None:
            compatible.append((item, position))
            continue
        ranks = [tag_rank[t] for t in item.parsed().tags if t in tag_rank]
        if not ranks:
            rejected.append((item.filename, "no supported platform compatibility tag"))
        else:
            compatible.append((item, min(ranks)))

    labels = [item.label for item, _ in compatible if item.label is not None]
    order: VariantOrder | None = None
    rank_of: dict[str, tuple[int, RankedLabel]] = {}
    if labels:
        if variants_json is None:
            order = VariantOrder([], dict.fromkeys(labels, "no variant metadata available"))
        else:
            try:
                order = order_variants(variants_json, supported, options, labels)
            except (AttributeError, TypeError, KeyError, ValueError) as exc:
                # PEP 825 "Implementation requirements": an installer "SHOULD prefer
                # to degrade gracefully [...] by ignoring the variant wheels".
                reason = f"variant metadata is malformed ({type(exc).__name__}: {exc})"
                order = VariantOrder([], dict.fromkeys(labels, reason))
        rank_of = {item.label: (i, item) for i, item in enumerate(order.ranked)}
    use_variants = options.use_variants if options else True

    keyed: list[tuple[tuple[int, int, int, int], Candidate]] = []
    for item, tag_position in compatible:
        filename, wheel, label = item.filename, item.wheel, item.label
        build = -item.build[0] if item.build else 0
        if label is None:
            group = len(rank_of)
            keyed.append(((group, tag_position, build, 0), Candidate(filename, wheel, None)))
        elif label in rank_of:
            group, ranked = rank_of[label]
            keyed.append(((group, tag_position, build, 0), Candidate(filename, wheel, ranked)))
        else:
            assert order is not None
            reason = order.rejected.get(label, "label not ranked")
            if not use_variants:
                reason = "variant wheels are disabled by the user"
            rejected.append((filename, f"variant {label}: {reason}"))
    keyed.sort(key=lambda item: item[0])
    return Selection([candidate for _, candidate in keyed], rejected, order)
