"""Upload a wheel or sdist to an index through the legacy upload API.

The legacy upload API (what ``twine upload`` and PyPI's ``/legacy/`` speak, and what
pypiserver and devpi-server accept) is one ``multipart/form-data`` POST with
``:action=file_upload``, ``protocol_version=1``, the distribution's core metadata as form
fields, ``filetype``, ``pyversion``, ``sha256_digest`` and the file as ``content``.

The metadata comes from the distribution itself (the wheel's ``*.dist-info/METADATA``,
the sdist's ``PKG-INFO``) and every field is sent as found, ``Wheel-Version`` included:
PEP 777: "for wheels of version 2 or higher, the metadata file **MUST** include
``Wheel-Version``", and "Build backends are encouraged to include ``Wheel-Version`` in all
wheels that they generate". twine 7 refuses the field
(docs/spec-notes/pep777-upload-tooling.rst); an uploader that refused it could not certify
an index for PEP 777 wheels.

Credentials are basic auth; the password is never part of an error message or a
``repr``. Reads are bounded: the distribution by *limit*, its metadata member by
:data:`MAX_METADATA`.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import html as html_module
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from wheelnext.errors import WheelnextError
from wheelnext.filenames import parse_wheel_name

#: The largest distribution uploaded (a CUDA wheel is a few GiB).
MAX_DISTRIBUTION = 8 * 1024**3
#: The largest METADATA / PKG-INFO read from a distribution.
MAX_METADATA = 16 * 1024 * 1024
#: Multiple-use core metadata fields whose legacy-API name is not the field's own.
_FORM_NAMES = {
    "classifier": "classifiers",
    "project-url": "project_urls",
}
_CHUNK = 1024 * 1024


class UploadError(WheelnextError):
    """A distribution cannot be read or the index refused it."""


class UploadRefused(UploadError):
    """The index answered the upload with an error status: it refused the file."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    """Basic-auth credentials; the password never shows in ``repr``."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class UploadResult:
    """What the index answered to one upload."""

    filename: str
    url: str
    status: int


def display_url(url: str) -> str:
    """*url* without its userinfo, for messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def _url_credentials(url: str) -> Credentials | None:
    parts = urlsplit(url)
    if parts.username is None:
        return None
    return Credentials(parts.username, parts.password or "")


def _filetype(path: Path, *, check_name: bool = True) -> tuple[str, str]:
    """(``filetype``, ``pyversion``) of *path* by its file name.

    Without *check_name* a wheel whose name does not parse (an invalid variant label, say)
    is sent as it is, its ``pyversion`` read from the name's third part: certifying an
    index means letting the index judge such a file."""
    name = path.name
    if name.endswith((".whl", ".whlx")):
        try:
            parsed = parse_wheel_name(name)
        except WheelnextError as exc:
            if not check_name:
                parts = name.split("-")
                return "bdist_wheel", parts[2] if len(parts) > 2 else ""
            raise UploadError(f"{path}: not a wheel file name ({exc})") from None
        python_tags = sorted({tag.interpreter for tag in parsed.tags})
        return "bdist_wheel", ".".join(python_tags)
    if name.endswith((".tar.gz", ".zip")):
        return "sdist", "source"
    raise UploadError(f"{path}: not a wheel (.whl, .whlx) or sdist (.tar.gz, .zip)")


def _wheel_metadata(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info for info in archive.infolist()
                if info.filename.count("/") == 1
                and info.filename.endswith(".dist-info/METADATA")
            ]
            if len(members) != 1:
                raise UploadError(
                    f"{path}: expected one *.dist-info/METADATA, found {len(members)}")
            if members[0].file_size > MAX_METADATA:
                raise UploadError(f"{path}: METADATA is over {MAX_METADATA} bytes")
            with archive.open(members[0]) as stream:
                return stream.read(MAX_METADATA + 1)[:MAX_METADATA]
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"{path}: not a readable wheel ({exc})") from None


def _top_level_pkg_info(name: str) -> bool:
    return name.count("/") == 1 and name.endswith("/PKG-INFO")


def _sdist_metadata(path: Path) -> bytes:
    if path.name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if _top_level_pkg_info(n)]
                if len(names) != 1:
                    raise UploadError(f"{path}: expected one top-level PKG-INFO")
                with archive.open(names[0]) as member_stream:
                    return member_stream.read(MAX_METADATA)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UploadError(f"{path}: not a readable sdist ({exc})") from None
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.isfile() and _top_level_pkg_info(member.name):
                    if member.size > MAX_METADATA:
                        raise UploadError(f"{path}: PKG-INFO is over {MAX_METADATA} bytes")
                    stream = archive.extractfile(member)
                    assert stream is not None
                    return stream.read(MAX_METADATA)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UploadError(f"{path}: not a readable sdist ({exc})") from None
    raise UploadError(f"{path}: no top-level PKG-INFO")


def metadata_fields(metadata: bytes, *, source: str) -> list[tuple[str, str]]:
    """The legacy-API form fields of one METADATA / PKG-INFO, in the file's order.

    Field names are lower-cased with ``-`` as ``_`` (``Requires-Dist`` is
    ``requires_dist``, ``Wheel-Version`` is ``wheel_version``); a multiple-use field is
    sent once per value; the body is ``description``.
    """
    try:
        text = metadata.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError(f"{source}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    fields: list[tuple[str, str]] = []
    for name, value in message.items():
        key = name.lower()
        fields.append((_FORM_NAMES.get(key, key.replace("-", "_")), str(value)))
    if not any(key == "metadata_version" for key, _ in fields):
        raise UploadError(f"{source}: no Metadata-Version")
    for required in ("name", "version"):
        if not any(key == required for key, _ in fields):
            raise UploadError(f"{source}: no {required.capitalize()}")
    body = message.get_payload()
    if isinstance(body, str) and body.strip() and not any(k == "description" for k, _ in fields):
        fields.append(("description", body))
    return fields


def _digest(path: Path, limit: int) -> tuple[str, int]:
    sha256 = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadError(f"{path}: over the {limit}-byte upload limit")
                sha256.update(chunk)
    except OSError as exc:
        raise UploadError(f"{path}: cannot read ({exc.strerror})") from None
    return sha256.hexdigest(), size


def upload_form(path: Path, *, limit: int = MAX_DISTRIBUTION,
                check_name: bool = True) -> list[tuple[str, str]]:
    """Every form field of *path*'s upload except ``content`` (*check_name*: see
    :func:`_filetype`)."""
    if not path.is_file():
        raise UploadError(f"{path}: no such file")
    filetype, pyversion = _filetype(path, check_name=check_name)
    digest, _ = _digest(path, limit)
    metadata = _wheel_metadata(path) if filetype == "bdist_wheel" else _sdist_metadata(path)
    source = f"{path.name}: {'METADATA' if filetype == 'bdist_wheel' else 'PKG-INFO'}"
    return [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        *metadata_fields(metadata, source=source),
        ("filetype", filetype),
        ("pyversion", pyversion),
        ("sha256_digest", digest),
    ]


def _first_line(text: str, *, html: bool) -> str:
    """The first line of an index's answer that says something (tags stripped from HTML)."""
    if html:
        text = re.sub(r"<!DOCTYPE[^>]*>|<(title|style|script)[^>]*>.*?</\1>", " ", text,
                      flags=re.I | re.S)
        text = html_module.unescape(re.sub(r"<[^>]+>", "\n", text))
    for line in text.splitlines():
        if line.strip() and not line.strip().lower().startswith("error:"):
            return " ".join(line.split())[:200]
    return ""


