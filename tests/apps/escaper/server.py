"""Escaper app: ignores SIGTERM, and a grandchild leaves the process group (setsid) AND drops the
instance's environment (execve with {"PATH": "/usr/bin"}), so neither killpg nor the
FCCTL_LOCAL_TAG search finds it. It inherits the ignored SIGTERM and sleeps 3600 s.
Its pid is written to $APP_STRAY_PID_FILE (if set) for the tests. With APP_STRAY_KEEP_ENV=1 the
grandchild keeps the environment (and so the tag) — the case of a SIGKILLed fcctl.
"""
import os, signal, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fcapp  # noqa: E402

signal.signal(signal.SIGTERM, signal.SIG_IGN)
pid_file = os.environ.get("APP_STRAY_PID_FILE", "")
if os.fork() == 0:
    os.setsid()
    pid = os.fork()
    if pid == 0:
        env = dict(os.environ) if os.environ.get("APP_STRAY_KEEP_ENV") else {"PATH": "/usr/bin"}
        os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(3600)"], env)
    if pid_file:
        with open(pid_file + ".tmp", "w") as fh:
            fh.write(str(pid))
        os.replace(pid_file + ".tmp", pid_file)
    os._exit(0)
fcapp.serve(fcapp.HEALTHY)
