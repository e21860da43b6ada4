"""What an edit of a PEP text (or of its variant JSON schema) affects in the traced requirements.

A PEP author who turns a MUST into a SHOULD, or adds a MUST, needs to know which
of the requirements in ``scenarios/_requirements.toml`` the edit touches, which
scenarios cover them, and how each tool fares on those scenarios today. This
module compares a PEP text (any revision, a draft included) with the quoted
sentences of the list:

- *unchanged*: the quoted sentence is still found verbatim (line breaks folded);
- *changed*: it is not, and the nearest sentence of the text (``difflib``) is
  close enough to be the same sentence edited; the report shows both and the
  word difference;
- *gone*: nothing in the text is close.

It also lists the *normative sentences* of the text that no requirement quotes
and no exclusion covers: those of the Specification section holding an RFC 2119
keyword (PEP 825: "The key words ... are to be interpreted as described in RFC
2119"), and for PEPs 766 and 771, whose Specification sections state their
rules in plain words, every sentence of that section.

Against a schema file it reports the differences from the bundled schema with
the same ``$id`` (or file name), and the requirements that depend on the changed
parts: those whose sentence names a changed key in literal markup
(``default-priorities.namespace``), and those that name the schema itself.

The same comparison serves the test suite, which checks every quotation against
the shared PEP texts.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wheelnext import inputs
from wheelnext.conformance.traceability import REQUIREMENTS, Excluded, Requirement
from wheelnext.errors import WheelnextError

UNCHANGED, CHANGED, GONE = "unchanged", "changed", "gone"
#: PEPs whose Specification sections state their rules in plain words.
PLAIN_RULE_PEPS = frozenset({766, 771})
#: The largest PEP text read (PEP 817, the longest traced neighbour, is 121 kB).
MAX_TEXT = 2 * 1024 * 1024
#: The least ``difflib`` ratio at which the nearest sentence counts as the quoted one, edited.
NEAR = 0.6
_KEYWORD = re.compile(r"\b(MUST|SHOULD|MAY|REQUIRED|SHALL|RECOMMENDED|OPTIONAL)\b")
_PEP_HEADER = re.compile(r"^PEP:\s*(\d+)\s*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=[A-Z`*\"(])")
_LITERAL = re.compile(r"``([^`]+)``")
#: JSON Schema words that are structure, not names of the described document's keys.
_SCHEMA_WORDS = frozenset(
    {"properties", "patternProperties", "items", "additionalProperties", "$defs", "definitions"}
)


class SpecTraceError(WheelnextError):
    """A PEP text or schema file that cannot be traced."""


def fold(text: str) -> str:
    """Line breaks and runs of white space folded into one space, as the list quotes."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class PepText:
    """One PEP text as read: its number (from the ``PEP:`` header), folded text, digest."""

    pep: int
    path: Path
    raw: str
    digest: str

    @property
    def folded(self) -> str:
        return fold(self.raw)


@dataclass(frozen=True)
class TracedRevision:
    """The revision of a PEP text the list was traced against."""

    pep: int
    file: str
    revision: str
    sha256: str


def read_pep(path: Path) -> PepText:
    """Read a PEP text (a regular file of at most :data:`MAX_TEXT` bytes); its number comes
    from its ``PEP:`` header line."""
    data = inputs.read_bytes(path, what="PEP text", limit=MAX_TEXT, error=SpecTraceError)
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecTraceError(f"{path}: not UTF-8 text") from None
    match = _PEP_HEADER.search(raw[:4096])
    if match is None:
        raise SpecTraceError(f"{path}: no 'PEP: <number>' header line")
    return PepText(int(match.group(1)), path, raw, hashlib.sha256(data).hexdigest())


def traced_revisions(path: Path = REQUIREMENTS) -> dict[int, TracedRevision]:
    """PEP number -> the revision recorded in the list's ``[[traced]]`` tables."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["pep"]: TracedRevision(**entry) for entry in data.get("traced", [])}


# -- sentences ------------------------------------------------------------------------------


def _paragraphs(raw: str) -> Iterator[str]:
    for paragraph in re.split(r"\n\s*\n", raw):
        if paragraph.strip():
            yield paragraph


def sentences(raw: str) -> list[str]:
    """The text's sentences, each folded; a sentence never spans two paragraphs."""
    found: list[str] = []
    for paragraph in _paragraphs(raw):
        found += [s for s in _SENTENCE_END.split(fold(paragraph)) if s]
    return found


