"""``wheelnext nativelib``: measure duplicated native libraries, show declared ones
(extension: no PEP defines either)."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import click

from wheelnext.errors import WheelnextError

_PATHS_SCRIPT = (
    "import json, sysconfig; p = sysconfig.get_paths(); "
    "print(json.dumps(sorted({p['purelib'], p['platlib']})))"
)


def _environment_roots(python: str | None) -> list[str]:
    if python is None:
        paths = sysconfig.get_paths()
        return sorted({paths["purelib"], paths["platlib"]})
    try:
        done = subprocess.run([python, "-I", "-c", _PATHS_SCRIPT], capture_output=True,
                              text=True, timeout=120, check=False)
    except OSError as exc:
        raise WheelnextError(f"--python {python}: cannot run ({exc.strerror})") from None
    except subprocess.TimeoutExpired:
        raise WheelnextError(f"--python {python}: did not answer within 120 s") from None
    try:
        roots = json.loads(done.stdout) if done.returncode == 0 else None
    except json.JSONDecodeError:
        roots = None
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        raise WheelnextError(f"--python {python}: not a Python interpreter that answered")
    return roots


def _size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB"


@click.group()
def nativelib() -> None:
    """Native libraries shared between wheels (an extension; no PEP defines it)."""


@nativelib.command()
@click.argument("roots", nargs=-1, type=click.Path(path_type=Path))
@click.option("--python", "python", type=click.Path(dir_okay=False),
              help="Audit the site-packages of this interpreter (default: the running one, "
                   "when no ROOTS are given).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document on standard output instead of the table.")
@click.option("--all", "show_all", is_flag=True, help="List libraries with a single copy too.")
def audit(roots: tuple[Path, ...], python: str | None, as_json: bool, show_all: bool) -> None:
    """List every vendored shared library under ROOTS (installed-packages folders, or wheel
    files), group copies of one upstream library, and report the bytes sharing would save."""
    from wheelnext.nativelib.audit import WHEEL_SUFFIXES, report

    for root in roots:
        if root.is_dir():
            continue
        if not root.name.endswith(WHEEL_SUFFIXES):
            raise WheelnextError(f"{root}: not a folder or a wheel file (give an "
                                 "installed-packages folder or a .whl)")
        if not root.is_file():
            raise WheelnextError(f"{root}: not a regular file")
    if roots and python is not None:
        raise WheelnextError("--python: give either ROOTS or --python, not both")
    chosen = [str(root) for root in roots] or _environment_roots(python)
    document = report(chosen)
    if as_json:
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    groups = document["groups"]
    assert isinstance(groups, list)
    click.echo(f"{'library':<32} {'copies':>6} {'on disk':>12} {'identical':>12} "
               f"{'same soname':>12} {'same library':>12}  distributions")
    for entry in groups:
        savings = entry["savings"]
        if not show_all and len(entry["copies"]) < 2:
            continue
        click.echo(f"{entry['family']:<32} {len(entry['copies']):>6} {_size(entry['bytes']):>12} "
                   f"{_size(savings['identical']):>12} {_size(savings['same_soname']):>12} "
                   f"{_size(savings['same_family']):>12}  {', '.join(entry['distributions'])}")
    totals = document["totals"]
    assert isinstance(totals, dict)
    click.echo(f"{'total':<32} {totals['libraries']:>6} {_size(totals['bytes']):>12} "
               f"{_size(totals['identical']):>12} {_size(totals['same_soname']):>12} "
               f"{_size(totals['same_family']):>12}")


@nativelib.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def declared(as_json: bool) -> None:
    """List the native libraries installed distributions declare (native-libraries.json)."""
    from importlib.metadata import distributions

    from wheelnext.nativelib.loader import declarations

    rows = []
    for dist in distributions():
        name = dist.metadata["Name"] or "?"
        for lib in declarations(dist):
            rows.append({"name": lib.name, "soname": lib.soname,
                         "abi-version": str(lib.abi_version), "distribution": name,
                         "version": dist.version, "path": str(dist.locate_file(lib.path))})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']} {row['abi-version']} ({row['soname']}) from "
                   f"{row['distribution']} {row['version']}: {row['path']}")
