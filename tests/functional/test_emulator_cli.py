"""``fcctl emulator serve`` as a real process: start-up line, per-request log, Ctrl-C,
credentials from options or environment, loopback only, the secret never printed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

FCCTL = [sys.executable, "-m", "fcctl"]
AK, SECRET = "AKID-cli", "cli-secret-never-printed"


def _sdk(port_or_host: str):
    # imported on use, not at collection (alibabacloud-credentials snapshots the environment
    # when imported; other in-process tests set it up first)
    from alibabacloud_fc20230330 import models as fc
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    return fc, Client(Config(access_key_id=AK, access_key_secret=SECRET, endpoint=port_or_host,
                             protocol="http"))


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    env.update(extra)
    return env


class Served:
    """A running ``fcctl emulator serve`` whose stderr is collected line by line."""

    def __init__(self, args: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(FCCTL + ["emulator", "serve", *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match:
        regex = re.compile(pattern)
        with self._cond:
            found = None

            def _found():
                nonlocal found
                for line in self.lines:
                    found = regex.search(line)
                    if found:
                        return True
                return self.proc.poll() is not None

            self._cond.wait_for(_found, timeout=timeout)
        assert found, f"no line matching {pattern!r} in {self.lines}"
        return found

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        return code


@pytest.fixture
def served(tmp_path):
    started: list[Served] = []

    def start(args, env):
        s = Served(args, env)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait(timeout=10)


def test_serve_logs_each_request_and_stops_on_ctrl_c(served, tmp_path):
    s = served(["--port", "0", "--state", str(tmp_path / "st.db"),
                "--access-key-id", AK, "--access-key-secret", SECRET], _env())
    url = s.wait_for(r"listening on (http://127\.0\.0\.1:\d+)").group(1)
    port = int(url.rsplit(":", 1)[1])
    fc, fcc = _sdk(f"127.0.0.1:{port}")
    assert fcc.list_functions(fc.ListFunctionsRequest()).body.functions == []
    s.wait_for(r"^GET /2023-03-30/functions 200 ListFunctions [0-9A-F-]{36}$")
    code = s.stop()
    assert code in (0, 130)
    out = "\n".join(s.lines) + s.proc.stdout.read()
    assert SECRET not in out


def test_key_pair_from_standard_environment(served, tmp_path):
    s = served(["--port", "0", "--state", str(tmp_path / "st.db")],
               _env(ALIBABA_CLOUD_ACCESS_KEY_ID=AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET))
    url = s.wait_for(r"listening on (http://127\.0\.0\.1:\d+)").group(1)
    fc, fcc = _sdk(url.removeprefix("http://"))
    fcc.list_functions(fc.ListFunctionsRequest())
    assert s.stop() in (0, 130)
    assert SECRET not in "\n".join(s.lines)


def test_no_key_pair_is_a_usage_error(tmp_path):
    res = subprocess.run(FCCTL + ["emulator", "serve", "--port", "0", "--state",
                                  str(tmp_path / "s.db")],
                         env=_env(), capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in res.stderr and "--access-key-id" in res.stderr
    assert "Traceback" not in res.stderr


def test_non_loopback_host_needs_allow_remote(tmp_path):
    res = subprocess.run(FCCTL + ["emulator", "serve", "--host", "0.0.0.0", "--port", "0",
                                  "--state", str(tmp_path / "s.db"),
                                  "--access-key-id", AK, "--access-key-secret", SECRET],
                         env=_env(), capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "--allow-remote" in res.stderr
    assert SECRET not in res.stderr + res.stdout


def test_port_in_use_is_reported_without_traceback(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        res = subprocess.run(FCCTL + ["emulator", "serve", "--port", str(port),
                                      "--state", str(tmp_path / "s.db"),
                                      "--access-key-id", AK, "--access-key-secret", SECRET],
                             env=_env(), capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert f"127.0.0.1:{port}" in res.stderr and "Traceback" not in res.stderr
    assert Path(tmp_path / "s.db").exists()


def test_options_reach_the_server(served, tmp_path):
    import json
    import urllib.request

    s = served(["--port", "0", "--state", str(tmp_path / "st.db"), "--latency-ms", "25",
                "--fault-rate", "0.1", "--fault-kinds", "500,drop", "--update-delay", "2",
                "--idle-timeout", "60", "--seed", "3", "--region", "ap-southeast-1",
                "--account-id", "42"],
               _env(ALIBABA_CLOUD_ACCESS_KEY_ID=AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET))
    url = s.wait_for(r"listening on (http://127\.0\.0\.1:\d+)").group(1)
    with urllib.request.urlopen(url + "/_fcctl/config", timeout=10) as resp:
        config = json.loads(resp.read())
    assert config == {"latencyMs": 25.0, "faultRate": 0.1, "faultKinds": ["500", "drop"],
                      "retryAfterMs": 100, "updateDelayS": 2.0, "idleTimeoutS": 60.0,
                      "region": "ap-southeast-1", "accountId": "42"}
    assert s.stop() in (0, 130)


def test_bad_fault_kinds_is_a_usage_error(tmp_path):
    res = subprocess.run(FCCTL + ["emulator", "serve", "--port", "0", "--state",
                                  str(tmp_path / "s.db"), "--fault-kinds", "404"],
                         env=_env(ALIBABA_CLOUD_ACCESS_KEY_ID=AK,
                                  ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET),
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "--fault-kinds" in res.stderr
