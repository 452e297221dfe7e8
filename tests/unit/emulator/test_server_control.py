"""Control endpoints answer loopback clients only (unless allow_remote)."""

from __future__ import annotations

import email.message
import io
import json

import pytest

from fcctl.emulator.server import EmulatorServer, is_loopback, region_from_host


class FakeHandler:
    """The parts of BaseHTTPRequestHandler the server's dispatcher uses."""

    def __init__(self, client: str, path: str = "/_fcctl/health") -> None:
        self.client_address = (client, 40000)
        self.command = "GET"
        self.path = path
        self.headers = email.message.Message()  # http.server's headers are a Message too
        self.headers["Content-Length"] = "0"
        self.rfile = io.BytesIO()
        self.wfile = io.BytesIO()
        self.close_connection = False
        self.status = None

    def send_response(self, status):
        self.status = status

    def send_header(self, name, value):
        pass

    def end_headers(self):
        pass


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("10.1.2.3", False), ("example.com", False), ("", False),
])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


@pytest.mark.parametrize("allow_remote, status", [(False, 403), (True, 200)])
def test_control_from_a_remote_client(tmp_path, allow_remote, status):
    srv = EmulatorServer(tmp_path / "s.db", {"ak": "sk"}, log=None, allow_remote=allow_remote)
    try:
        h = FakeHandler("10.0.0.7")
        srv._serve(h)
        assert h.status == status
        if status == 403:
            assert json.loads(h.wfile.getvalue())["Code"] == "AccessDenied"
        local = FakeHandler("127.0.0.1")
        srv._serve(local)
        assert local.status == 200
    finally:
        srv.stop()


def test_region_from_host():
    assert region_from_host("fcv3.ap-southeast-1.aliyuncs.com", "cn-hangzhou") == "ap-southeast-1"
    assert region_from_host("fcv3.cn-beijing.aliyuncs.com:443", "x") == "cn-beijing"
    assert region_from_host("127.0.0.1:9000", "cn-hangzhou") == "cn-hangzhou"
    assert region_from_host(None, "cn-shanghai") == "cn-shanghai"


def test_every_control_route_has_a_handler_and_every_handler_a_route():
    from fcctl.emulator import routes
    from fcctl.emulator.server import CONTROL_HANDLERS

    actions = {action for _, _, action in routes.CONTROL_ROUTES}
    assert set(CONTROL_HANDLERS) == actions
    for method in CONTROL_HANDLERS.values():
        assert callable(getattr(EmulatorServer, method))
    defined = {n for n in vars(EmulatorServer) if n.startswith("_ctl_")}
    assert defined == set(CONTROL_HANDLERS.values())
