"""Serve the reference index with one feature knocked out, in a process of its own.

``python -m wheelnext.conformance.index_knockout FEATURE`` reads ``{"roots": {NAME: DIR},
"failures": {NAME: STATUS}, "sdist_gate": BOOL}`` as one JSON line on stdin, serves the
roots with the default personality less FEATURE
(:meth:`wheelnext.index.features.Personality.without`) on an ephemeral loopback port,
prints ``{"port": N}`` and then one JSON line per request, and stops when its stdin
closes. Only the power measurement (``wheelnext conformance power``, through
:func:`serve_knockout`) starts it; ``wheelnext index serve`` has no personality, option,
configuration key or environment variable that reaches a knockout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, NoReturn

import httpx

from wheelnext.errors import WheelnextError
from wheelnext.index.app import RequestLog, RequestRecord

#: Seconds to wait for the knockout server to start, or for a sync request to be logged.
TIMEOUT = 300.0
#: The path of the harness's own sync requests (never a page of the index).
SYNC = "/__wheelnext_sync__"


class KnockoutServerError(WheelnextError):
    """The knockout index process did not start."""


class _PrintingLog(RequestLog):
    """Each request as a JSON line on stdout, before its response is sent."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__()
        self._out = out
        self._write = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._write:
            self._out.write(json.dumps(dataclasses.asdict(record)) + "\n")
            self._out.flush()


def fail(message: str) -> NoReturn:
    """One ``error:`` line and exit status 2, as the command line reports bad input (this
    process is started by the harness, below the CLI layer, so it does not import it)."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: Sequence[str] | None = None) -> None:
    """``FEATURE``: serve the roots read from stdin less FEATURE until stdin closes."""
    from wheelnext.index import serve_in_process
    from wheelnext.index.features import DEFAULT

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        fail("usage: python -m wheelnext.conformance.index_knockout FEATURE < ROOTS.json")
    try:
        personality = DEFAULT.without(args[0])
        config = json.loads(sys.stdin.readline())
        roots = {str(k): Path(v) for k, v in config["roots"].items()}
        failures = {(str(k) or None): int(v) for k, v in config.get("failures", {}).items()}
        if not config.get("sdist_gate", False):
            personality = personality.listing_refused_sdists()
    except WheelnextError as exc:
        fail(str(exc))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        fail(f"stdin: expected {{\"roots\": {{NAME: DIR}}, \"failures\": {{}}}}: {exc}")
    # Scenarios serve invalid variant wheels on purpose (see the venv runner's same handler).
    logging.getLogger("wheelnext.index").addHandler(logging.NullHandler())
    with serve_in_process(roots, failures=failures, personality=personality) as server:
        server.app.request_log = _PrintingLog(sys.stdout)
        print(json.dumps({"port": server.port}), flush=True)
        sys.stdin.read()


class KnockoutIndexes:
    """The knockout process's indexes: URLs, and its request log read back from its stdout."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self._log = RequestLog()
        self._seen = threading.Condition()
        self._synced: set[str] = set()
        self._counter = itertools.count()
        self._reader = threading.Thread(target=self._read, name="wheelnext-knockout-log",
                                        daemon=True)
        self._reader.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def index_url(self, name: str | None = None) -> str:
        return f"{self.url}/simple/" if name is None else f"{self.url}/{name}/simple/"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            record = RequestRecord(**json.loads(line))
            with self._seen:
                if record.path == SYNC:
                    self._synced.add(record.query)
                    self._seen.notify_all()
                else:
                    self._log.append(record)
        with self._seen:
            self._seen.notify_all()

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request the process logged before this call (a sync request makes sure)."""
        token = f"n={next(self._counter)}"
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{self.url}{SYNC}?{token}", timeout=TIMEOUT)
        with self._seen:
            self._seen.wait_for(
                lambda: token in self._synced or self.process.poll() is not None, TIMEOUT)
        return self._log.records


@contextlib.contextmanager
def serve_knockout(
    feature: str, roots: Mapping[str, Path], failures: Mapping[str | None, int], *,
    sdist_gate: bool = False,
) -> Iterator[KnockoutIndexes]:
    """Serve *roots* less *feature* from a process of its own for the ``with`` block (with
    the sdist gate closed only given *sdist_gate*, as :func:`~wheelnext.conformance.
    index_targets.serve` does)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wheelnext.conformance.index_knockout", feature],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        config = {"roots": {k: str(v) for k, v in roots.items()},
                  "failures": {(k or ""): v for k, v in failures.items()},
                  "sdist_gate": sdist_gate}
        process.stdin.write(json.dumps(config) + "\n")
        process.stdin.flush()
        first = process.stdout.readline()
        if not first:
            raise KnockoutServerError(f"index knockout {feature}: the server did not start")
        yield KnockoutIndexes(process, int(json.loads(first)["port"]))
    finally:
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
