"""Healthy app: every route answers 200 and is logged to $APP_CALL_LOG."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

fcapp.serve(fcapp.HEALTHY)
