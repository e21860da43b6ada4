"""The ``static-dumb-pypi`` index target: pages written by dumb-pypi, served as plain files.

dumb-pypi (https://github.com/chriskuehl/dumb-pypi) is the static index generator
people use to host a package index on a plain file server or a bucket (S3, GCS,
GitHub Pages): it writes ``simple/index.html`` and ``simple/{project}/index.html``
from a list of filenames, without opening the files, and the files are hosted at a
URL of the user's choosing. It was chosen over ``simple503``, ``piprepo`` and
``pip2pi`` because it is the one still released (1.15.0, 2023) and documented for
exactly that use, and it takes what PEP 503/658/700 pages can carry (``hash``,
``requires_python``, ``core_metadata``, ``upload_timestamp``) as its input, so the
index is as good as the generator can make it, not as poor as its shortest input.

The generator runs from an environment of its own in the harness cache (like an
installer under test, :func:`~wheelnext.conformance.adapters._tools.provision`),
once per served tree: one tree per scenario index (``/{index}/simple/``, files
under ``/{index}/files/``), so scenarios never share a namespace. The tree is served
by the standard library's file server (:func:`wheelnext.index.static.serve_folder`)
with its request log. dumb-pypi writes no PEP 691 JSON and knows nothing of
``*-variants.json``; what it does not list is what such an index lacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from wheelnext.conformance.adapters._tools import provision
from wheelnext.conformance.adapters.protocol import AdapterError
from wheelnext.errors import WheelnextError
from wheelnext.filenames import is_distribution_filename
from wheelnext.index.repository import Repository
from wheelnext.index.static import StaticIndexes, serve_folder

GENERATOR = "dumb-pypi"
GENERATOR_VERSION = "1.15.0"
TARGET = f"static-{GENERATOR}"
#: Seconds one generator run may take.
GENERATE_TIMEOUT = 300.0


class GeneratorError(WheelnextError):
    """The static generator cannot be provisioned or fails on a tree."""


def generator_program(cache: Path) -> list[str]:
    """The argv that runs dumb-pypi from its cached environment (installed on first use).

    Its Python runs the module: the environment is built under a temporary name and
    renamed, so the ``bin/dumb-pypi`` script's ``#!`` line names a folder that is gone.
    """
    try:
        env = provision(GENERATOR, GENERATOR_VERSION, cache=cache)
        return [str(env / "bin" / "python"), "-m", "dumb_pypi.main"]
    except AdapterError as exc:
        raise GeneratorError(f"--index-target {TARGET}: {exc}") from None


def package_list(root: Path, files: Path) -> list[dict[str, object]]:
    """Copy every distribution of the root into *files*, with a ``.metadata`` beside each
    wheel that has one, and return dumb-pypi's ``--package-list-json`` entries for them.

    Every distribution: also those the reference index leaves out (variant wheels with
    invalid metadata, sdists whose PKG-INFO breaks PEP 777), since dumb-pypi is given a
    list of files and never opens them; what it lists is its own doing."""
    repository = Repository(root)
    entries: list[dict[str, object]] = []
    for project in repository.project_names():
        listed = repository.project(project)
        given = [*listed.files, *listed.rejected, *listed.refused_sdists] if listed else []
        for file in sorted(given, key=lambda f: f.filename):
            filename = file.filename
            if not is_distribution_filename(filename):
                continue  # dumb-pypi lists distributions only (no *-variants.json)
            path = repository.path_of(filename)
            details = repository.details(filename)
            if path is None or details is None:
                continue
            shutil.copyfile(path, files / filename)
            entry: dict[str, object] = {
                "filename": filename,
                "hash": f"sha256={details.sha256}",
                "upload_timestamp": int(details.mtime),
            }
            if file.yanked is not None:
                entry["yanked_reason"] = file.yanked or "yanked"
            if details.requires_python:
                entry["requires_python"] = details.requires_python
            if details.core_metadata is not None:
                (files / f"{filename}.metadata").write_bytes(details.core_metadata)
                digest = hashlib.sha256(details.core_metadata).hexdigest()
                entry["core_metadata"] = f"sha256={digest}"
            entries.append(entry)
    return entries


def generate(program: list[str], roots: Mapping[str, Path], dest: Path) -> None:
    """Run dumb-pypi once per root ("": the unnamed index) into ``dest/{name}``."""
    for name, root in roots.items():
        base = dest / name if name else dest
        files = base / "files"
        files.mkdir(parents=True, exist_ok=True)
        entries = package_list(Path(root), files)
        listing = base / "packages.in.json"
        listing.write_text("".join(json.dumps(e) + "\n" for e in entries))
        prefix = f"/{name}" if name else ""
        argv = [*program, "--package-list-json", str(listing), "--output-dir", str(base),
                "--packages-url", f"{prefix}/files/", "--no-generate-timestamp"]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False,
                                  timeout=GENERATE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise GeneratorError(f"{GENERATOR}: no end within {GENERATE_TIMEOUT:g} s") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise GeneratorError(f"{GENERATOR} failed on index {name or '(unnamed)'!r}: {last}")


@contextlib.contextmanager
def serve_generated(
    roots: Mapping[str, Path],
    failures: Mapping[str | None, int],
    *,
    cache: Path,
) -> Iterator[StaticIndexes]:
    """Generate *roots* with dumb-pypi and serve the tree with a plain file server."""
    program = generator_program(cache)
    with tempfile.TemporaryDirectory(prefix="wheelnext-dumb-pypi-") as tmp:
        generate(program, roots, Path(tmp))
        with serve_folder(Path(tmp), list(roots), failures=failures) as served:
            yield served
