"""``wheelnext upload``: put wheels and sdists on an index through the legacy upload API."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--repository-url", "url", required=True, metavar="URL",
              help="The index's legacy upload endpoint (pypiserver: its root URL; devpi: "
                   "http://HOST/USER/INDEX/).")
@click.option("--username", "-u", envvar="WHEELNEXT_UPLOAD_USERNAME", metavar="NAME",
              help="Basic-auth user name (or WHEELNEXT_UPLOAD_USERNAME).")
@click.option("--password", "-p", envvar="WHEELNEXT_UPLOAD_PASSWORD", metavar="SECRET",
              help="Basic-auth password or token (better: WHEELNEXT_UPLOAD_PASSWORD, which "
                   "stays out of the process list).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Seconds to wait for the index to answer one upload.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document on standard output instead of lines.")
def upload(files: tuple[Path, ...], url: str, username: str | None, password: str | None,
           timeout: float, as_json: bool) -> None:
    """Upload FILES (wheels, .whlx, sdists) to URL with their own metadata, Wheel-Version
    included (twine 7 refuses it: docs/spec-notes/pep777-upload-tooling.rst).

    Every file's form is checked before the first one is sent, so a bad file uploads
    nothing. The password never appears in output.
    """
    from wheelnext.errors import WheelnextError
    from wheelnext.upload import Credentials, display_url, upload_form
    from wheelnext.upload import upload as upload_file

    if password is not None and username is None:
        raise WheelnextError("--password: needs --username (or WHEELNEXT_UPLOAD_USERNAME)")
    credentials = Credentials(username, password or "") if username is not None else None
    for path in files:
        upload_form(path)
    results = [upload_file(path, url, credentials=credentials, timeout=timeout)
               for path in files]
    if as_json:
        click.echo(json.dumps({"url": display_url(url), "uploaded": [
            {"filename": r.filename, "status": r.status} for r in results]}, indent=2))
        return
    for result in results:
        click.echo(f"uploaded {result.filename} to {result.url} (HTTP {result.status})")
