"""Mistake: /invoke announces Content-Length: 100, sends 10 bytes and closes the connection."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402


def truncated(req):
    req.wfile.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
    req.wfile.flush()
    return None


routes = dict(fcapp.HEALTHY)
routes[("POST", "/invoke")] = truncated
fcapp.serve(routes)
