"""GPU-style app whose command-type Initializer (warmup.sh) uses bash syntax under /bin/sh."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

fcapp.serve(fcapp.HEALTHY)
