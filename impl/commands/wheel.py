"""``wheelnext wheel``: install, check and convert single wheel files (``.whl`` / ``.whlx``).

``install`` is the reference PEP 777 / PEP 778 installing behaviour on one file (no resolver:
``--no-deps`` semantics); ``check`` lists every problem of a file; ``convert`` writes the
Wheel 2.0 prototype form of a 1.x wheel.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click

from wheelnext.wheel2.layout import DEFAULT_CHUNK_BYTES, DEFAULT_LAYOUT, DEFAULT_LEVEL, Layout


@click.group()
def wheel() -> None:
    """Install, check and convert wheel files (.whl and the Wheel 2.0 prototype .whlx)."""


@wheel.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--python", "python", type=click.Path(dir_okay=False),
              help="Install into the environment of this interpreter.")
@click.option("--target", type=click.Path(file_okay=False, path_type=Path),
              help="Install into this folder (libraries at its root, scripts in bin/).")
@click.option("--links", "links", type=click.Choice(["symlink", "copy"]), default="symlink",
              show_default=True, help="PEP 778 LINKS: make symlinks, or copy (explicit opt-in).")
@click.option("--compile/--no-compile", "compile_", default=True, show_default=True,
              help="Compile .py files to bytecode with the target interpreter.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def install(file: Path, python: str | None, target: Path | None, links: str, compile_: bool,
            as_json: bool) -> None:
    """Install one wheel FILE (no dependencies), atomically: all of it or nothing."""
    from wheelnext.install.scheme import scheme_for_python, scheme_for_target
    from wheelnext.install.symlinks import LinkMode
    from wheelnext.install.wheelfile import install_wheel

    if (python is None) == (target is None):
        raise click.UsageError("give exactly one of --python PATH or --target DIR")
    if not file.is_file():
        raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
    scheme = scheme_for_python(python) if python else scheme_for_target(target or Path("."))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = install_wheel(file, scheme, links=LinkMode(links), compile_bytecode=compile_,
                               direct_url=file.absolute().as_uri())
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)
    if as_json:
        click.echo(json.dumps({"name": result.name, "version": result.version,
                               "wheel_version": result.wheel_version,
                               "dist_info": str(result.dist_info), "files": result.files,
                               "links": result.links, "bytecode": result.bytecode}))
    else:
        click.echo(f"installed {result.name} {result.version} (Wheel-Version "
                   f"{result.wheel_version}): {result.files} files, {result.links} links")


@wheel.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print problems per file as JSON.")
def check(files: tuple[Path, ...], as_json: bool) -> None:
    """Check wheel FILES: names, RECORD, Wheel-Version, LINKS, variant.json. Exit 1 on problems."""
    from wheelnext.wheel2.check import check_wheel

    report = {str(path): check_wheel(path) for path in files}
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        for path, problems in report.items():
            for problem in problems:
                click.echo(problem)
            if not problems:
                click.echo(f"{Path(path).name}: ok")
    if any(report.values()):
        sys.exit(1)


@wheel.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the .whlx.")
@click.option("--zstd-level", type=click.IntRange(1, 22), default=DEFAULT_LEVEL,
              show_default=True, help="Zstandard compression level.")
@click.option("--layout", type=click.Choice([item.value for item in Layout]),
              default=DEFAULT_LAYOUT.value, show_default=True, help="Payload layout (extension).")
@click.option("--chunk-mib", type=click.IntRange(1, 4096),
              default=DEFAULT_CHUNK_BYTES // 2**20, show_default=True,
              help="Uncompressed MiB per payload chunk of the chunked layout (extension).")
@click.option("--dedupe-links", is_flag=True,
              help="Replace identical libfoo.so[.N] copies with PEP 778 LINKS entries.")
@click.option("--workers", type=int, default=0, help="Zstandard threads (0: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def convert(file: Path, out_dir: Path, zstd_level: int, layout: str, chunk_mib: int,
            dedupe_links: bool, workers: int, as_json: bool) -> None:
    """Convert a Wheel 1.x FILE into the Wheel 2.0 prototype (.whlx) in OUTPUT."""
    import os

    from rich.progress import Progress

    from wheelnext.convert import convert_wheel

    threads = workers or (os.cpu_count() or 1)
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task(f"reading {file.name}", total=None)
        result = convert_wheel(file, out_dir, level=zstd_level, layout=Layout(layout),
                               dedupe_links=dedupe_links, workers=threads,
                               chunk_bytes=chunk_mib * 2**20,
                               progress=lambda n: progress.advance(task, n))
    summary = {"output": str(result.output), "whl_bytes": result.input_bytes,
               "whlx_bytes": result.output_bytes, "ratio": round(result.ratio, 4),
               "links": len(result.links), "bytes_saved_by_links": result.bytes_saved_by_links}
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(f"wrote {result.output} ({result.ratio:.3f} of the .whl; "
                   f"{len(result.links)} links saving {result.bytes_saved_by_links} bytes)")
