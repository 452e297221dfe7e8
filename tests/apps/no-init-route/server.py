"""Mistake: the spec enables the Initializer with a placeholder handler ("not-used"), but the
server has no /initialize route (404)."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

routes = dict(fcapp.HEALTHY)
del routes[("POST", "/initialize")]
fcapp.serve(routes)
