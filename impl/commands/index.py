"""``wheelnext index``: serve directories of distribution files as simple repositories."""

from __future__ import annotations

from pathlib import Path

import click

from wheelnext.errors import WheelnextError
from wheelnext.index.app import Format, validate_index_name


def _parse_index(value: str) -> tuple[str, Path]:
    name, sep, directory = value.partition("=")
    if not sep or not name or not directory:
        raise WheelnextError(f"--index {value!r}: expected NAME=DIR")
    validate_index_name(name)
    path = Path(directory)
    if not path.is_dir():
        raise WheelnextError(f"--index {value!r}: {directory} is not a directory")
    return name, path


@click.group()
def index() -> None:
    """Serve directories of wheels as PEP 503/691 simple repositories."""


@index.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "--index", "indexes", multiple=True, metavar="NAME=DIR",
    help="Also serve DIR under /NAME/simple/ (repeatable).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--format", "formats", multiple=True, type=click.Choice(["html", "json"]),
    help="Offer only these serializations (default: both, negotiated by Accept).",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log every request on stderr.")
def serve(
    directory: Path | None,
    indexes: tuple[str, ...],
    host: str,
    port: int,
    formats: tuple[Format, ...],
    access_log: bool,
) -> None:
    """Serve DIRECTORY under /simple/ and each --index NAME=DIR under /NAME/simple/.

    Files lie flat in each directory. A file FILE.yanked beside FILE yanks it
    (its text is the reason); variant wheels get a generated
    NAME-VERSION-variants.json (PEP 825).
    """
    roots: dict[str, Path] = {}
    if directory is not None:
        if not directory.is_dir():
            raise WheelnextError(f"{directory}: not a directory")
        roots[""] = directory
    for value in indexes:
        name, path = _parse_index(value)
        if name in roots:
            raise WheelnextError(f"--index {value!r}: index {name!r} given twice")
        roots[name] = path
    if not roots:
        raise WheelnextError("DIRECTORY: give a directory or at least one --index NAME=DIR")
    from wheelnext.index.server import serve_forever

    for name, path in roots.items():
        where = f"/{name}/simple/" if name else "/simple/"
        click.echo(f"serving {path} at http://{host}:{port}{where}", err=True)
    serve_forever(
        roots, host=host, port=port, formats=formats or ("html", "json"), access_log=access_log
    )
