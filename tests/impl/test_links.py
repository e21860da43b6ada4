"""PEP 778 LINKS: format, and the refusal of escaping, dangling and cyclic links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.links import (
    InvalidLinks,
    Link,
    format_links,
    packages_of,
    parse_links,
    resolve,
    validate_links,
)

FILES = ["pkg/libfoo.so.3.1.4", "pkg/sub/mod.py", "other/x.py", "top.py",
         "pkg-1.0.dist-info/METADATA", "pkg-1.0.data/scripts/tool"]


def test_format_and_parse() -> None:
    links = (Link("pkg/libfoo.so.3", "pkg/libfoo.so.3.1.4"), Link("pkg/a,b", "pkg/c"))
    data = format_links(links)
    assert data == b'pkg/libfoo.so.3,pkg/libfoo.so.3.1.4\n"pkg/a,b",pkg/c\n'
    assert parse_links(data) == links


@pytest.mark.parametrize("text", ["a\n", "a,b,c\n", ",b\n"])
def test_parse_refuses_malformed_rows(text: str) -> None:
    with pytest.raises(InvalidLinks, match="line 1"):
        parse_links(text)


def test_packages_of() -> None:
    assert packages_of(FILES) == {"pkg", "other"}


def test_valid_chain_file_and_directory_targets() -> None:
    validate_links(
        [
            Link("pkg/libfoo.so.3", "pkg/libfoo.so.3.1.4"),
            Link("pkg/libfoo.so", "pkg/libfoo.so.3"),
            Link("other/pkg_sub", "pkg/sub"),
            Link("other/mod.py", "other/pkg_sub/mod.py"),
        ],
        FILES,
    )


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        (Link("pkg/a", "pkg/missing"), "dangling"),
        (Link("pkg/a", "/etc/passwd"), "absolute"),
        (Link("pkg/a", "pkg/../../etc/passwd"), "escapes"),
        (Link("pkg/a", "../pkg/libfoo.so.3.1.4"), "escapes"),
        (Link("pkg/a", "C:/Windows"), "absolute"),
        (Link("pkg/a", "pkg-1.0.dist-info/METADATA"), "outside every package"),
        (Link("pkg/a", "pkg-1.0.data/scripts/tool"), "outside every package"),
        (Link("pkg/a", "top.py"), "outside every package"),
        (Link("new/a", "pkg/libfoo.so.3.1.4"), "outside every package"),
        (Link("pkg/sub/mod.py", "pkg/libfoo.so.3.1.4"), "also a file"),
        (Link("pkg/sub", "pkg/libfoo.so.3.1.4"), "also a file or directory"),
    ],
)
def test_refused(link: Link, reason: str) -> None:
    with pytest.raises(InvalidLinks, match=reason):
        validate_links([link], FILES, source="w.whlx:LINKS")


def test_cycle_and_self_link() -> None:
    with pytest.raises(InvalidLinks, match="cyclic"):
        validate_links([Link("pkg/a", "pkg/b"), Link("pkg/b", "pkg/a")], FILES)
    with pytest.raises(InvalidLinks, match="cyclic"):
        validate_links([Link("pkg/a", "pkg/a")], FILES)


def test_growing_loop_hits_the_depth_limit() -> None:
    """``pkg/d -> pkg/d/x`` never repeats a path; the chain limit stops it."""
    with pytest.raises(InvalidLinks, match="chain longer than 16"):
        validate_links([Link("pkg/d", "pkg/d/x")], FILES)


def test_chain_limit() -> None:
    chain = [Link(f"pkg/l{i}", f"pkg/l{i + 1}") for i in range(5)]
    chain.append(Link("pkg/l5", "pkg/libfoo.so.3.1.4"))
    validate_links(chain, FILES, max_depth=6)
    with pytest.raises(InvalidLinks, match="chain longer than 5"):
        validate_links(chain, FILES, max_depth=5)


def test_resolution_through_a_linked_directory_escape() -> None:
    """A link inside a linked directory is resolved before it is judged (PEP 778)."""
    links = {"pkg/alias": "pkg/sub", "pkg/sub/up": "pkg/sub"}
    assert resolve("pkg/alias/mod.py", links) == "pkg/sub/mod.py"


def test_duplicate_link() -> None:
    with pytest.raises(InvalidLinks, match="twice"):
        validate_links([Link("pkg/a", "pkg/sub"), Link("pkg/a", "pkg/sub")], FILES)


segments = st.from_regex(r"[a-z]{1,3}", fullmatch=True)


@given(st.lists(st.tuples(segments, segments), max_size=6))
def test_validation_never_accepts_what_does_not_resolve_to_a_file(
    pairs: list[tuple[str, str]],
) -> None:
    """Property: an accepted link set resolves every link to an existing path."""
    files = ["pkg/f", "pkg/d/g"]
    links = [Link(f"pkg/{a}", f"pkg/{b}") for a, b in pairs]
    try:
        validate_links(links, files)
    except InvalidLinks:
        return
    table = {link.path: link.target for link in links}
    for link in links:
        assert resolve(link.path, table) in {"pkg/f", "pkg/d/g", "pkg/d"}


def test_a_link_through_a_folder_link_lands_in_its_target_and_its_text_is_from_there() -> None:
    """PEP 778: paths are resolved before they are judged; here, before the text is made."""
    from wheelnext.links import plan_links

    placed = plan_links([Link("other/pkg_sub", "pkg/sub"),
                         Link("other/pkg_sub/lib.so", "pkg/libfoo.so.3.1.4")], FILES)
    assert placed[1].place == "pkg/sub/lib.so"
    assert placed[1].text == "../libfoo.so.3.1.4"
    assert placed[0].is_dir and placed[0].text == "../pkg/sub"


@pytest.mark.parametrize(
    ("links", "reason"),
    [
        ([Link("pkg/sub/up", "pkg")], "outside every package"),
        ([Link("pkg/sub/up", "pkg/sub")], "cyclic"),
        ([Link("other/s", "pkg/sub"), Link("pkg/sub/o", "other")], "outside every package"),
        ([Link("other/s", "pkg/sub"), Link("pkg/sub/back", "other/s")], "cyclic"),
        ([Link("other/s", "pkg/sub"), Link("other/s/mod.py", "other/x.py")], "also a file"),
        ([Link("pkg/new/x", "pkg/sub/mod.py")], "not a folder of the wheel"),
        ([Link("pkg/f", "pkg/sub/mod.py"), Link("pkg/f/x", "pkg/sub/mod.py")],
         "not a folder of the wheel"),
        ([Link("other/s", "pkg/sub"), Link("pkg/sub/x", "pkg/sub/mod.py"),
          Link("other/s/x", "pkg/sub/mod.py")], "listed twice"),
        ([Link("pkg/" + "x" * 300, "pkg/sub/mod.py")], "longer than 255"),
    ],
)
def test_refused_on_the_resolved_layout(links: list[Link], reason: str) -> None:
    with pytest.raises(InvalidLinks, match=reason):
        validate_links(links, FILES)


def test_folder_links_in_a_ring_are_cyclic() -> None:
    files = [*FILES, "pkg/q/keep.txt"]
    with pytest.raises(InvalidLinks, match="cyclic"):
        validate_links([Link("pkg/sub/a", "pkg/q"), Link("pkg/q/b", "pkg/sub")], files)


def test_data_files_of_the_root_scheme_occupy_their_place() -> None:
    from wheelnext.links import root_layout

    files, occupied = root_layout([*FILES, "pkg-1.0.data/purelib/pkg/extra.py"], "pkg-1.0.data")
    assert "pkg/extra.py" in occupied and "pkg-1.0.data/scripts/tool" not in files
    with pytest.raises(InvalidLinks, match="also a file"):
        validate_links([Link("pkg/extra.py", "pkg/sub/mod.py")], files, occupied=occupied)
