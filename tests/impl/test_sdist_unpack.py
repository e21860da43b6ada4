"""Unpacking an sdist on a Python without tarfile extraction filters (3.11 before 3.11.4, as
Debian 12's python3 in the docker runner's images): the published matrix's docker column
found ``extractall(filter="data")`` raising TypeError there."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from wheelnext.install import sdist


def _sdist(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.fixture(params=[True, False], ids=["with-filters", "without-filters"])
def filters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if not request.param:
        # Python 3.11.2's tarfile: no filters, and extractall without a filter argument.
        extract = tarfile.TarFile.extractall

        def unfiltered(self: tarfile.TarFile, path: str | Path = ".",
                       members: list[tarfile.TarInfo] | None = None, *,
                       numeric_owner: bool = False) -> None:
            extract(self, path, members, numeric_owner=numeric_owner, filter="fully_trusted")

        monkeypatch.delattr(tarfile, "data_filter")
        monkeypatch.setattr(tarfile.TarFile, "extractall", unfiltered)
    return bool(request.param)


def test_a_plain_sdist_unpacks(tmp_path: Path, filters: bool) -> None:
    archive = _sdist(tmp_path / "a-1.tar.gz", [_file("a-1/PKG-INFO", b"Name: a"),
                                               _file("a-1/a/__init__.py", b"")])
    root = sdist._unpack(archive, tmp_path / "out")
    assert root.name == "a-1" and (root / "PKG-INFO").read_bytes() == b"Name: a"


@pytest.mark.parametrize("member", ["../escape", "/abs/path", "a-1/link"])
def test_a_member_outside_or_a_link_is_refused(tmp_path: Path, filters: bool,
                                                member: str) -> None:
    if member == "a-1/link":
        info = tarfile.TarInfo(member)
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        entry: tuple[tarfile.TarInfo, bytes | None] = (info, None)
    else:
        entry = _file(member)
    archive = _sdist(tmp_path / "a-1.tar.gz", [_file("a-1/PKG-INFO"), entry])
    with pytest.raises((sdist.BuildFailed, tarfile.TarError)):
        sdist._unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "out" / "a-1" / "link").is_symlink()
