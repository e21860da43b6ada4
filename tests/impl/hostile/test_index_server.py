"""A hostile index root: the server publishes nothing from outside it and keeps answering.

``FILE.yanked`` sidecars get the containment rule of distribution files (regular files inside
the root after resolving), are opened without blocking and read with a cap; a wheel whose
``METADATA`` cannot be inflated is left off its page (logged) instead of failing the page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from _support.witness import Witness

from wheelnext.index.server import IndexServer, serve_in_process
from wheelnext.install.finder import JSON_TYPE
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel

WHEEL = "demo-1.0-py3-none-any.whl"
#: Generous: a blocked event loop never answers; a healthy one answers in milliseconds.
TIMEOUT = 60.0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    forge_wheel(folder, WheelRecipe())
    forge_wheel(folder, WheelRecipe(version="2.0"))
    return folder


@contextlib.contextmanager
def serving(root: Path) -> Iterator[tuple[IndexServer, httpx.Client]]:
    with serve_in_process(root) as server, httpx.Client(timeout=TIMEOUT) as client:
        yield server, client


def page(server: IndexServer, client: httpx.Client) -> httpx.Response:
    return client.get(server.index_url() + "demo/", headers={"Accept": JSON_TYPE})


def listed(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text[:500]
    return {entry["filename"]: entry.get("yanked", False) for entry in response.json()["files"]}


def test_sidecar_linked_outside_the_root_is_not_published(
        root: Path, tmp_path: Path, witness: Callable[..., Witness]) -> None:
    seen = witness("yank-outside", root)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{seen.token} private\n")
    (root / f"{WHEEL}.yanked").symlink_to(secret)
    with seen, serving(root) as (server, client):
        response = page(server, client)
        html = client.get(server.index_url() + "demo/").text
    assert seen.token not in response.text and seen.token not in html
    assert listed(response)[WHEEL] is True
    seen.assert_untouched()


def test_sidecar_linked_to_etc_passwd_is_not_published(root: Path) -> None:
    (root / f"{WHEEL}.yanked").symlink_to("/etc/passwd")
    with serving(root) as (server, client):
        response = page(server, client)
    assert "root:" not in response.text
    assert listed(response)[WHEEL] is True


def test_fifo_sidecar_does_not_block_the_server(root: Path) -> None:
    fifo = root / f"{WHEEL}.yanked"
    os.mkfifo(fifo)
    try:
        with serving(root) as (server, client):
            first = page(server, client)
            second = client.get(server.index_url())
        assert listed(first)[WHEEL] is True
        assert second.status_code == 200
    finally:
        # Should a reader be stuck on the FIFO (the old behaviour), release it.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_sidecar_linked_to_dev_zero_is_not_read(root: Path) -> None:
    (root / f"{WHEEL}.yanked").symlink_to("/dev/zero")
    with serving(root) as (server, client):
        assert listed(page(server, client))[WHEEL] is True


def test_sidecar_that_is_a_folder_is_not_read(root: Path) -> None:
    (root / f"{WHEEL}.yanked").mkdir()
    with serving(root) as (server, client):
        assert listed(page(server, client))[WHEEL] is True


def test_huge_sidecar_reason_is_cut(root: Path, tmp_path: Path,
                                    witness: Callable[..., Witness]) -> None:
    seen = witness("yank-huge", root)
    (root / f"{WHEEL}.yanked").write_bytes(b"r" * (8 << 20) + seen.token.encode())
    with seen, serving(root) as (server, client):
        reason = listed(page(server, client))[WHEEL]
    assert isinstance(reason, str) and 0 < len(reason) <= 4096
    assert seen.token not in reason


def test_sidecar_linked_inside_the_root_is_read(root: Path) -> None:
    """Control: containment, not links as such, is the rule."""
    (root / "reason.txt").write_text("broken build\n")
    (root / f"{WHEEL}.yanked").symlink_to(root / "reason.txt")
    with serving(root) as (server, client):
        assert listed(page(server, client))[WHEEL] == "broken build"


def _corrupt_metadata(path: Path, *, method: int | None = None) -> None:
    """Overwrite the compressed bytes of *path*'s METADATA (or its compression method)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("demo-1.0.dist-info/METADATA")
        rows = [(i, archive.read(i)) for i in archive.infolist()]
    rebuilt = path.with_suffix(".tmp")
    with zipfile.ZipFile(rebuilt, "w") as archive:
        for item, data in rows:
            if item.filename == info.filename:
                item.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(item, data)
        offsets = {i.filename: i.header_offset for i in archive.infolist()}
    raw = bytearray(rebuilt.read_bytes())
    start = offsets[info.filename]
    name_length = int.from_bytes(raw[start + 26:start + 28], "little")
    extra_length = int.from_bytes(raw[start + 28:start + 30], "little")
    data_start = start + 30 + name_length + extra_length
    if method is None:
        raw[data_start:data_start + 8] = b"\xff" * 8
    else:
        raw[start + 8:start + 10] = method.to_bytes(2, "little")
        for position in _central_entries(raw, info.filename.encode()):
            raw[position + 10:position + 12] = method.to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    rebuilt.unlink()


def _central_entries(raw: bytearray, name: bytes) -> list[int]:
    found = []
    position = raw.find(b"PK\x01\x02")
    while position >= 0:
        length = int.from_bytes(raw[position + 28:position + 30], "little")
        if raw[position + 46:position + 46 + length] == name:
            found.append(position)
        position = raw.find(b"PK\x01\x02", position + 4)
    return found


@pytest.mark.parametrize("method", [None, 99], ids=["bad-deflate-data", "unknown-method"])
def test_wheel_with_unreadable_metadata_is_left_off_its_page(
        root: Path, method: int | None, caplog: pytest.LogCaptureFixture) -> None:
    _corrupt_metadata(root / WHEEL, method=method)
    with caplog.at_level(logging.WARNING, "wheelnext.index"), serving(root) as (server, client):
        response = page(server, client)
        metadata = client.get(f"{server.url}/files/{WHEEL}.metadata")
        html = client.get(server.index_url() + "demo/")
    files = listed(response)
    assert WHEEL not in files and "demo-2.0-py3-none-any.whl" in files
    assert html.status_code == 200 and WHEEL not in html.text
    assert metadata.status_code == 404
    assert any(WHEEL in record.getMessage() for record in caplog.records)
