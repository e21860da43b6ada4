"""``wheelnext build SPEC.toml -o DIR``: build every ``[[dist]]`` of a spec file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from wheelnext.build.builder import build_all
from wheelnext.build.spec import load_spec


def _describe(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    return {
        "path": str(path),
        "filename": path.name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o", "--outdir", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the distribution files into (created if missing).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the built files as JSON.")
@click.option(
    "--allow-unsafe", is_flag=True,
    help="Build specs with 'unsafe-defect' (deliberately broken, for security tests).",
)
def build(spec_file: Path, outdir: Path, as_json: bool, allow_unsafe: bool) -> None:
    """Build the wheels, .whlx files and sdists described in SPEC.toml.

    All files are written, or none: a bad spec leaves OUTDIR untouched.
    Output is byte-for-byte deterministic.
    """
    specs = load_spec(spec_file)
    paths = build_all(specs, outdir, allow_unsafe=allow_unsafe)
    described = [_describe(path) for path in paths]
    if as_json:
        click.echo(json.dumps(described, indent=2))
        return
    table = Table("file", "size", "sha256", title=f"built {len(paths)} file(s) in {outdir}")
    for item in described:
        table.add_row(str(item["filename"]), str(item["size"]), str(item["sha256"])[:16])
    Console().print(table)
