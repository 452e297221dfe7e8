"""Ctrl-C anywhere exits 130 without a traceback and without finishing long waits first.

The operations below would otherwise run for minutes (a PreStop hook that hangs 90 s — FC's default PreStop
quota, which the emulator enforces —, an API
that throttles every call); the subprocess timeouts are only safety nets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.functional.conftest import AK_ID, AK_SECRET
from tests.functional.test_rollout import invoke, write_spec


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    return env


def interrupt_after(args, marker: bytes, emulator):
    proc = subprocess.Popen([sys.executable, "-m", "fcctl", "--endpoint", emulator.url, *args],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = b""
    deadline = time.monotonic() + 60
    while marker not in seen and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    assert marker in seen, seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, seen + err


def test_ctrl_c_during_rollout_drain(fc, sdk, emulator, project):
    spec = write_spec(project, FCCTL_EMULATOR_PRESTOP_HANG="1")
    text = open(spec).read().replace('preStop: {handler: "true", timeout: 5}',
                                     'preStop: {handler: "true", timeout: 90}')
    open(spec, "w").write(text)
    assert fc("deploy", "-f", spec).code == 0
    invoke(sdk)
    code, out, err = interrupt_after(["rollout", "-f", spec, "-o", "json"], b"update accepted",
                                     emulator)
    assert code == 130
    assert b"Traceback" not in err
    assert json.loads(out)["error"]["type"] == "Interrupted"


def test_ctrl_c_while_every_call_is_throttled(fc, emulator, project):
    spec = write_spec(project)
    req = urllib.request.Request(emulator.url + "/_fcctl/config", method="PUT",
                                 data=json.dumps({"faultRate": 1.0, "faultKinds": ["503"]}).encode())
    urllib.request.urlopen(req).read()
    code, _out, err = interrupt_after(["plan", "-f", spec], b"retrying", emulator)
    assert code == 130
    assert b"Traceback" not in err and b"interrupted" in err
