"""Mistake: /initialize takes 3 s but the Initializer timeout is 1 s."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

routes = dict(fcapp.HEALTHY)
routes[("POST", "/initialize")] = fcapp.sleep_then_ok(3)
fcapp.serve(routes)
