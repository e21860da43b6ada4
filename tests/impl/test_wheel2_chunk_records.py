"""Chunk records: the payload's ``RECORD`` rows beside each chunk, ``RECORD`` listing the
payload members (extension; see ``docs/spec-notes/wheel2-payload-layout.rst``).

Each tampering below must be refused by ``wheel check`` and ``wheel install`` alike, with one
line and nothing installed: the chain from ``RECORD`` to each installed file's hash goes
through the chunk record's own hash, and a break anywhere in it is a defect.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.hostile_wheels import assert_one_line_error, check_cli, install_cli

from wheelnext.convert import convert_wheel
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout
from wheelnext.wheel2.source import WheelArchive

if sys.version_info >= (3, 14):
    import zipfile

    from compression import zstd
else:
    from backports import zstd
    from backports.zstd import zipfile

FILES = {f"demo/m{i:02d}.py": f"VALUE = {i}\n".encode() * 40 for i in range(12)}
DIST = "demo-1.0.dist-info"
PAYLOAD = "demo-1.0.payload"

Members = dict[str, tuple[bytes, int]]


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def _rows(data: bytes) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(data.decode())) if row]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def whlx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A chunked ``.whlx`` of three chunks, as ``wheel convert`` writes it."""
    from wheelnext.wheel2 import writer

    original = writer.write_whlx

    def small_chunks(*args: object, **kwargs: object) -> Path:
        kwargs["chunk_bytes"] = 2000
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("wheelnext.convert.write_whlx", small_chunks)
    (tmp_path / "src").mkdir()
    wheel = forge_wheel(tmp_path / "src", WheelRecipe(files=dict(FILES)))
    return convert_wheel(wheel, tmp_path / "out", layout=Layout.CHUNKED, level=3).output


def _read(path: Path) -> Members:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (archive.read(info), info.compress_type)
                for info in archive.infolist()}


def _write(path: Path, members: Members) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, method) in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, data)


