"""Mistake: the server ignores FC_SERVER_PORT and listens on the next port up."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

fcapp.serve(fcapp.HEALTHY, port=int(os.environ["FC_SERVER_PORT"]) + 1)
