"""Find a benchmark's input wheel the way a user's pip would, never at a fixed path.

``--torch`` means "the torch wheel this machine's pip would install": ``pip download --no-deps
--only-binary=:all:`` with the user's own pip configuration (its indexes, extra indexes and
find-links), for this interpreter's tags, into the benchmark cache. ``--torch-wheel PATH``
names a file instead. The requirement defaults to the CPU build the published numbers use
(``TORCH_REQUIREMENT``) and can be changed with ``--torch-requirement``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

#: Where downloaded and converted benchmark wheels are kept between runs (outside the checkout).
CACHE = Path(os.environ.get("WHEELNEXT_BENCH_CACHE", "/tmp/wheelnext-bench-wheels"))
#: The torch build the published numbers use: the CPU wheel (torch's CUDA wheels are larger
#: and pull CUDA libraries as dependencies).
TORCH_REQUIREMENT = "torch==2.13.0"


def add_torch_options(parser: argparse.ArgumentParser) -> None:
    """``--torch``, ``--torch-wheel`` and ``--torch-requirement``, the same in every script."""
    parser.add_argument("--torch", action="store_true",
                        help="the torch wheel pip would install here (pip's own configuration)")
    parser.add_argument("--torch-wheel", type=Path, metavar="PATH",
                        help="this torch wheel instead of asking pip (implies --torch)")
    parser.add_argument("--torch-requirement", default=TORCH_REQUIREMENT, metavar="REQ",
                        help=f"what to ask pip for with --torch (default {TORCH_REQUIREMENT!r})")


def torch_wheel(args: argparse.Namespace) -> Path | None:
    """The torch wheel the options name, or ``None`` without ``--torch``/``--torch-wheel``."""
    if args.torch_wheel is not None:
        if not args.torch_wheel.is_file():
            raise SystemExit(f"--torch-wheel: {args.torch_wheel}: no such file")
        return Path(args.torch_wheel)
    if not args.torch:
        return None
    return pip_download(args.torch_requirement)


def pip_download(requirement: str) -> Path:
    """The wheel ``pip download`` picks for *requirement* with the user's pip configuration.

    pip copies a file from a find-links folder or a ``file://`` index and downloads one from
    a remote index; either way the result lands in :data:`CACHE` and later runs reuse it (pip
    reports "File was already downloaded").
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "-d", str(CACHE), requirement],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"--torch: pip download {requirement!r} failed: {last} "
                         "(name a file with --torch-wheel PATH)")
    for line in done.stdout.splitlines():
        for marker in ("Saved ", "File was already downloaded "):
            if line.strip().startswith(marker):
                found = Path(line.strip()[len(marker):].strip())
                if found.suffix == ".whl" and found.is_file():
                    return found
    raise SystemExit(f"--torch: pip download {requirement!r} named no wheel "
                     "(name a file with --torch-wheel PATH)")
