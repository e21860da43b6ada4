"""The hand-written key -> line finder used for ``file:line:`` errors."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from wheelnext.conformance._lines import LineMap

TEXT = """\
format = 1

[scenario]
id = "x"
description = '''
fake = "not a key"
'''
title = "t"

[[packages.primary]]
name = "alpha"

[[packages.primary.files]]
path = "a.py"

[[packages.primary]]
name = "beta"

[expect.requests]
asked = ["primary"]
"""


def test_keys_headers_and_arrays_of_tables() -> None:
    lines = LineMap(TEXT)
    assert lines.line(("format",)) == 1
    assert lines.line(("scenario", "id")) == 4
    assert lines.line(("scenario", "title")) == 8
    assert lines.line(("packages", "primary", 0)) == 10
    assert lines.line(("packages", "primary", 0, "files", 0, "path")) == 14
    assert lines.line(("packages", "primary", 1, "name")) == 17
    assert lines.line(("expect", "requests", "asked")) == 20


def test_multiline_strings_hide_lookalike_keys() -> None:
    assert LineMap(TEXT).line(("scenario", "fake")) == 3


def test_unknown_paths_fall_back_to_the_longest_prefix() -> None:
    lines = LineMap(TEXT)
    assert lines.line(("expect", "requests", "nope")) == 19
    assert lines.line(("nothing",)) == 1


@given(
    st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), min_size=1, max_size=8, unique=True
    ),
    st.integers(0, 3),
)
def test_every_key_is_found_on_its_line(keys: list[str], blank: int) -> None:
    body = "[table]\n" + "".join("\n" * blank + f"{k} = {i}\n" for i, k in enumerate(keys))
    assert tomllib.loads(body)["table"]
    lines = LineMap(body)
    text_lines = body.splitlines()
    for key in keys:
        assert text_lines[lines.line(("table", key)) - 1].startswith(f"{key} =")