def specification(raw: str) -> str:
    """The Specification section, up to the next top-level heading ("" when none)."""
    lines = raw.splitlines()
    tops = [i for i in range(len(lines) - 1) if lines[i] and set(lines[i + 1]) == {"="}]
    first = next((i for i in tops if lines[i].strip() == "Specification"), None)
    if first is None:
        return ""
    after = next((i for i in tops if i > first), len(lines))
    return "\n".join(lines[first + 2 : after])


def normative_sentences(text: PepText) -> list[str]:
    """The Specification section's sentences that state a rule.

    RFC 2119 keywords mark them, except in PEPs 766 and 771 where every
    sentence of prose (not a code block, heading or the RFC 2119 boilerplate) counts.
    """
    found: list[str] = []
    for paragraph in _paragraphs(specification(text.raw)):
        boilerplate = "RFC 2119" in paragraph or '"MUST"' in paragraph
        if paragraph.startswith((" ", "\t", "..")) or boilerplate:
            continue
        lines = paragraph.strip().splitlines()
        if len(lines) == 2 and set(lines[1].strip()) <= set("-~^=\"'`#*+"):
            continue
        for sentence in _SENTENCE_END.split(fold(paragraph)):
            if _KEYWORD.search(sentence) or (text.pep in PLAIN_RULE_PEPS and len(sentence) > 20):
                found.append(sentence)
    return found


def nearest(sentence: str, candidates: Sequence[str]) -> tuple[str, float]:
    """The candidate closest to *sentence* (and its ``difflib`` ratio); ("", 0) when none."""
    best, best_ratio = "", 0.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(sentence)
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
    return best, best_ratio


