"""Index pages served per second: ``wheelnext index serve`` versus pypiserver.

Both servers run as separate processes on the loopback and serve the same
directory (PROJECTS projects x 3 files: two wheels and an sdist). One client,
httpx with a bounded number of concurrent connections, asks each server in
turn for project pages and the ``/simple/`` index page, as HTML and as JSON
(pypiserver has no PEP 691 JSON, so its JSON rows are empty), in rounds that
alternate between the servers; the best round counts. Prints a table and the
ratio ours / pypiserver, or JSON with ``--json``.

    python benchmarks/index_server.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from _machine import cpu_model

from wheelnext.build import build_dist, spec_from_mapping

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html"




def make_directory(directory: Path, projects: int) -> list[str]:
    names = []
    for number in range(projects):
        name = f"project-{number:04d}"
        names.append(name)
        for spec in (
            {"name": name, "version": "1.0"},
            {"name": name, "version": "1.1", "requires-python": ">=3.8"},
            {"name": name, "version": "1.1", "kind": "sdist"},
        ):
            build_dist(spec_from_mapping(spec, source=name), directory)
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(command: list[str], url: str) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url, timeout=5).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"error: {command[0]} did not start: {' '.join(command)}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def pages_per_second(
    base: str, paths: list[str], accept: str, requests: int, concurrency: int
) -> float:
    """Fetch *requests* pages (cycling through *paths*); every response must be 200."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for number in range(requests):
        queue.put_nowait(paths[number % len(paths)])
    failures: list[str] = []

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                path = queue.get_nowait()
                response = await client.get(path, headers={"Accept": accept})
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"error: {base}: {len(failures)} failed requests, e.g. {failures[0]}")
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 projects, fewer requests")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--projects", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    projects = args.projects or (50 if args.quick else 500)
    rounds = args.rounds or (2 if args.quick else 3)
    detail_requests = 200 if args.quick else 1000
    index_requests = 20 if args.quick else 40
    pypi_server = shutil.which("pypi-server") or str(Path(sys.executable).with_name("pypi-server"))
    if not Path(pypi_server).exists():
        raise SystemExit("error: pypi-server: not installed (pip install pypiserver)")

    with tempfile.TemporaryDirectory(prefix="wheelnext-bench-") as tmp:
        directory = Path(tmp) / "packages"
        directory.mkdir()
        names = make_directory(directory, projects)
        ours_port, theirs_port = free_port(), free_port()
        servers = {
            "wheelnext": (
                [sys.executable, "-m", "wheelnext", "index", "serve", str(directory),
                 "--port", str(ours_port), "--no-access-log"],
                f"http://127.0.0.1:{ours_port}",
            ),
            "pypiserver": (
                [pypi_server, "run", "-p", str(theirs_port), "-i", "127.0.0.1",
                 "--disable-fallback", "--log-stream", "none", str(directory)],
                f"http://127.0.0.1:{theirs_port}",
            ),
        }
        detail_paths = [f"/simple/{name}/" for name in names]
        workloads = [
            ("project page, HTML", detail_paths, HTML, detail_requests),
            ("project page, JSON", detail_paths, JSON, detail_requests),
            ("/simple/ index, HTML", ["/simple/"], HTML, index_requests),
            ("/simple/ index, JSON", ["/simple/"], JSON, index_requests),
        ]
        results: dict[str, dict[str, float | None]] = {
            w[0]: {"wheelnext": 0.0, "pypiserver": None if w[2] == JSON else 0.0}
            for w in workloads
        }
        with ExitStack() as stack:
            for command, base in servers.values():
                stack.enter_context(running(command, base + "/simple/"))
                # Warm-up: both servers hash files on first sight.
                asyncio.run(pages_per_second(base, detail_paths, HTML, len(names), 4))
            # Rounds alternate between the servers, so that a change in the
            # machine's load hits both; the best round counts.
            for _ in range(rounds):
                for label, paths, accept, count in workloads:
                    for server, (_, base) in servers.items():
                        best = results[label][server]
                        if best is None:  # pypiserver has no PEP 691 JSON
                            continue
                        rate = asyncio.run(
                            pages_per_second(base, paths, accept, count, args.concurrency)
                        )
                        results[label][server] = max(best, rate)

    rows: list[dict[str, Any]] = []
    for label, by_server in results.items():
        ours, theirs = by_server.get("wheelnext"), by_server.get("pypiserver")
        ratio = ours / theirs if ours and theirs else None
        rows.append({"workload": label, "wheelnext": ours, "pypiserver": theirs, "ratio": ratio})
    report = {
        "command": " ".join(["python", "benchmarks/index_server.py", *sys.argv[1:]]),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "projects": projects,
        "files": projects * 3,
        "concurrency": args.concurrency,
        "rounds": rounds,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['cpu']} ({report['cpus']} CPUs), Python {report['python']}, "
          f"{projects} projects x 3 files, {args.concurrency} connections, best of {rounds}")
    print(f"{'workload':<24}{'wheelnext/s':>14}{'pypiserver/s':>14}{'ratio':>9}")
    for row in rows:
        def cell(value: float | None, fmt: str) -> str:
            return format(value, fmt) if value is not None else "n/a"

        print(f"{row['workload']:<24}{cell(row['wheelnext'], '.0f'):>14}"
              f"{cell(row['pypiserver'], '.0f'):>14}{cell(row['ratio'], '.2f'):>9}")


if __name__ == "__main__":
    main()
