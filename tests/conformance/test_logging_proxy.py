"""The logging reverse proxy the harness puts in front of index servers it cannot read
(issue #15): every request forwarded and logged, nothing left listening afterwards."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wheelnext.build import build_dist, spec_from_mapping
from wheelnext.conformance.check import _project_of_path
from wheelnext.conformance.logging_proxy import logging_proxy
from wheelnext.index import serve_in_process


def test_forwards_logs_and_stops(tmp_path: Path) -> None:
    build_dist(spec_from_mapping({"name": "alpha", "version": "1.0"}, source="t"), tmp_path)
    with serve_in_process({"primary": tmp_path}) as server:
        upstream = f"http://127.0.0.1:{server.port}/"
        with logging_proxy("primary", upstream) as proxy:
            base = proxy.proxied(upstream + "primary/simple/")
            assert base.startswith(proxy.url) and proxy.url != upstream.rstrip("/")
            page = httpx.get(base + "alpha/", headers={"Accept": "text/html"}, timeout=60)
            assert page.status_code == 200 and ">alpha-1.0-py3-none-any.whl</a>" in page.text
            missing = httpx.get(base + "nothing-here/", timeout=60)
            assert missing.status_code == 404
            seen_by_index = len(server.requests)
            logged = [(r.index, r.path, r.method, r.status) for r in proxy.requests]
        assert logged[0] == ("primary", "/primary/simple/alpha/", "GET", 200)
        assert logged[-1] == ("primary", "/primary/simple/nothing-here/", "GET", 404)
        assert len(logged) == seen_by_index == 2  # each request reached the index once
        assert proxy.requests[0].content_type and "html" in proxy.requests[0].content_type
    with pytest.raises(httpx.TransportError):
        httpx.get(proxy.url, timeout=60)


def test_an_unreachable_index_is_a_logged_502() -> None:
    with logging_proxy("primary", "http://127.0.0.1:9/") as proxy:
        response = httpx.get(proxy.url + "/simple/", timeout=60)
    assert response.status_code == 502
    assert [(r.path, r.status) for r in proxy.requests] == [("/simple/", 502)]


@pytest.mark.parametrize(("path", "project"), [
    ("/simple/alpha/", "alpha"),
    ("/files/alpha-1.0-py3-none-any.whl.metadata", "alpha"),
    ("/packages/Alpha_Beta-1.0.tar.gz", "alpha-beta"),
    ("/scenario/primary/+simple/alpha/", "alpha"),
    ("/scenario/primary/+f/1ab/cdef/alpha-1.0-py3-none-any.whl", "alpha"),
    ("/primary/simple/", None),
    ("/scenario/primary/+simple/", None),
])
def test_the_project_of_a_logged_path_in_each_index_layout(path: str, project: str | None) -> None:
    assert _project_of_path(path) == project
