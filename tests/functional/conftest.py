"""Functional test harness: a real emulator over HTTP, the real CLI, the official SDK.

* ``emulator`` — an :class:`fcctl.emulator.server.EmulatorServer` on a free loopback port with a
  test key pair, its state in a temp SQLite file.
* ``fc`` — runs the CLI in-process (``fcctl.cli.main.main``) pointed at that emulator with the
  key pair in the standard environment variables; returns (exit code, stdout, stderr).
* ``sdk`` — the official SDK client, configured independently of fcctl, to check what FC holds.
* ``api_log`` — the emulator's request log (``/_fcctl/requests``), to count write calls.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from livetarget import fc_target  # noqa: F401  (fixture: emulator or real FC, live mode)

AK_ID = "test-ak"
AK_SECRET = "test-secret-value-never-printed"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def emulator(tmp_path):
    from fcctl.emulator.server import EmulatorServer

    srv = EmulatorServer(tmp_path / "state.db", credentials={AK_ID: AK_SECRET}, host="127.0.0.1",
                         port=0, log=None)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def fc(emulator, monkeypatch, capsys):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET)
    monkeypatch.delenv("FCCTL_ENDPOINT", raising=False)

    def run(*args: str, endpoint: str | None = None) -> Run:
        from fcctl.cli.main import main
        from fcctl.ui import console as console_mod

        console_mod._current = None
        capsys.readouterr()
        code = main(["--endpoint", endpoint or emulator.url, *args])
        out, err = capsys.readouterr()
        # No secret ever reaches output.
        assert AK_SECRET not in out and AK_SECRET not in err
        return Run(code, out, err)

    return run


@pytest.fixture
def sdk(emulator):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    host = emulator.url.split("://", 1)[1]
    return Client(Config(access_key_id=AK_ID, access_key_secret=AK_SECRET, endpoint=host,
                         protocol="http", region_id="cn-hangzhou"))


@pytest.fixture
def api_log(emulator):
    class Log:
        def all(self) -> list[dict]:
            with urllib.request.urlopen(emulator.url + "/_fcctl/requests") as r:
                return json.loads(r.read())["requests"]

        def clear(self) -> None:
            req = urllib.request.Request(emulator.url + "/_fcctl/requests", method="DELETE")
            urllib.request.urlopen(req).read()

        def writes(self) -> list[dict]:
            return [r for r in self.all() if r["method"] in ("POST", "PUT", "DELETE")
                    and r["path"].startswith("/2023-03-30/")]

    return Log()


@pytest.fixture
def project(tmp_path):
    """A working directory with a small custom-runtime app and a spec writer."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("print('hello from orders-api')\n")

    def write(text: str, name: str = "fc.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    write.dir = tmp_path
    return write


@pytest.fixture
def fc_proc(emulator):
    """Runs ``python -m fcctl`` in a real subprocess against the emulator (credentials come from
    the child's environment, read by alibabacloud-credentials at import, as in real use)."""
    import os
    import subprocess
    import sys

    def run(*args: str, env: dict | None = None, endpoint: str | None = None, cwd=None,
            timeout: float = 120) -> Run:
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_",
                                                                              "FCCTL_"))}
        child_env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID,
                          "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
                          "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
        child_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "fcctl", "--endpoint", endpoint or emulator.url, *args],
            capture_output=True, text=True, env=child_env, cwd=cwd, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        for secret in filter(None, (AK_SECRET, child_env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])):
            assert secret not in proc.stdout and secret not in proc.stderr
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run
