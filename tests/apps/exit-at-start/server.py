"""Mistake: the process exits at start (a missing setting)."""
import os
import sys

if not os.environ.get("DATABASE_URL"):
    print("fatal: DATABASE_URL is not set", file=sys.stderr, flush=True)
    sys.exit(3)
