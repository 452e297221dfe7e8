"""netprobe: /proc/net/tcp(6) parsing against real sockets of this process."""

from __future__ import annotations

import os
import socket

import pytest

from fcctl.runner import netprobe

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="Linux /proc")


@pytest.mark.parametrize("host, wildcard, loopback", [("0.0.0.0", True, False),
                                                      ("127.0.0.1", False, True)])
def test_listener_bind_address(host, wildcard, loopback):
    with socket.socket() as s:
        s.bind((host, 0))
        s.listen()
        port = s.getsockname()[1]
        mine = [ls for ls in netprobe.owned_listeners([os.getpid()]) if ls.port == port]
        assert len(mine) == 1
        assert mine[0].address == host
        assert mine[0].wildcard is wildcard and mine[0].loopback_only is loopback
        assert netprobe.port_in_use(port)
    assert not any(ls.port == port for ls in netprobe.listeners())


def test_ipv6_listeners():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with s:
        s.listen()
        port = s.getsockname()[1]
        (ls,) = [x for x in netprobe.listeners() if x.port == port]
        assert ls.address == "::1" and ls.loopback_only


def test_decode_addresses():
    assert netprobe._decode_addr("0100007F") == "127.0.0.1"
    assert netprobe._decode_addr("00000000") == "0.0.0.0"
    assert netprobe._decode_addr("00000000000000000000000000000000") == "::"
    assert netprobe._decode_addr("00000000000000000000000001000000") == "::1"
    # IPv4-mapped ::ffff:127.0.0.1
    assert netprobe._decode_addr("0000000000000000FFFF00000100007F") == "127.0.0.1"


def test_connect_refused_on_closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert netprobe.can_connect("127.0.0.1", port) is False
