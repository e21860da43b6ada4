"""Core metadata with Default-Extra and Wheel-Version: written, read back exactly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.metadata import ExceptionGroup, Metadata

from wheelnext.errors import InvalidMetadata
from wheelnext.metadata import (
    BASELINE,
    DEFAULT_EXTRA_VERSION,
    CoreMetadata,
    check_default_extras,
    format_metadata,
    format_metadata_json,
    metadata_json,
    metadata_version_for,
    parse_metadata,
)

FULL = CoreMetadata(
    metadata_version="2.7",
    name="demo-pkg",
    version="1.0",
    summary="Démo ✓",
    requires_python=">=3.11",
    requires_dist=("attrs", "rich; extra == 'cli'"),
    provides_extra=("cli",),
    default_extra=("cli",),
    wheel_version="1.0",
    extra=(("Author", "A. Person"), ("Classifier", "X :: Y"), ("Classifier", "X :: Z"),
           ("Keywords", "a,b")),
    description="Body line 1\n\nBody: line 3\n",
)


def test_round_trip_exact() -> None:
    assert parse_metadata(format_metadata(FULL)) == FULL


def test_written_form() -> None:
    text = format_metadata(FULL).decode("utf-8")
    assert text.startswith(
        "Metadata-Version: 2.7\nName: demo-pkg\nVersion: 1.0\nWheel-Version: 1.0\n"
    )
    assert "Default-Extra: cli\n" in text
    assert text.endswith("\n\nBody line 1\n\nBody: line 3\n")


def test_packaging_refuses_new_fields_but_parses_the_rest() -> None:
    data = format_metadata(FULL)
    with pytest.raises(ExceptionGroup) as info:
        Metadata.from_email(data, validate=True)
    fields = {getattr(e, "field", None) for e in info.value.exceptions}
    assert {"default-extra", "wheel-version", "metadata-version"} <= fields
    lenient = Metadata.from_email(data, validate=False)
    assert lenient.name == "demo-pkg" and lenient.provides_extra == ["cli"]


def test_metadata_versions() -> None:
    """2.5 and 2.6 are taken (PEP 794, PEP 808): Default-Extra gets 2.7."""
    assert metadata_version_for(default_extra=True) == DEFAULT_EXTRA_VERSION == "2.7"
    assert metadata_version_for(default_extra=False) == BASELINE == "2.4"


def test_missing_required_field() -> None:
    with pytest.raises(InvalidMetadata, match="missing required field Version"):
        parse_metadata(b"Metadata-Version: 2.4\nName: x\n", source="x/METADATA")


def test_repeated_wheel_version() -> None:
    data = b"Metadata-Version: 2.4\nName: x\nVersion: 1\nWheel-Version: 1.0\nWheel-Version: 2.0\n"
    with pytest.raises(InvalidMetadata, match="Wheel-Version given 2 times"):
        parse_metadata(data)


def test_modeled_header_in_extra_is_refused() -> None:
    with pytest.raises(InvalidMetadata, match="Default-Extra"):
        format_metadata(CoreMetadata("2.4", "x", "1", extra=(("Default-Extra", "a"),)))


def test_check_default_extras() -> None:
    check_default_extras(FULL)
    with pytest.raises(InvalidMetadata, match="not a Provides-Extra"):
        check_default_extras(CoreMetadata("2.7", "x", "1", default_extra=("gpu",)))


def test_json_form() -> None:
    """PEP 566 JSON-compatible metadata: lower-case keys, lists for multiple use."""
    document = metadata_json(FULL)
    assert document["metadata_version"] == "2.7"
    assert document["default_extra"] == ["cli"]
    assert document["wheel_version"] == "1.0"
    assert document["classifier"] == ["X :: Y", "X :: Z"]
    assert document["keywords"] == ["a", "b"]
    assert document["description"] == FULL.description
    assert json.loads(format_metadata_json(FULL)) == document


header_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=30
).map(str.strip)
extra_names = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), unique=True,
                       max_size=3)


@st.composite
def metadatas(draw: st.DrawFn) -> CoreMetadata:
    extras = draw(extra_names)
    return CoreMetadata(
        metadata_version=draw(st.sampled_from(["2.4", "2.7"])),
        name=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,10}[A-Za-z0-9]", fullmatch=True)),
        version=draw(st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)),
        summary=draw(st.none() | header_text.filter(bool)),
        requires_dist=tuple(f"dep-{e}; extra == '{e}'" for e in extras),
        provides_extra=tuple(extras),
        default_extra=tuple(draw(st.lists(st.sampled_from(extras), unique=True))
                            if extras else ()),
        wheel_version=draw(st.none() | st.sampled_from(["1.0", "1.1", "2.0"])),
        extra=tuple(("Classifier", t) for t in draw(st.lists(header_text.filter(bool),
                                                               max_size=3))),
        description=draw(st.none() | st.text(max_size=60).filter(
            lambda t: t.strip() != "" and "\r" not in t)),
    )


@settings(max_examples=60, deadline=None)
@given(meta=metadatas())
def test_round_trip_property(meta: CoreMetadata) -> None:
    assert parse_metadata(format_metadata(meta)) == meta


def test_not_utf8() -> None:
    with pytest.raises(InvalidMetadata, match="not UTF-8"):
        parse_metadata(b"Metadata-Version: 2.4\nName: \xff\nVersion: 1\n")
