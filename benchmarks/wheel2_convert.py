"""Wheel 2.0 conversion: ``.whlx`` size per payload layout and Zstandard level, vs the ``.whl``.

Peer: the original ``.whl`` (deflate, ZIP per member), measured in the same run. For each wheel
and each (layout, level) it prints the size ratio ``.whlx / .whl``, the conversion time, the
time to read one file from the middle of the payload without unpacking the rest, and the bytes
``--dedupe-links`` saves.

    python benchmarks/wheel2_convert.py --quick          # pip's own wheel, seconds
    python benchmarks/wheel2_convert.py --torch --json   # the torch CPU wheel, minutes

Real wheels (numpy, scipy, pyarrow) are fetched once with ``pip download --no-deps`` into
``/tmp/wheelnext-bench-wheels`` (outside the repository) when absent.
"""

from __future__ import annotations

import argparse
import ensurepip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _wheels import CACHE, add_torch_options, torch_wheel

from wheelnext.convert import convert_wheel
from wheelnext.isolation import scrubbed_environ
from wheelnext.wheel2.layout import Layout
from wheelnext.wheel2.source import WheelArchive

DOWNLOADS = ("numpy", "scipy", "pyarrow")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} CPUs)"
    return "unknown"


def bundled_pip() -> Path:
    folder = Path(ensurepip.__file__).parent / "_bundled"
    return next(folder.glob("pip-*.whl"))


def downloaded(project: str) -> Path | None:
    """A cp311 manylinux wheel of *project*, fetched once with pip into the cache folder."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(f"{project}-*.whl"))
    if found:
        return found[-1]
    with tempfile.TemporaryDirectory() as home:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
             "-d", str(CACHE), project],
            env=scrubbed_environ(Path(home)), check=False, capture_output=True,
        )
    found = sorted(CACHE.glob(f"{project}-*.whl"))
    return found[-1] if found else None


def read_one(path: Path) -> float:
    """Seconds to read the middle payload file of *path* (random access)."""
    with WheelArchive.open(path) as archive:
        paths = [p for p in archive.payload_paths if not p.startswith(archive.dist_info_dir)]
        target = sorted(paths)[len(paths) // 2]
        start = time.perf_counter()
        archive.read_file(target)
        return time.perf_counter() - start


def measure(
    wheel: Path, configs: list[tuple[Layout, int]], workers: int
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="wheelnext-bench-") as tmp:
        whl_read = read_one(wheel)
        for layout, level in configs:
            out = Path(tmp) / f"{layout}-{level}"
            start = time.perf_counter()
            result = convert_wheel(wheel, out, layout=layout, level=level, workers=workers,
                                   dedupe_links=True)
            seconds = time.perf_counter() - start
            rows.append({
                "wheel": wheel.name,
                "layout": layout.value,
                "level": level,
                "whl_bytes": result.input_bytes,
                "whlx_bytes": result.output_bytes,
                "ratio": round(result.ratio, 4),
                "convert_s": round(seconds, 2),
                "read_one_s": round(read_one(result.output), 4),
                "read_one_whl_s": round(whl_read, 4),
                "links": len(result.links),
                "bytes_saved_by_links": result.bytes_saved_by_links,
            })
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            result.output.unlink()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pip's bundled wheel only")
    add_torch_options(parser)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Zstandard worker threads (nb_workers)")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    args = parser.parse_args()
    wheels: list[tuple[Path, list[tuple[Layout, int]]]] = []
    small = [(Layout.MEMBER, 3), (Layout.MEMBER, 10), (Layout.SOLID, 3), (Layout.SOLID, 19),
             (Layout.CHUNKED, 19)]
    wheels.append((bundled_pip(), small))
    if not args.quick:
        for project in DOWNLOADS:
            path = downloaded(project)
            if path is not None:
                configs = small if project == "numpy" else [(Layout.MEMBER, 3),
                                                            (Layout.CHUNKED, 19)]
                wheels.append((path, configs))
    torch = torch_wheel(args)
    if torch is not None:
        wheels.append((torch, [(Layout.CHUNKED, 19)]))
    rows = [row for wheel, configs in wheels for row in measure(wheel, configs, args.workers)]
    if args.json:
        print(json.dumps({"cpu": cpu_model(), "workers": args.workers, "rows": rows}, indent=2))
    else:
        print(f"{'wheel':50} {'layout':8} {'lvl':>3} {'ratio':>6} {'conv s':>7} {'read1 s':>8}")
        for row in rows:
            print(f"{row['wheel']!s:50.50} {row['layout']!s:8} {row['level']!s:>3} "
                  f"{row['ratio']!s:>6} {row['convert_s']!s:>7} {row['read_one_s']!s:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
