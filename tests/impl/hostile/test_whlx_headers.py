"""Tar headers inside a ``.whlx`` payload cannot make the reader allocate what they declare.

``tarfile`` allocates the size a PAX header or GNU long name declares before reading it: a
17 KB ``.whlx`` cost 0.8 GB. Each case here swaps the payload chunk of a good solid ``.whlx``
for one with a hostile header in front of the real file, and checks that installing is refused
in one short line, that memory stays far below the declared size, that ``wheel check`` reports
it and that nothing is written.
"""

from __future__ import annotations

import io
import sys
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.witness import Witness

from wheelnext.errors import WheelnextError
from wheelnext.install.scheme import scheme_for_target
from wheelnext.install.wheelfile import install_wheel
from wheelnext.wheel2.check import check_wheel
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel
from wheelnext.wheel2.layout import Layout, chunk_name

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

FILES = {"demo/__init__.py": b"X = 1\n"}
DECLARED = 64 << 20
#: Far below DECLARED: what reading one header may cost at most.
PEAK = 16 << 20


def header(name: str, kind: bytes, size: int, **fields: object) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    for key, value in fields.items():
        setattr(info, key, value)
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def pad(size: int) -> bytes:
    return b"\0" * (-size % 512)


def real_member(name: str = "demo/__init__.py") -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(FILES["demo/__init__.py"])
        tar.addfile(info, io.BytesIO(FILES["demo/__init__.py"]))
    return raw.getvalue()


def repeated(byte: bytes, size: int) -> Iterator[bytes]:
    block = byte * (1 << 20)
    while size > 0:
        yield block[:size]
        size -= len(block)


def pax_comment(size: int) -> Iterator[bytes]:
    """A valid PAX header block whose one record (``comment``) is *size* bytes long."""
    value = size - len(" comment=\n") - len(str(size))
    yield header("././@PaxHeader", tarfile.XHDTYPE, size)
    yield f"{size} comment=".encode()
    yield from repeated(b"a", value)
    yield b"\n" + pad(size)
    yield real_member()


def gnu_long_name(size: int) -> Iterator[bytes]:
    yield header("././@LongLink", tarfile.GNUTYPE_LONGNAME, size)
    yield from repeated(b"a", size - 1)
    yield b"\0" + pad(size)
    yield real_member("placeholder")


def sparse_member() -> Iterator[bytes]:
    yield header("demo/__init__.py", tarfile.GNUTYPE_SPARSE, 6)
    yield b"X = 1\n" + pad(6)
    yield b"\0" * 1024


def pax_sparse_10() -> Iterator[bytes]:
    record = b"22 GNU.sparse.major=1\n22 GNU.sparse.minor=0\n"
    yield header("././@PaxHeader", tarfile.XHDTYPE, len(record))
    yield record + pad(len(record))
    yield header("demo/__init__.py", tarfile.REGTYPE, 512)
    yield b"99999999999\n" + b"\0" * 500


CASES: dict[str, Callable[[], Iterator[bytes]]] = {
    "pax-header-64mb": lambda: pax_comment(DECLARED),
    "gnu-long-name-64mb": lambda: gnu_long_name(DECLARED),
    "gnu-long-name-5000": lambda: gnu_long_name(5000),
    "gnu-sparse-member": sparse_member,
    "pax-sparse-1.0-map": pax_sparse_10,
}


def compressed(parts: Iterator[bytes]) -> bytes:
    compressor = zstd.ZstdCompressor()
    out = [compressor.compress(part) for part in parts]
    out.append(compressor.compress(b"\0" * 1024))
    out.append(compressor.flush())
    return b"".join(out)


def hostile_whlx(folder: Path, chunk: bytes) -> Path:
    """A good solid ``.whlx`` whose payload chunk is replaced by *chunk*."""
    good = forge_wheel(folder, WheelRecipe(files=dict(FILES), wheel_version="2.0",
                                           layout=Layout.SOLID))
    name = chunk_name("demo-1.0.dist-info", 0)
    out = folder / "hostile" / good.name
    out.parent.mkdir()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, chunk if info.filename == name else source.read(info))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_tar_header_is_refused_cheaply(
        case: str, tmp_path: Path, witness: Callable[..., Witness]) -> None:
    wheel = hostile_whlx(tmp_path, compressed(CASES[case]()))
    assert wheel.stat().st_size < 1 << 20
    target = tmp_path / "sandbox" / "env"
    target.mkdir(parents=True)
    seen = witness(f"whlx-{case}", target.parent)
    tracemalloc.start()
    try:
        with seen, pytest.raises(WheelnextError) as caught:
            install_wheel(wheel, scheme_for_target(target), compile_bytecode=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and 0 < len(message) < 600, message[:2000]
    assert peak < PEAK, f"{peak} bytes allocated"
    seen.assert_untouched()
    problems = check_wheel(wheel)
    assert problems and all(len(p) < 600 for p in problems), [p[:200] for p in problems]


def test_control_the_unmodified_chunk_installs(tmp_path: Path) -> None:
    """The same swap with a plain tar installs: every refusal above is the header's doing."""
    wheel = hostile_whlx(tmp_path, compressed(iter([real_member()])))
    install_wheel(wheel, scheme_for_target(tmp_path / "env"), compile_bytecode=False)
    assert (tmp_path / "env" / "demo" / "__init__.py").read_bytes() == FILES["demo/__init__.py"]
    assert check_wheel(wheel) == []


def test_long_zip_member_name_gives_a_short_line(
        tmp_path: Path, witness: Callable[..., Witness]) -> None:
    """A ZIP name may be 64 KiB: the refusal names it in a line of sane length."""
    good = forge_wheel(tmp_path, WheelRecipe(files=dict(FILES), wheel_version="2.0"))
    with zipfile.ZipFile(good, "a") as archive:
        archive.writestr("demo/" + "a" * 60000 + "/x.py", b"")
    target = tmp_path / "sandbox" / "env"
    target.mkdir(parents=True)
    seen = witness("zip-long-name", target.parent)
    with seen, pytest.raises(WheelnextError) as caught:
        install_wheel(good, scheme_for_target(target), compile_bytecode=False)
    assert len(str(caught.value)) < 600
    seen.assert_untouched()
