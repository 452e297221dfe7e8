"""A tiny FC custom-runtime server for tests; each app in tests/apps/ configures one mistake.

Every request it receives is appended as one line ``METHOD PATH`` to ``$APP_CALL_LOG`` (if set),
and its pid to ``$APP_PID_FILE`` (if set), so tests can assert hook order and that no process is
left behind. Standard library only.
"""

from __future__ import annotations

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def log_call(line: str) -> None:
    path = os.environ.get("APP_CALL_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(line + "\n")


def serve(routes: dict, *, host: str = "0.0.0.0", port: int | None = None) -> None:
    """Serve ``routes`` (``{("POST", "/initialize"): handler(req) -> (status, body)}``) on
    ``host:port`` (default ``$FC_SERVER_PORT`` or 9000)."""
    pid_file = os.environ.get("APP_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as fh:
            fh.write(str(os.getpid()))

    class Handler(BaseHTTPRequestHandler):
        def _handle(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.body = self.rfile.read(length) if length else b""
            log_call(f"{method} {self.path}")
            fn = routes.get((method, self.path))
            if fn is None:
                status, body = 404, b"no route"
            else:
                answer = fn(self)
                if answer is None:  # the route wrote (or deliberately broke) the answer itself
                    self.close_connection = True
                    return
                status, body = answer
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def log_message(self, fmt, *args):
            sys.stderr.write("app: " + (fmt % args) + "\n")

    port = int(os.environ.get("FC_SERVER_PORT", "9000")) if port is None else port
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    print(f"app listening on {host}:{server.server_address[1]}", flush=True)
    server.serve_forever()


def ok(_req):
    return 200, "ok"


def echo(req):
    return 200, b"echo:" + req.body


HEALTHY = {
    ("POST", "/initialize"): ok,
    ("POST", "/invoke"): echo,
    ("GET", "/pre-stop"): ok,
}


def sleep_then_ok(seconds: float):
    def handler(_req):
        time.sleep(seconds)
        return 200, "done"

    return handler
