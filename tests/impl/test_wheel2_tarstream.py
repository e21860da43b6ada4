"""The payload tar reader: what ``tarfile`` writes reads back byte for byte; the rest is refused.

Every accepted case is checked against ``tarfile``'s own reading of the same bytes, so the
hand-written reader cannot drift from the format it claims to read.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.install.writers import FileWriters
from wheelnext.wheel2.tarstream import BLOCK, CorruptPayload, Frames, tar_members

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

MAX_HEADER = 64 * 1024
MAX_NAME = 4096


def tar_bytes(files: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT,
              modes: dict[str, int] | None = None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = (modes or {}).get(name, 0o644)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def frames_of(data: bytes, cuts: int = 1, skippable: bool = False) -> bytes:
    """*data* as *cuts* independent zstd frames (one cut per equal part), then maybe a
    skippable frame, as the Zstandard format allows."""
    step = max(1, -(-len(data) // cuts))
    out = b"".join(zstd.compress(data[i:i + step]) for i in range(0, len(data), step))
    if skippable:
        out += (0x184D2A5E).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"seek!"
    return out


def read_all(stream: bytes, label: str = "w.whlx: 000.tar.zst") -> dict[str, tuple[bytes, bool]]:
    found: dict[str, tuple[bytes, bool]] = {}
    frames = Frames(io.BytesIO(stream), label)
    for name, size, executable, reader in tar_members(frames, label, max_header=MAX_HEADER,
                                                      max_name=MAX_NAME):
        data = reader.read()
        assert len(data) == size
        found[name] = (data, executable)
    return found


def by_tarfile(data: bytes) -> dict[str, tuple[bytes, bool]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: (tar.extractfile(m).read(), bool(m.mode & 0o111))  # type: ignore[union-attr]
                for m in tar if m.isreg()}


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT])
def test_reads_what_tarfile_writes(fmt: int) -> None:
    files = {
        "pkg/__init__.py": b"X = 1\n",
        "pkg/" + "deep/" * 30 + "long.py": b"long path: ustar prefix or pax path\n",
        "pkg/empty.txt": b"",
        "pkg/data.bin": bytes(range(256)) * 40,
    }
    if fmt == tarfile.PAX_FORMAT:
        files["pkg/" + "x" * 300 + ".py"] = b"pax path record\n"
        files["pkg/\u00e9t\u00e9.py"] = b"utf-8 name in a pax record\n"
    if fmt == tarfile.GNU_FORMAT:  # GNU long names are refused; keep names ustar-sized
        files = {name: data for name, data in files.items() if len(name) < 100}
    data = tar_bytes(files, fmt, modes={"pkg/data.bin": 0o755})
    assert read_all(frames_of(data)) == by_tarfile(data)
    assert read_all(frames_of(data))["pkg/data.bin"][1] is True


@pytest.mark.parametrize("cuts", [2, 7, 1000])
def test_several_frames_and_a_skippable_frame_read_as_one_stream(cuts: int) -> None:
    files = {f"pkg/m{i}.py": f"N = {i}\n".encode() * (i + 1) for i in range(60)}
    data = tar_bytes(files)
    assert read_all(frames_of(data, cuts=cuts, skippable=True)) == by_tarfile(data)


def test_a_file_larger_than_one_block_spans_blocks() -> None:
    big = (b"0123456789abcdef" * (BLOCK // 16)) + b"tail" * 1000
    data = tar_bytes({"pkg/big.so": big, "pkg/after.py": b"A = 1\n"})
    found = read_all(frames_of(data, cuts=3))
    assert found["pkg/big.so"][0] == big and found["pkg/after.py"][0] == b"A = 1\n"


@given(st.dictionaries(
    st.from_regex(r"[a-z]{1,12}(/[a-z0-9_]{1,12}){0,4}\.py", fullmatch=True),
    st.binary(max_size=3000), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_any_small_archive_reads_like_tarfile(files: dict[str, bytes]) -> None:
    data = tar_bytes(files)
    assert read_all(frames_of(data, cuts=3)) == by_tarfile(data)


def header(name: str, kind: bytes, size: int = 0) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


@pytest.mark.parametrize(("kind", "words"), [
    (tarfile.DIRTYPE, "a folder"), (tarfile.SYMTYPE, "a symbolic link"),
    (tarfile.LNKTYPE, "a hard link"), (tarfile.FIFOTYPE, "a FIFO"),
    (tarfile.CHRTYPE, "a character device"), (tarfile.XGLTYPE, "a global pax header"),
])
def test_anything_but_a_regular_file_is_refused(kind: bytes, words: str) -> None:
    stream = frames_of(header("pkg/thing", kind) + b"\0" * 1024)
    with pytest.raises(CorruptPayload, match=words):
        read_all(stream)


def test_bad_checksum_truncation_and_garbage_are_one_line_refusals() -> None:
    good = tar_bytes({"pkg/a.py": b"A = 1\n" * 100})
    broken = bytearray(good)
    broken[10] ^= 0x55  # a byte of the name: the checksum no longer holds
    cases = {
        "bad checksum": frames_of(bytes(broken)),
        "truncated Zstandard frame": frames_of(good)[:-7],
        "Zstandard": b"not zstd at all" * 10,
    }
    for words, stream in cases.items():
        with pytest.raises(CorruptPayload) as caught:
            read_all(stream)
        assert words.split()[0] in str(caught.value).lower() or "corrupt" in str(caught.value)
        assert "\n" not in str(caught.value)


def test_a_pax_header_over_the_limit_is_refused_before_it_is_read() -> None:
    body = b"%d comment=" % (MAX_HEADER + 100) + b"a" * (MAX_HEADER + 80)
    stream = frames_of(header("././@PaxHeader", tarfile.XHDTYPE, len(body)) + body)
    with pytest.raises(CorruptPayload, match="pax header of"):
        read_all(stream)


def test_unread_bytes_of_a_member_are_skipped() -> None:
    data = tar_bytes({"a.bin": b"x" * 5000, "b.py": b"B = 2\n"})
    frames = Frames(io.BytesIO(frames_of(data)), "w")
    seen = []
    for name, _, _, reader in tar_members(frames, "w", max_header=MAX_HEADER, max_name=MAX_NAME):
        seen.append((name, reader.read(10)))
    assert seen == [("a.bin", b"x" * 10), ("b.py", b"B = 2\n")]


def test_zip_bomb_output_is_produced_one_block_at_a_time() -> None:
    bomb = zstd.compress(b"\0" * (64 * BLOCK))
    frames = Frames(io.BytesIO(bomb), "w")
    assert len(frames.take(10 * BLOCK)) == BLOCK


def test_file_writers_raise_the_first_error_and_write_the_rest(tmp_path: Path) -> None:
    written: list[str] = []

    def write(path: str, data: bytes, executable: bool) -> None:
        if path == "bad":
            raise ValueError("refused bad")
        (tmp_path / path).write_bytes(data)
        written.append(path)

    writers = FileWriters(write, threads=3)
    for number in range(200):
        writers.submit(f"f{number}", b"z" * number, False)
    writers.finish()
    assert sorted(written) == sorted(f"f{n}" for n in range(200))
    assert (tmp_path / "f150").read_bytes() == b"z" * 150

    failing = FileWriters(write)
    failing.submit("bad", b"", False)
    with pytest.raises(ValueError, match="refused bad"):
        failing.finish()