def word_diff(old: str, new: str) -> str:
    """The word difference: ``[-removed-]`` and ``{+added+}``, the rest as is."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += a[i1:i2]
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


# -- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementTrace:
    """One requirement against the text: its status and, when affected, what it covers."""

    id: str
    pep: int
    status: str
    sentence: str
    nearest: str = ""
    similarity: float = 0.0
    diff: str = ""
    scenarios: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PepTrace:
    """The comparison of one PEP text with the requirement list."""

    pep: int
    path: str
    sha256: str
    traced: TracedRevision | None
    requirements: tuple[RequirementTrace, ...]
    untraced: tuple[str, ...]

    @property
    def same_revision(self) -> bool:
        return self.traced is not None and self.traced.sha256 == self.sha256

    @property
    def affected(self) -> tuple[RequirementTrace, ...]:
        return tuple(r for r in self.requirements if r.status != UNCHANGED)


def trace_pep(
    text: PepText,
    requirements: Sequence[Requirement],
    excluded: Sequence[Excluded],
    *,
    scenarios: Mapping[str, Sequence[str]] | None = None,
    results: Mapping[str, Mapping[str, str]] | None = None,
    traced: Mapping[int, TracedRevision] | None = None,
    baseline: PepText | None = None,
) -> PepTrace:
    """Compare *text* with the requirements of its PEP (see the module's docstring).

    With *baseline* (the text the list was traced against), a normative sentence
    already untraced there is not reported again: the report names what the edit
    added, not what the list leaves out by choice.
    """
    folded = text.folded
    candidates = sentences(text.raw)
    traces: list[RequirementTrace] = []
    for requirement in (r for r in requirements if r.pep == text.pep):
        sentence = fold(requirement.sentence)
        if sentence in folded:
            traces.append(RequirementTrace(requirement.id, text.pep, UNCHANGED, sentence))
            continue
        near, ratio = nearest(sentence, candidates)
        status = CHANGED if ratio >= NEAR else GONE
        covering = (scenarios or {}).get(requirement.id, ())
        traces.append(
            RequirementTrace(
                requirement.id,
                text.pep,
                status,
                sentence,
                nearest=near if status == CHANGED else "",
                similarity=round(ratio, 3),
                diff=word_diff(sentence, near) if status == CHANGED else "",
                scenarios={s: dict((results or {}).get(s, {})) for s in covering},
            )
        )
    quoted = [fold(r.sentence) for r in requirements if r.pep == text.pep]
    quoted += [fold(e.sentence) for e in excluded if e.pep == text.pep]
    before = set(normative_sentences(baseline)) if baseline is not None else set()
    before |= {t.nearest for t in traces if t.nearest}
    untraced = tuple(
        s
        for s in normative_sentences(text)
        if s not in before and not any(s in q or q in s for q in quoted)
    )
    return PepTrace(
        text.pep,
        str(text.path),
        text.digest,
        (traced or {}).get(text.pep),
        tuple(traces),
        untraced,
    )


# -- schema ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaChange:
    """One difference between the bundled schema and another: a JSON pointer and both values."""

    pointer: str
    old: Any
    new: Any


@dataclass(frozen=True)
class SchemaTrace:
    """The schema file against the bundled schema, and what depends on the changed parts."""

    path: str
    bundled: str
    changes: tuple[SchemaChange, ...]
    requirements: Mapping[str, Mapping[str, Mapping[str, str]]]


_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "(absent)"})()


def schema_changes(old: Any, new: Any, pointer: str = "") -> list[SchemaChange]:
    """Differences between two JSON values, by JSON pointer (RFC 6901), depth first."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[SchemaChange] = []
        for key in sorted(set(old) | set(new)):
            escaped = key.replace("~", "~0").replace("/", "~1")
            changes += schema_changes(
                old.get(key, _MISSING), new.get(key, _MISSING), f"{pointer}/{escaped}"
            )
        return changes
    if old == new and type(old) is type(new):
        return []
    return [
        SchemaChange(
            pointer or "/", None if old is _MISSING else old, None if new is _MISSING else new
        )
    ]


def schema_names(pointer: str) -> set[str]:
    """The document keys a pointer reaches: ``/properties/a/properties/b`` gives a, b and a.b."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    keys: list[str] = []
    for previous, part in zip(["", *parts], parts, strict=False):
        if previous == "properties":
            keys.append(part)
    names = set(keys)
    names |= {".".join(keys[i:]) for i in range(len(keys))}
    return names


def bundled_schema(candidate: Mapping[str, Any], path: Path) -> Path:
    """The bundled schema with the same ``$id`` as *candidate*, else the same file name."""
    from wheelnext.variants import schemas

    folder = Path(next(iter(schemas.__path__)))
    bundled = sorted(folder.glob("*.json"))
    for each in bundled:
        try:
            if json.loads(each.read_text(encoding="utf-8")).get("$id") == candidate.get("$id"):
                return each
        except (ValueError, AttributeError):
            continue
    for each in bundled:
        if each.name == path.name:
            return each
    for each in bundled:
        if each.name.startswith("pep-0825-variant-schema"):
            return each
    raise SpecTraceError(f"{path}: no bundled schema to compare with")


def read_schema(path: Path) -> dict[str, Any]:
    """A JSON schema file, as an object (size and nesting bounded by :mod:`wheelnext.inputs`)."""
    return inputs.read_json_object(path, what="JSON schema", error=SpecTraceError)


def trace_schema(
    path: Path,
    requirements: Sequence[Requirement],
    *,
    scenarios: Mapping[str, Sequence[str]] | None = None,
    results: Mapping[str, Mapping[str, str]] | None = None,
) -> SchemaTrace:
    """Compare a schema file with the bundled one; name the requirements that depend on it."""
    new = read_schema(path)
    bundled = bundled_schema(new, path)
    changes = tuple(schema_changes(read_schema(bundled), new))
    names: set[str] = set()
    for change in changes:
        names |= schema_names(change.pointer)
    depending: dict[str, dict[str, dict[str, str]]] = {}
    if changes:
        for requirement in requirements:
            literals = set(_LITERAL.findall(requirement.sentence))
            if literals & names or re.search(r"\bschema\b", requirement.sentence):
                covering = (scenarios or {}).get(requirement.id, ())
                depending[requirement.id] = {s: dict((results or {}).get(s, {})) for s in covering}
    return SchemaTrace(str(path), bundled.name, changes, depending)
