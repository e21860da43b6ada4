"""Read the dynamic section of an ELF shared object (extension: no PEP covers native libraries).

Only two facts matter for sharing libraries between wheels: the object's own name for the
dynamic loader (``DT_SONAME``) and the names it asks for (``DT_NEEDED``). The reading is
pyelftools'; this module turns its many failure modes on a damaged or hostile file into
:class:`NotElf`, so a scan of a whole environment goes on past one bad file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

#: Every ELF file starts with these four bytes (System V ABI, "ELF Identification").
ELF_MAGIC = b"\x7fELF"
#: A dynamic section with more entries than this is refused rather than walked.
MAX_DYNAMIC_TAGS = 100_000


class NotElf(ValueError):
    """The file is not an ELF shared object this reader can read."""


@dataclass(frozen=True)
class DynamicInfo:
    """What the dynamic loader knows a shared object by, and what it needs."""

    soname: str | None
    needed: tuple[str, ...]


def is_elf(path: str | os.PathLike[str]) -> bool:
    """Whether *path* is a regular file starting with the ELF magic."""
    try:
        with open(path, "rb") as stream:
            return stream.read(4) == ELF_MAGIC
    except OSError:
        return False


def read_dynamic(stream: BinaryIO) -> DynamicInfo:
    """``DT_SONAME`` and ``DT_NEEDED`` of the ELF object in *stream* (seekable)."""
    if stream.read(4) != ELF_MAGIC:
        raise NotElf("not an ELF file")
    stream.seek(0)
    try:
        elf = ELFFile(stream)
        section = elf.get_section_by_name(".dynamic")
        if not isinstance(section, DynamicSection):
            return DynamicInfo(None, ())
        soname: str | None = None
        needed: list[str] = []
        # pyelftools adds the resolved string as an attribute named after the tag.
        tags = cast(Any, section.iter_tags())
        for count, tag in enumerate(tags):
            if count >= MAX_DYNAMIC_TAGS:
                raise NotElf(f"more than {MAX_DYNAMIC_TAGS} dynamic entries")
            if tag.entry.d_tag == "DT_SONAME":
                soname = str(tag.soname)
            elif tag.entry.d_tag == "DT_NEEDED":
                needed.append(str(tag.needed))
            elif tag.entry.d_tag == "DT_NULL":
                break
        return DynamicInfo(soname, tuple(needed))
    except NotElf:
        raise
    except (ELFError, ValueError, KeyError, IndexError, OverflowError, UnicodeError,
            EOFError, AttributeError, TypeError, AssertionError) as exc:
        # pyelftools reports a damaged file through whichever of these its parser hits.
        raise NotElf(f"damaged ELF file ({type(exc).__name__})") from None


def read_dynamic_file(path: str | os.PathLike[str]) -> DynamicInfo:
    """:func:`read_dynamic` of the file at *path*; :class:`NotElf` also for an unreadable one."""
    try:
        with open(path, "rb") as stream:
            return read_dynamic(stream)
    except OSError as exc:
        raise NotElf(f"cannot read ({exc.strerror})") from None
