"""Forge wheels, well-formed or deliberately broken, for tests and conformance scenarios.

The builder makes correct wheels; this makes the ones no correct tool would: members named
``../x`` or ``C:/x``, duplicate members, ``RECORD`` lies, disagreeing ``Wheel-Version``
values, hostile ``LINKS`` rows, solid payloads whose tar headers lie. Written by hand on
``zipfile`` and ``tarfile`` because refusing such input is the point of every library.
"""

from __future__ import annotations

import io
import sys
import tarfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wheelnext.wheel2.digest import record_hash
from wheelnext.wheel2.layout import Layout, chunk_name
from wheelnext.wheel2.writer import ZIP_EPOCH, format_record

if sys.version_info >= (3, 14):
    import zipfile

    from compression import zstd
else:
    from backports import zstd
    from backports.zstd import zipfile

#: Sentinel: write the same value as ``WHEEL``.
SAME = "same"


@dataclass
class WheelRecipe:
    """What to put in a forged wheel; every field has a sane default."""

    name: str = "demo"
    version: str = "1.0"
    tag: str = "py3-none-any"
    files: dict[str, bytes] = field(default_factory=lambda: {"demo/__init__.py": b"X = 1\n"})
    wheel_version: str = "1.0"
    #: ``SAME``, a different value, or ``None`` to leave ``METADATA`` without the field.
    metadata_wheel_version: str | None = SAME
    extension: str | None = None
    links: Sequence[tuple[str, str]] | None = None
    layout: Layout = Layout.MEMBER
    root_is_purelib: bool = True
    entry_points: str | None = None
    #: Files whose archived bytes differ from what ``RECORD`` says (tampering).
    tamper: dict[str, bytes] = field(default_factory=dict)
    #: Extra raw ZIP members (name, data), written as they are, not in ``RECORD``.
    extra_members: list[tuple[str, bytes]] = field(default_factory=list)
    #: Replace ``RECORD`` entirely (``None``: generated).
    record: str | None = None
    #: Leave these paths out of ``RECORD``.
    unrecorded: set[str] = field(default_factory=set)
    #: Solid layouts: tar header sizes to lie about (path -> claimed size).
    tar_size_lies: dict[str, int] = field(default_factory=dict)
    #: Per-member layout: central-directory sizes to lie about (path -> claimed size).
    zip_size_lies: dict[str, int] = field(default_factory=dict)
    executable: set[str] = field(default_factory=set)

    @property
    def dist_info(self) -> str:
        return f"{self.name}-{self.version}.dist-info"

    @property
    def filename(self) -> str:
        major = int(self.wheel_version.split(".")[0]) if self.wheel_version[:1].isdigit() else 1
        extension = self.extension or (".whlx" if major >= 2 else ".whl")
        return f"{self.name}-{self.version}-{self.tag}{extension}"


def _metadata(recipe: WheelRecipe) -> bytes:
    lines = ["Metadata-Version: 2.4", f"Name: {recipe.name}", f"Version: {recipe.version}"]
    value = recipe.wheel_version if recipe.metadata_wheel_version == SAME else (
        recipe.metadata_wheel_version)
    if value is not None:
        lines.insert(1, f"Wheel-Version: {value}")
    return ("\n".join(lines) + "\n\n").encode()


def _wheel(recipe: WheelRecipe) -> bytes:
    lines = [f"Wheel-Version: {recipe.wheel_version}", "Generator: wheelnext-forge",
             f"Root-Is-Purelib: {'true' if recipe.root_is_purelib else 'false'}",
             f"Tag: {recipe.tag}"]
    if recipe.layout is not Layout.MEMBER:
        lines.append(f"Payload-Layout: {recipe.layout.value}")
    return ("\n".join(lines) + "\n").encode()


def _info(name: str, method: int, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = method
    return info


def _tar_zst(recipe: WheelRecipe, payload: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in payload.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o755 if path in recipe.executable else 0o644
            tar.addfile(info, io.BytesIO(data))
    data = raw.getvalue()
    for path, claimed in recipe.tar_size_lies.items():
        data = _patch_tar_size(data, path, claimed)
    return zstd.compress(data)


def _patch_tar_size(data: bytes, path: str, claimed: int) -> bytes:
    """Rewrite the ustar size field of *path*'s header (and its checksum)."""
    position = data.find(path.encode()[:100].ljust(100, b"\0"))
    if position < 0:
        return data
    header = bytearray(data[position : position + 512])
    header[124:136] = f"{claimed:011o}\0".encode()
    header[148:156] = b" " * 8
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    return data[:position] + bytes(header) + data[position + 512 :]


def forge_wheel(out_dir: str | Path, recipe: WheelRecipe | None = None) -> Path:
    """Write the wheel *recipe* describes into *out_dir*; return its path."""
    recipe = recipe or WheelRecipe()
    out = Path(out_dir) / recipe.filename
    dist = recipe.dist_info
    meta = {f"{dist}/METADATA": _metadata(recipe), f"{dist}/WHEEL": _wheel(recipe)}
    if recipe.links is not None:
        meta[f"{dist}/LINKS"] = "".join(f"{a},{b}\n" for a, b in recipe.links).encode()
    if recipe.entry_points is not None:
        meta[f"{dist}/entry_points.txt"] = recipe.entry_points.encode()
    rows = [
        (path, record_hash(data), str(len(data)))
        for path, data in [*recipe.files.items(), *meta.items()]
        if path not in recipe.unrecorded
    ]
    rows.append((f"{dist}/RECORD", "", ""))
    record = recipe.record if recipe.record is not None else format_record(rows)
    payload = {path: recipe.tamper.get(path, data) for path, data in recipe.files.items()}
    wheel2 = out.suffix == ".whlx"
    method = zipfile.ZIP_ZSTANDARD if wheel2 else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w") as archive:
        if recipe.layout is Layout.MEMBER:
            for path, data in payload.items():
                archive.writestr(_info(path, method, path in recipe.executable), data)
        else:
            archive.writestr(_info(chunk_name(dist, 0), zipfile.ZIP_STORED),
                             _tar_zst(recipe, payload))
        with warnings.catch_warnings():  # duplicates are the point of some recipes
            warnings.simplefilter("ignore", UserWarning)
            for name, data in recipe.extra_members:
                archive.writestr(_info(name, method), data)
        for path, data in meta.items():
            archive.writestr(_info(path, zipfile.ZIP_STORED), data)
        archive.writestr(_info(f"{dist}/RECORD", zipfile.ZIP_STORED), record)
        for info in archive.infolist():
            if info.filename in recipe.zip_size_lies:
                info.file_size = recipe.zip_size_lies[info.filename]
    return out
