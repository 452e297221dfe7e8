"""Helpers for the emulator's functional tests."""

from __future__ import annotations

import time


class FakeClock:
    """A settable wall clock (seconds) for the emulator's time-based transitions."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- raw HTTP: requests signed with the official SDK's signer, sent over a plain socket -------
def signed_headers(method: str, path: str, query: dict[str, str], body: bytes, ak: str,
                   secret: str, *, host: str = "127.0.0.1", nonce: str | None = None,
                   date: str | None = None, extra: dict[str, str] | None = None
                   ) -> dict[str, str]:
    """The headers of an ACS3-HMAC-SHA256 request, signed by the SDK's own signer
    (``alibabacloud_tea_openapi.utils.Utils.get_authorization``)."""
    import hashlib
    import uuid

    from alibabacloud_tea_openapi.utils import Utils

    headers = {
        "host": host,
        "x-acs-date": date or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        **(extra or {}),
    }

    class _Req:
        pass

    _Req.method, _Req.pathname, _Req.query, _Req.headers = method, path, dict(query), headers
    headers["authorization"] = Utils.get_authorization(
        _Req, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], ak, secret)
    return headers


def raw_query(query: dict[str, str]) -> str:
    from urllib.parse import quote

    return "&".join(f"{quote(k, safe='')}={quote(v, safe='~')}" for k, v in query.items())


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"",
                  query: str = "", *, content_length: int | None = None) -> bytes:
    """One HTTP/1.1 request on the wire; ``content_length`` may lie about the body."""
    target = path + (f"?{query}" if query else "")
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    length = len(body) if content_length is None else content_length
    if length or body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Answer:
    """A parsed HTTP answer (``status`` None: the server closed without answering)."""

    def __init__(self, status, headers, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> dict:
        import json

        return json.loads(self.body)


def exchange(port: int, data: bytes, *, timeout: float = 10.0, sock=None,
             half_close: bool = False) -> Answer:
    """Send ``data`` and read one answer. Raises ``TimeoutError`` if the server neither answers
    nor closes within ``timeout`` (a hang). ``half_close``: shut our side after sending, so a
    request that promised more bytes ends instead of waiting."""
    import http.client
    import socket

    own = sock is None
    if own:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before taking everything
        # an answer to HEAD has a Content-Length but no body
        head = data.startswith(b"HEAD ")
        resp = http.client.HTTPResponse(sock, method="HEAD" if head else None)
        try:
            resp.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return Answer(None, {}, b"")
        return Answer(resp.status, dict(resp.getheaders()), resp.read())
    finally:
        if own:
            sock.close()
