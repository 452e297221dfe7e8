"""Mistake: the server ignores FC_SERVER_PORT and listens on another port (the next one up, or
any free one if that is taken)."""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

port = int(os.environ["FC_SERVER_PORT"]) + 1
with socket.socket() as probe:
    try:
        probe.bind(("0.0.0.0", port))
    except OSError:
        port = 0  # taken: let the kernel choose
fcapp.serve(fcapp.HEALTHY, port=port)