def upload(
    path: Path,
    url: str,
    *,
    credentials: Credentials | None = None,
    timeout: float = 300.0,
    limit: int = MAX_DISTRIBUTION,
    client: httpx.Client | None = None,
    check_name: bool = True,
) -> UploadResult:
    """POST *path* to the legacy upload endpoint *url*; raise :class:`UploadError` on refusal.

    *check_name* false sends a wheel whose file name does not parse (the conformance
    harness's invalid uploads, for the index to refuse)."""
    form = upload_form(path, limit=limit, check_name=check_name)
    shown = display_url(url)
    credentials = credentials or _url_credentials(url)
    target = shown if credentials is not None else url
    auth = httpx.BasicAuth(credentials.username, credentials.password) if credentials else None
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        with path.open("rb") as stream:
            response = http.post(
                target,
                data=_form_dict(form),
                files={"content": (path.name, stream, "application/octet-stream")},
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
            )
    except httpx.HTTPError as exc:
        raise UploadError(f"upload of {path.name} to {shown}: {type(exc).__name__}: "
                          f"{display_url(str(exc)) if '://' in str(exc) else exc}") from None
    except OSError as exc:
        raise UploadError(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        if own:
            http.close()
    if response.status_code >= 300:
        html = "html" in response.headers.get("content-type", "")
        detail = _first_line(response.text, html=html)
        raise UploadRefused(
            f"upload of {path.name} to {shown}: HTTP {response.status_code}"
            f" {response.reason_phrase}" + (f": {detail}" if detail else ""),
            response.status_code,
        )
    return UploadResult(path.name, shown, response.status_code)


def _form_dict(form: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """*form* as httpx's ``data``: a field given more than once becomes a list."""
    data: dict[str, str | list[str]] = {}
    for key, value in form:
        if key in data:
            previous = data[key]
            data[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[key] = value
    return data


def iter_distributions(folder: Path) -> Iterator[Path]:
    """The wheels and sdists directly in *folder*, by name."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name.endswith((".whl", ".whlx", ".tar.gz", ".zip")):
            yield path
