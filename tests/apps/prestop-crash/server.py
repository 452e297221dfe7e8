"""Mistake: /pre-stop reads x-fc-initialization-timeout, which FC sends only when an
Initializer is configured (this function has none) — the handler crashes."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402



def pre_stop(req):
    timeout = int(req.headers["x-fc-initialization-timeout"])  # KeyError: header absent
    return 200, "bye after %d" % timeout


routes = dict(fcapp.HEALTHY)
routes[("GET", "/pre-stop")] = pre_stop
fcapp.serve(routes)
