"""Mistake: the server listens on 127.0.0.1 instead of 0.0.0.0 (FC's health check fails)."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

fcapp.serve(fcapp.HEALTHY, host="127.0.0.1")
