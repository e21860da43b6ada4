"""The legacy-upload-API uploader: the form it sends, its credentials, its refusals."""

from __future__ import annotations

import base64
import hashlib
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import httpx
import pytest

from wheelnext.build import build_dist, spec_from_mapping
from wheelnext.cli import main
from wheelnext.upload import Credentials, UploadError, upload, upload_form


def _wheel(tmp_path: Path) -> Path:
    spec = spec_from_mapping({"name": "demo-pkg", "version": "1.0",
                              "requires-dist": ["attrs>=1", "idna"]}, source="t")
    return build_dist(spec, tmp_path / "out")


def _form(request: httpx.Request) -> list[tuple[str, str | bytes]]:
    content_type = request.headers["content-type"]
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content)
    fields: list[tuple[str, str | bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str) and isinstance(payload, bytes)
        fields.append((name, payload if name == "content" else payload.decode()))
    return fields


def test_the_form_carries_the_wheels_own_metadata_wheel_version_included(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    seen: list[httpx.Request] = []

    def index(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(index)) as client:
        result = upload(wheel, "http://127.0.0.1:9/legacy/",
                        credentials=Credentials("alice", "s3cret-pass"), client=client)
    assert result.status == 200
    fields = _form(seen[0])
    values = dict(fields)
    assert values[":action"] == "file_upload"
    assert values["protocol_version"] == "1"
    assert values["metadata_version"] == "2.4"
    assert (values["name"], values["version"]) == ("demo-pkg", "1.0")
    assert values["wheel_version"] == "1.0"
    assert [v for k, v in fields if k == "requires_dist"] == ["attrs>=1", "idna"]
    assert (values["filetype"], values["pyversion"]) == ("bdist_wheel", "py3")
    assert values["content"] == wheel.read_bytes()
    assert values["sha256_digest"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert seen[0].headers["authorization"] == "Basic " + base64.b64encode(
        b"alice:s3cret-pass").decode()


def test_a_refusal_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = _wheel(tmp_path)
    monkeypatch.setenv("WHEELNEXT_UPLOAD_PASSWORD", "s3cret-pass")
    with pytest.raises(SystemExit) as exited:
        main(["upload", str(wheel), "--repository-url", "http://bob:url-secret@127.0.0.1:1/",
              "-u", "bob"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: upload of demo_pkg-1.0")
    assert "s3cret-pass" not in err and "url-secret" not in err


def test_an_index_refusal_names_the_status_and_the_reason(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    html = ("<!DOCTYPE HTML><html><head><title>Error: 409 Conflict</title></head><body>"
            "<h1>Error: 409 Conflict</h1><p>Package already exists!</p></body></html>")

    def index(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, html=html)

    with httpx.Client(transport=httpx.MockTransport(index)) as client, \
            pytest.raises(UploadError) as refused:
        upload(wheel, "http://127.0.0.1:9/", client=client)
    assert str(refused.value).endswith("HTTP 409 Conflict: Package already exists!")


def test_a_file_that_is_not_a_distribution_is_refused_before_any_request(tmp_path: Path) -> None:
    fake = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    fake.write_bytes(b"not a zip")
    with pytest.raises(UploadError, match="not a readable wheel"):
        upload_form(fake)
    with pytest.raises(UploadError, match="over the 3-byte upload limit"):
        upload_form(_wheel(tmp_path), limit=3)


def test_a_wheel_name_that_does_not_parse_is_refused_unless_the_index_is_to_judge_it(
        tmp_path: Path) -> None:
    """A user's upload stops at a name no installer could read; the conformance harness's
    upload (``check_name=False``) sends it, for the index under test to refuse or not."""
    wheel = _wheel(tmp_path)
    bad = wheel.with_name("demo_pkg-1.0-py3-none-any-LBL.whl")
    wheel.rename(bad)
    with pytest.raises(UploadError, match="not a wheel file name"):
        upload_form(bad)
    form = dict(upload_form(bad, check_name=False))
    assert form["filetype"] == "bdist_wheel" and form["pyversion"] == "py3"
    assert form["name"] == "demo-pkg" and form["version"] == "1.0"
