"""Upload files to an index the way ``twine`` does, with the standard library only.

``python upload_multipart.py UPLOAD_URL FILE...`` POSTs each file as the
legacy upload API's ``multipart/form-data`` form (``:action=file_upload``,
``name``, ``version``, ``content``...), as pypiserver and warehouse accept it.
Unlike twine it does not validate the file's metadata first, so the index
alone decides what it accepts. Exit status 1 when any upload was refused.
"""

from __future__ import annotations

import hashlib
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path


def fields_of(path: Path) -> dict[str, str]:
    """The form fields the legacy upload API wants beside the file."""
    from wheelnext.filenames import parse_sdist_name, parse_wheel_name

    name, version, filetype, pyversion = path.name, "0", "unknown", "source"
    try:
        if path.name.endswith((".whl", ".whlx")):
            parsed = parse_wheel_name(path.name)
            name, version, filetype = str(parsed.name), str(parsed.version), "bdist_wheel"
            pyversion = sorted({t.interpreter for t in parsed.tags})[0]
        elif path.name.endswith(".tar.gz"):
            name, version = (str(v) for v in parse_sdist_name(path.name)[:2])
            filetype = "sdist"
    except ValueError:
        pass
    return {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "filetype": filetype,
        "pyversion": pyversion,
        "sha256_digest": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def multipart(fields: dict[str, str], path: Path) -> tuple[bytes, str]:
    """The form as ``multipart/form-data`` (the standard library has no encoder: by hand)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + path.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(url: str, path: Path) -> int:
    body, content_type = multipart(fields_of(path), path)
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    print(f"{path.name}: HTTP {status}")
    return status


def main(argv: list[str]) -> int:
    url, *files = argv
    statuses = [upload(url, Path(f)) for f in files]
    return 0 if all(200 <= s < 300 for s in statuses) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
