"""Variant environment markers (PEP 825 "Environment markers").

``variant_label`` is a String field; ``variant_properties``,
``variant_features`` and ``variant_namespaces`` are Set of String fields,
tested with ``"x" in variant_properties`` / ``not in``. Their values come from
the wheel already selected, narrowed to the properties the system supports
("Evaluating variant markers", steps 1-4); for a non-variant wheel the label
is ``""`` and the sets are empty.

``packaging.markers`` rejects variable names it does not know, so this module
layers on it (written by hand because no library parses these markers): it
splits a marker into its ``and``/``or``/parenthesis structure and its
comparisons, evaluates comparisons that name a variant marker itself, and
hands every other comparison, unchanged, to ``packaging.markers.Marker``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedComparison
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version

from wheelnext.errors import WheelnextError
from wheelnext.variants.properties import PropertyMap, SupportedProperties, iter_properties

VARIANT_MARKERS = ("variant_label", "variant_properties", "variant_features", "variant_namespaces")
_SET_MARKERS = frozenset(VARIANT_MARKERS[1:])

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<op>===|==|!=|~=|<=|>=|<|>|not\s+in\b|in\b)
      | (?P<logic>and\b|or\b)
      | (?P<paren>[()])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_SEP_RE = re.compile(r"\s*::\s*")


class InvalidVariantMarker(WheelnextError):
    """A marker uses a variant marker in a way PEP 825 does not define."""


@dataclass(frozen=True)
class VariantEnvironment:
    """The values of the four variant markers for one selected wheel."""

    label: str = ""
    properties: frozenset[str] = frozenset()

    @property
    def features(self) -> frozenset[str]:
        return frozenset(p.rsplit(" :: ", 1)[0] for p in self.properties)

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(p.split(" :: ", 1)[0] for p in self.properties)

    def value(self, name: str) -> str | frozenset[str]:
        if name == "variant_label":
            return self.label
        if name == "variant_properties":
            return self.properties
        if name == "variant_features":
            return self.features
        return self.namespaces


NON_VARIANT = VariantEnvironment()


def variant_environment(
    label: str | None, properties: PropertyMap | None, supported: SupportedProperties
) -> VariantEnvironment:
    """The marker values for the wheel with *label* and its *properties*.

    PEP 825 "Evaluating variant markers": the label's properties are
    "filtered to the variant properties that the target system supports".
    ``label=None`` is a non-variant wheel.
    """
    if label is None:
        return NON_VARIANT
    kept = frozenset(
        str(prop)
        for prop in iter_properties(properties or {})
        if prop.value in supported.get(prop.namespace, {}).get(prop.feature, ())
    )
    return VariantEnvironment(label, kept)


def _normalize(text: str) -> str:
    """Canonical ``a :: b :: c`` spelling ("MUST ignore differences in whitespace")."""
    return " :: ".join(_SEP_RE.split(text.strip()))


def _tokens(marker: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = marker.rstrip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            raise InvalidVariantMarker(f"marker {marker!r}: cannot parse at {text[position:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compare_string(lhs: str, op: str, rhs: str, marker: str) -> bool:
    """Dependency specifiers' String semantics: versions where both parse, else Python."""
    if op in ("in", "not in"):
        return (lhs in rhs) == (op == "in")
    try:
        Version(lhs)
        return Specifier(f"{op}{rhs}").contains(lhs, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        pass
    if op in _PY_OPS:
        return _PY_OPS[op](lhs, rhs)
    raise InvalidVariantMarker(f"marker {marker!r}: operator {op} is undefined for these values")


def _eval_variant_atom(
    lhs: tuple[str, str], op: str, rhs: tuple[str, str], env: VariantEnvironment, marker: str
) -> bool:
    op = " ".join(op.split())
    on_left = lhs[0] == "name" and lhs[1] in VARIANT_MARKERS
    name, other = (lhs[1], rhs) if on_left else (rhs[1], lhs)
    if other[0] != "string":
        raise InvalidVariantMarker(f"marker {marker!r}: {name} must be compared with a string")
    literal = other[1][1:-1]
    value = env.value(name)
    if name in _SET_MARKERS:
        if on_left or op not in ("in", "not in"):
            raise InvalidVariantMarker(
                f'marker {marker!r}: {name} is a set; use "..." in {name} or "..." not in {name}'
            )
        assert isinstance(value, AbstractSet)
        return (_normalize(literal) in value) == (op == "in")
    assert isinstance(value, str)
    if on_left:
        return _compare_string(value, op, literal, marker)
    return _compare_string(literal, op, value, marker)


class _Evaluator:
    """Recursive descent over ``or`` / ``and`` / parentheses (PEP 508 precedence)."""

    def __init__(
        self,
        marker: str,
        env: VariantEnvironment,
        environment: Mapping[str, str | AbstractSet[str]] | None,
    ) -> None:
        self.marker = marker
        self.tokens = _tokens(marker)
        self.pos = 0
        self.env = env
        self.environment = environment

    def run(self) -> bool:
        result = self.expr()
        if self.pos != len(self.tokens):
            unexpected = self.tokens[self.pos][1]
            raise InvalidVariantMarker(f"marker {self.marker!r}: unexpected {unexpected!r}")
        return result

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def expr(self) -> bool:
        results = [self.conjunction()]
        while self.peek() == ("logic", "or"):
            self.pos += 1
            results.append(self.conjunction())
        return any(results)

    def conjunction(self) -> bool:
        results = [self.term()]
        while self.peek() == ("logic", "and"):
            self.pos += 1
            results.append(self.term())
        return all(results)

    def term(self) -> bool:
        if self.peek() == ("paren", "("):
            self.pos += 1
            result = self.expr()
            if self.peek() != ("paren", ")"):
                raise InvalidVariantMarker(f"marker {self.marker!r}: missing ')'")
            self.pos += 1
            return result
        if self.pos + 3 > len(self.tokens):
            raise InvalidVariantMarker(f"marker {self.marker!r}: incomplete comparison")
        lhs, op, rhs = self.tokens[self.pos : self.pos + 3]
        if op[0] != "op" or lhs[0] not in ("name", "string") or rhs[0] not in ("name", "string"):
            raise InvalidVariantMarker(f"marker {self.marker!r}: expected a comparison")
        self.pos += 3
        if (lhs[0] == "name" and lhs[1] in VARIANT_MARKERS) or (
            rhs[0] == "name" and rhs[1] in VARIANT_MARKERS
        ):
            return _eval_variant_atom(lhs, op[1], rhs, self.env, self.marker)
        atom = f"{lhs[1]} {' '.join(op[1].split())} {rhs[1]}"
        try:
            return Marker(atom).evaluate(self.environment)
        except (InvalidMarker, UndefinedComparison) as exc:
            raise InvalidVariantMarker(f"marker {self.marker!r}: {exc}") from None


def evaluate_marker(
    marker: str,
    variant: VariantEnvironment = NON_VARIANT,
    environment: Mapping[str, str | AbstractSet[str]] | None = None,
) -> bool:
    """Evaluate *marker* with the variant markers taken from *variant*.

    Every other marker variable is evaluated by ``packaging`` against
    *environment* (default: the running interpreter).
    """
    return _Evaluator(marker, variant, environment).run()


def parse_name_part(requirement: str) -> Requirement:
    """The part of a ``Requires-Dist`` entry before ``;``, parsed by ``packaging``.

    Only that part: its marker may use the PEP 825 variant markers, which
    ``packaging`` cannot parse.
    """
    try:
        return Requirement(requirement.partition(";")[0])
    except InvalidRequirement as exc:
        raise InvalidVariantMarker(f"requirement {requirement!r}: {exc}") from None


def requirement_applies(
    requirement: str,
    variant: VariantEnvironment = NON_VARIANT,
    environment: Mapping[str, str | AbstractSet[str]] | None = None,
    *,
    parsed: Requirement | None = None,
) -> bool:
    """Whether a ``Requires-Dist`` entry applies to the selected wheel.

    Its name part must be a valid requirement; *parsed* is that part already parsed
    (:func:`parse_name_part`), so a caller that has it does not parse it again.
    """
    if parsed is None:
        parse_name_part(requirement)
    _, sep, marker = requirement.partition(";")
    return evaluate_marker(marker, variant, environment) if sep and marker.strip() else True


def uses_variant_markers(marker: str) -> bool:
    """True if *marker* names one of the four variant markers."""
    return any(kind == "name" and text in VARIANT_MARKERS for kind, text in _tokens(marker))
