"""A loopback reverse proxy that logs every request, for index servers the harness runs.

pypiserver and devpi-server keep no request log the harness can read, so request-log
scenarios (which indexes an installer asked, in which order, which files it read) could
not apply to them. :func:`logging_proxy` puts a proxy of the harness's own in front of one
index: it listens on 127.0.0.1, forwards each request to the server with httpx (the
``Host`` header kept, so that any absolute URL the server writes names the proxy, not
itself), answers with the server's response, and appends a
:class:`~wheelnext.index.RequestRecord` (index, path, method, status, Content-Type) as the
reference index does. It runs in threads of this process and is shut down when the
``with`` block ends; nothing listens anywhere but on loopback.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from wheelnext.index import RequestRecord

#: Headers that describe one connection, not the message (RFC 9110, section 7.6.1), and the
#: ones httpx has already acted on (it decodes the body and gives its length anew).
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "content-encoding", "content-length",
})  # fmt: skip
#: Seconds the proxy waits for the server's answer to one request.
UPSTREAM_TIMEOUT = 300.0
#: Characters left as they are when the decoded WSGI path is quoted again for the server.
_PATH_SAFE = "/:@!$&'()*+,;=~"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The proxy keeps its own log."""


@dataclass
class LoggingProxy:
    """A running proxy: where it listens, which index it stands for, what it saw."""

    index: str
    upstream: str
    port: int = 0
    records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def proxied(self, upstream_url: str) -> str:
        """*upstream_url* (a URL of the server) as a URL of this proxy."""
        if not upstream_url.startswith(self.upstream):
            raise ValueError(f"{upstream_url} is not under {self.upstream}")
        return self.url + "/" + upstream_url[len(self.upstream):].lstrip("/")

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def app(self, client: httpx.Client) -> Callable[..., Iterable[bytes]]:
        """The WSGI application that forwards to :attr:`upstream` through *client*."""

        def forward(environ: dict[str, Any],
                    start_response: Callable[..., Any]) -> Iterable[bytes]:
            method = environ.get("REQUEST_METHOD", "GET")
            path = quote(environ.get("PATH_INFO", "") or "/", safe=_PATH_SAFE,
                         encoding="latin-1")
            query = environ.get("QUERY_STRING", "")
            headers = {key[5:].replace("_", "-").lower(): value
                       for key, value in environ.items() if key.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["content-type"] = environ["CONTENT_TYPE"]
            headers = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            target = self.upstream.rstrip("/") + path + (f"?{query}" if query else "")
            try:
                response = client.request(method, target, headers=headers, content=body)
                status, reason = response.status_code, response.reason_phrase
                content = response.content
                answer = [(k, v) for k, v in response.headers.multi_items()
                          if k.lower() not in HOP_BY_HOP]
                content_type = response.headers.get("content-type")
            except httpx.HTTPError as exc:
                status, reason, content_type = 502, "Bad Gateway", "text/plain"
                content = f"the index behind the proxy did not answer: {exc}\n".encode()
                answer = [("Content-Type", content_type)]
            start_response(f"{status} {reason}",
                           [*answer, ("Content-Length", str(len(content)))])
            with self._lock:
                self.records.append(RequestRecord(
                    index=self.index, path=path, method=method, status=status,
                    time=time.monotonic(), content_type=content_type, query=query))
            return [content]

        return forward


@contextlib.contextmanager
def logging_proxy(index: str, upstream: str) -> Iterator[LoggingProxy]:
    """Serve a logging proxy for the index *index* at *upstream* (``http://127.0.0.1:PORT/``)
    on an ephemeral loopback port for the ``with`` block."""
    proxy = LoggingProxy(index, upstream)
    with httpx.Client(timeout=UPSTREAM_TIMEOUT, follow_redirects=False) as client:
        httpd = make_server("127.0.0.1", 0, proxy.app(client), server_class=_Server,
                            handler_class=_QuietHandler)
        proxy.port = httpd.server_address[1]
        thread = threading.Thread(target=httpd.serve_forever, name=f"wheelnext-proxy-{index}",
                                  daemon=True)
        thread.start()
        try:
            yield proxy
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(UPSTREAM_TIMEOUT)