def _edit_record(members: Members, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    data, method = members[f"{DIST}/RECORD"]
    members[f"{DIST}/RECORD"] = (_csv(edit(_rows(data))), method)


def _set_member(members: Members, name: str, data: bytes, *, rehash: bool) -> None:
    """Replace *name*'s bytes; with *rehash*, ``RECORD`` follows (size always does)."""
    members[name] = (data, members[name][1])

    def edit(rows: list[list[str]]) -> list[list[str]]:
        return [[n, _hash(data) if rehash else h, str(len(data))] if n == name else [n, h, s]
                for n, h, s in rows]

    _edit_record(members, edit)


def test_record_lists_the_members_and_chunk_records_the_files(whlx: Path) -> None:
    members = _read(whlx)
    outer = _rows(members[f"{DIST}/RECORD"][0])
    assert sorted(row[0] for row in outer) == sorted(members)
    chunks = sorted(n for n in members if n.endswith(".tar.zst"))
    assert len(chunks) == 3
    listed: list[str] = []
    for number in range(len(chunks)):
        data, method = members[f"{PAYLOAD}/{number:03d}.RECORD"]
        assert method == zipfile.ZIP_ZSTANDARD
        listed += [row[0] for row in _rows(data)]
    assert sorted(listed) == sorted(FILES)
    assert f"{PAYLOAD}/INDEX" not in members
    with WheelArchive.open(whlx) as archive:
        assert archive.has_chunk_records
        assert archive.read_file("demo/m11.py") == FILES["demo/m11.py"]
        assert {p for p in archive.payload_paths if p.startswith("demo/")} == set(FILES)


def test_a_chunked_whlx_installs_and_checks(whlx: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert check_cli(whlx, capsys)[0] == 0
    code, err = install_cli(whlx, tmp_path / "env", capsys)
    assert code == 0, err
    installed = next((tmp_path / "env").rglob("demo-1.0.dist-info/RECORD"))
    paths = {row[0] for row in _rows(installed.read_bytes())}
    assert set(FILES) <= paths
    assert not any(".payload" in path for path in paths)
    site = installed.parent.parent
    assert (site / "demo/m03.py").read_bytes() == FILES["demo/m03.py"]


def _file_hash_lie(members: Members) -> None:
    name = f"{PAYLOAD}/000.RECORD"
    rows = _rows(members[name][0])
    rows[0][1] = _hash(b"something else")
    _set_member(members, name, _csv(rows), rehash=True)


def _chunk_record_hash_lie(members: Members) -> None:
    name = f"{PAYLOAD}/000.RECORD"
    rows = _rows(members[name][0])
    rows[0][1] = _hash(b"something else")
    _set_member(members, name, _csv(rows), rehash=False)


def _chunk_hash_lie(members: Members) -> None:
    # A skippable frame leaves every file as it was: only the chunk's own hash tells.
    name = f"{PAYLOAD}/001.tar.zst"
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"junk"
    _set_member(members, name, members[name][0] + skippable, rehash=False)


def _file_back_in_record(members: Members) -> None:
    rows = _rows(members[f"{PAYLOAD}/000.RECORD"][0])
    _edit_record(members, lambda outer: [rows[0], *outer])


def _dist_info_in_chunk_record(members: Members) -> None:
    name = f"{PAYLOAD}/000.RECORD"
    rows = _rows(members[name][0])
    metadata = members[f"{DIST}/METADATA"][0]
    rows.append([f"{DIST}/METADATA", _hash(metadata), str(len(metadata))])
    _set_member(members, name, _csv(rows), rehash=True)


def _chunk_record_missing(members: Members) -> None:
    del members[f"{PAYLOAD}/001.RECORD"]
    _edit_record(members, lambda rows: [r for r in rows if r[0] != f"{PAYLOAD}/001.RECORD"])


def _legacy_index_beside(members: Members) -> None:
    index = b"".join(f"0 {path}\n".encode() for path in FILES)
    members[f"{PAYLOAD}/INDEX"] = (index, zipfile.ZIP_ZSTANDARD)
    _edit_record(members, lambda rows: [[f"{PAYLOAD}/INDEX", _hash(index), str(len(index))],
                                        *rows])


def _chunk_unhashed(members: Members) -> None:
    _edit_record(members, lambda rows: [[n, "" if n.endswith("000.tar.zst") else h, s]
                                        for n, h, s in rows])


def _chunk_record_weak_hash(members: Members) -> None:
    name = f"{PAYLOAD}/000.RECORD"
    digest = base64.urlsafe_b64encode(hashlib.md5(members[name][0]).digest()).rstrip(b"=")
    _edit_record(members, lambda rows: [[n, f"md5={digest.decode()}" if n == name else h, s]
                                        for n, h, s in rows])


def _file_in_two_chunk_records(members: Members) -> None:
    first = _rows(members[f"{PAYLOAD}/000.RECORD"][0])[0]
    name = f"{PAYLOAD}/002.RECORD"
    _set_member(members, name, _csv([*_rows(members[name][0]), first]), rehash=True)


def _rows_swapped_between_chunks(members: Members) -> None:
    first, last = f"{PAYLOAD}/000.RECORD", f"{PAYLOAD}/002.RECORD"
    head, *rest = _rows(members[first][0])
    _set_member(members, first, _csv(rest), rehash=True)
    _set_member(members, last, _csv([*_rows(members[last][0]), head]), rehash=True)


TAMPER: dict[str, tuple[Callable[[Members], None], str]] = {
    "file-hash-lie": (_file_hash_lie, "'demo/m00.py' does not match its RECORD"),
    "chunk-record-hash-lie": (_chunk_record_hash_lie, "000.RECORD' does not match"),
    "chunk-hash-lie": (_chunk_hash_lie, "001.tar.zst' does not match its RECORD hash"),
    "file-back-in-record": (_file_back_in_record, "belongs in its chunk record"),
    "dist-info-in-chunk-record": (_dist_info_in_chunk_record, "which is no payload file"),
    "chunk-record-missing": (_chunk_record_missing, "chunk 001 has no"),
    "legacy-index-beside": (_legacy_index_beside, "are not 000.tar.zst"),
    "chunk-unhashed": (_chunk_unhashed, "RECORD has no hash or size"),
    "chunk-record-weak-hash": (_chunk_record_weak_hash, "'md5' is not allowed"),
    "file-in-two-chunk-records": (_file_in_two_chunk_records, "twice"),
    "rows-swapped-between-chunks": (_rows_swapped_between_chunks,
                                    "is listed in the record of chunk 002"),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_a_broken_chain_is_refused(case: str, whlx: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    tamper, message = TAMPER[case]
    members = _read(whlx)
    tamper(members)
    broken = tmp_path / whlx.name
    _write(broken, members)
    code, out = check_cli(broken, capsys)
    assert code == 1 and message in out, out
    env = tmp_path / "env"
    code, err = install_cli(broken, env, capsys)
    assert_one_line_error(code, err)
    assert message in err, err
    assert not any(path.is_file() for path in env.rglob("*")) if env.exists() else True


def test_the_untampered_copy_passes(whlx: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The rewrite the tampering tests use changes nothing by itself."""
    copy = tmp_path / whlx.name
    _write(copy, _read(whlx))
    assert check_cli(copy, capsys)[0] == 0
    with WheelArchive.open(copy) as archive:
        assert zstd.decompress(_read(copy)[f"{PAYLOAD}/000.tar.zst"][0])
        assert archive.read_file("demo/m00.py") == FILES["demo/m00.py"]
