"""Selecting among the wheels of one package version (PEP 825 "Variant ordering").

Groups the wheels by variant label, orders the groups with
:func:`wheelnext.variants.ordering.order_variants`, puts the non-variant
group after every variant group ("The group of non-variant wheels MUST be
placed after all the other groups"), and orders wheels within a group by
their platform compatibility tags, then build number ("Within every group,
the wheels MUST then be ordered according to their platform compatibility
tags").

This is the lean path the installer and the selection benchmark use: it
imports neither ``jsonschema`` nor ``click`` nor ``rich``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.tags import Tag

from wheelnext.errors import WheelnextError
from wheelnext.filenames import WheelFilename, parse_wheel_name
from wheelnext.variants.ordering import OrderingOptions, RankedLabel, VariantOrder, order_variants
from wheelnext.variants.properties import SupportedProperties


@dataclass(frozen=True)
class Candidate:
    """A compatible wheel, with the label rank it got (None for a non-variant wheel)."""

    filename: str
    wheel: WheelFilename
    ranked: RankedLabel | None


@dataclass
class Selection:
    """The compatible wheels, best first, and every rejected wheel with its reason."""

    ordered: list[Candidate]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    order: VariantOrder | None = None

    @property
    def best(self) -> Candidate | None:
        return self.ordered[0] if self.ordered else None

    @property
    def filenames(self) -> list[str]:
        return [candidate.filename for candidate in self.ordered]


def _as_wheel(item: str | WheelFilename) -> tuple[str, WheelFilename]:
    if isinstance(item, WheelFilename):
        return str(item), item
    return item, parse_wheel_name(item.rsplit("/", 1)[-1])


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
    items = [_as_wheel(item) for item in wheels]
    versions = {(w.name, w.version) for _, w in items}
    if len(versions) > 1:
        names = ", ".join(sorted(f"{n}-{v}" for n, v in versions))
        raise WheelnextError(f"select_wheels: wheels of several package versions given ({names})")
    tag_rank = {tag: i for i, tag in enumerate(tags)} if tags is not None else None
    rejected: list[tuple[str, str]] = []
    compatible: list[tuple[str, WheelFilename, int]] = []
    for position, (filename, wheel) in enumerate(items):
        if tag_rank is None:
            compatible.append((filename, wheel, position))
            continue
        ranks = [tag_rank[t] for t in wheel.tags if t in tag_rank]
        if not ranks:
            rejected.append((filename, "no supported platform compatibility tag"))
        else:
            compatible.append((filename, wheel, min(ranks)))

    labels = [w.variant_label for _, w, _ in compatible if w.variant_label is not None]
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
    for filename, wheel, tag_position in compatible:
        label = wheel.variant_label
        build = -wheel.build[0] if wheel.build else 0
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
