"""A tiny FC custom-runtime app (stdlib only) for fc.yaml.example.

FC's HTTP contract for custom runtimes (docs/fc-facts.md, "Local runner": FC docs
函数实例生命周期回调（自定义运行时） and 上下文及日志格式):
  POST /initialize  the Initializer (code type): warm up; 2xx = success
  GET  /pre-stop    the PreStop hook: flush and close; 2xx = success
  POST /invoke      an event invocation (body = the event); any other path is treated as an
                    HTTP invocation and answered the same way
It listens on 0.0.0.0:$FC_SERVER_PORT (default 9000) and never relies on x-fc-* headers being
present (a local runner or a plain curl may omit them).
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"initialized_at": None, "invocations": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fcctl-example/1"

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: int, payload: dict) -> None:
        data = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _request_id(self) -> str:
        return self.headers.get("x-fc-request-id") or "-"

    def log_message(self, fmt: str, *args) -> None:  # one line per request on stderr
        sys.stderr.write(f"{self.command} {self.path} rid={self._request_id()}\n")

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        body = self._body()
        if self.path == "/initialize":
            STATE["initialized_at"] = time.time()
            self._reply(200, {"initialized": True})
            return
        self._invoke(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/pre-stop":
            sys.stderr.write(f"pre-stop after {STATE['invocations']} invocation(s)\n")
            self._reply(200, {"stopped": True})
            return
        self._invoke(b"")

    do_PUT = do_DELETE = do_PATCH = do_POST  # HTTP invocations with any method

    def _invoke(self, body: bytes) -> None:
        STATE["invocations"] += 1
        self._reply(200, {
            "path": self.path,
            "function": self.headers.get("x-fc-function-name") or os.environ.get("FC_FUNCTION_NAME", ""),
            "initialized": STATE["initialized_at"] is not None,
            "invocations": STATE["invocations"],
            "bytes": len(body),
        })


def main() -> None:
    port = int(os.environ.get("FC_SERVER_PORT") or os.environ.get("FC_CUSTOM_LISTEN_PORT") or 9000)
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    sys.stderr.write(f"listening on 0.0.0.0:{port}\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
