"""A stub GPU model server for a Function Compute custom container (standard library only).

Replace `load_model` / `infer` with your framework. FC sends requests to 0.0.0.0:9000:
  POST /invoke     inference (the warm-up script sends the first one)
  GET  /pre-stop   PreStop hook
The Initializer is command type (warmup.sh), so there is no /initialize route.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = {"loaded": False}
LOCK = threading.Lock()


def load_model():
    with LOCK:
        if not MODEL["loaded"]:
            # e.g. torch.load(...).cuda(); the first call pays the cost, warm-up makes it early
            MODEL["loaded"] = True


def infer(event):
    load_model()
    return {"echo": event, "device": os.environ.get("NVIDIA_VISIBLE_DEVICES", "none")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            event = json.loads(raw) if raw else None
        except ValueError:
            event = raw.decode("utf-8", "replace")
        rid = self.headers.get("x-fc-request-id") or "-"
        print("FC Invoke Start RequestId: " + rid, flush=True)
        result = infer(event)
        print("FC Invoke End RequestId: " + rid, flush=True)
        self._reply(200, result)

    def do_GET(self):
        if self.path == "/pre-stop":
            return self._reply(200, {"stopped": True})
        return self._reply(200, {"modelLoaded": MODEL["loaded"]})

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def main():
    port = int(os.environ.get("FC_SERVER_PORT") or 9000)
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    print("listening on 0.0.0.0:%d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
