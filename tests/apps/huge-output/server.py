"""Mistake: a chatty server — about 30 MB of log lines before it listens, then a healthy app."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

for i in range(300000):
    sys.stdout.write("chatter %07d %s\n" % (i, "x" * 90))
print("LAST CHATTER LINE", flush=True)
fcapp.serve(fcapp.HEALTHY)
