"""A Python web app for Function Compute's custom runtime (standard library only).

FC starts it with customRuntimeConfig.command/args in /code and talks to it over HTTP:
  POST /initialize  Initializer hook (once per instance, before any request)
  POST /invoke      event invocation (the event is the body)
  GET  /pre-stop    PreStop hook (before the instance is destroyed)
  anything else     HTTP-trigger requests (a web function)
It listens on 0.0.0.0:$FC_SERVER_PORT (default 9000): FC reaches the instance from outside,
so 127.0.0.1 would fail FC's health check. FC's x-fc-* headers are read with defaults, never
assumed present. Set APP_CALL_LOG=/path to record each lifecycle call (for local checks).
"""

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"initialized_at": None, "invocations": 0}


def record(what):
    path = os.environ.get("APP_CALL_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(what + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _request_id(self):
        return self.headers.get("x-fc-request-id") or "-"

    def _reply(self, status, payload, content_type="application/json"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_POST(self):
        rid = self._request_id()
        body = self._body()
        if self.path == "/initialize":
            record("initialize")
            print("FC Initialize Start RequestId: " + rid, flush=True)
            # Load configuration, open connections, warm caches here.
            STATE["initialized_at"] = time.time()
            print("FC Initialize End RequestId: " + rid, flush=True)
            return self._reply(200, {"initialized": True})
        if self.path == "/invoke":
            record("invoke")
            print("FC Invoke Start RequestId: " + rid, flush=True)
            STATE["invocations"] += 1
            try:
                event = json.loads(body) if body else None
            except ValueError:
                event = body.decode("utf-8", "replace")
            result = {
                "requestId": rid,
                "function": os.environ.get("FC_FUNCTION_NAME", ""),
                "event": event,
                "invocations": STATE["invocations"],
            }
            print("FC Invoke End RequestId: " + rid, flush=True)
            return self._reply(200, result)
        return self._http_request(body)

    def do_GET(self):
        if self.path == "/pre-stop":
            record("pre-stop")
            rid = self._request_id()
            print("FC PreStop Start RequestId: " + rid, flush=True)
            # Flush buffers, close connections, deregister here.
            print("FC PreStop End RequestId: " + rid, flush=True)
            return self._reply(200, {"stopped": True})
        return self._http_request(b"")

    def _http_request(self, body):
        record("http " + self.command + " " + self.path)
        return self._reply(200, {"path": self.path, "method": self.command, "bytes": len(body)})

    do_PUT = do_DELETE = do_PATCH = lambda self: self._http_request(self._body())

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def main():
    port = int(os.environ.get("FC_SERVER_PORT") or os.environ.get("FC_CUSTOM_LISTEN_PORT") or 9000)
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    print("listening on 0.0.0.0:%d" % port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
