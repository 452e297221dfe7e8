"""Mistake: /initialize answers one byte a second (200 OK, Content-Length 100) — a per-read
timeout never fires; only a deadline for the whole exchange ends it. Writes to $APP_TRICKLE_LOG
"finished" if it got to send everything, else "closed after N bytes"."""
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402


def trickle(req):
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n" + b"x" * 100
    sent = 0
    try:
        for i in range(len(answer)):
            req.wfile.write(answer[i:i + 1])
            req.wfile.flush()
            sent += 1
            time.sleep(float(os.environ.get("APP_TRICKLE_EVERY", "1")))
        result = "finished"
    except OSError:
        result = f"closed after {sent} bytes"
    log = os.environ.get("APP_TRICKLE_LOG")
    if log:
        with open(log, "w") as fh:
            fh.write(result)
    return None


routes = dict(fcapp.HEALTHY)
routes[("POST", "/initialize")] = trickle
fcapp.serve(routes)
