"""The refused index: a loopback port held bound and never listened on."""

from __future__ import annotations

import socket

import pytest

from wheelnext.conformance.runners.refused import refused_port, refused_url


def test_a_connection_to_the_refused_port_is_refused() -> None:
    port = refused_port()
    assert refused_url("internal") == f"http://127.0.0.1:{port}/internal/simple/"
    with socket.socket() as client, pytest.raises(ConnectionRefusedError):
        client.settimeout(300)
        client.connect(("127.0.0.1", port))
    with socket.socket() as other, pytest.raises(OSError):
        other.bind(("127.0.0.1", port))
