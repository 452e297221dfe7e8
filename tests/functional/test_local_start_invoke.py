"""`fcctl local start` / `fcctl local invoke` with real processes: the state file, the
Initializer-first rule, Ctrl-C (PreStop, then stop) and no orphan after a hung hook."""

from __future__ import annotations

import json
import shutil
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from localhelpers import (FCCTL, app_spec, pid_alive, processes_with_tag, run_fcctl)

pytestmark = pytest.mark.timeout(60)


def _wait_for(pred, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        val = pred()
        if val:
            return val
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _start(spec: Path, *args, env_extra=None) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(env_extra or {})
    # a shell may start us with SIGINT ignored; a terminal's Ctrl-C is what we simulate
    return subprocess.Popen(FCCTL + ["local", "start", "-f", str(spec), *args], cwd=str(spec.parent),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _finish(proc: subprocess.Popen) -> None:
    """Safety net for failed assertions: stop `fcctl local start` politely, then firmly."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _state(spec: Path, name: str) -> dict | None:
    p = spec.parent / ".fcctl" / "local" / f"{name}.json"
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _calls(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_start_invoke_ctrl_c_runs_hooks_in_order_and_cleans_up(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("healthy", tmp_path)
    env = {"APP_CALL_LOG": str(calls)}
    proc = _start(spec, "--lazy-init", env_extra=env)
    try:
        st = _wait_for(lambda: _state(spec, "healthy"), what="the state file")
        assert st["initialized"] is False
        assert _calls(calls) == []  # lazy: no Initializer before the first invocation

        res = run_fcctl(["local", "invoke", "-f", str(spec), "--data", "ping"], cwd=tmp_path,
                        env_extra=env)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == "echo:ping"
        res = run_fcctl(["-o", "json", "local", "invoke", "-f", str(spec), "--data", "again"],
                        cwd=tmp_path, env_extra=env)
        assert res.returncode == 0, res.stderr
        doc = json.loads(res.stdout)
        assert doc["body"] == "echo:again" and doc["errorType"] is None
        # the Initializer succeeded once, before the first invocation only
        assert _calls(calls) == ["POST /initialize", "POST /invoke", "POST /invoke"]
        assert _state(spec, "healthy")["initialized"] is True

        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert proc.returncode == 130, err  # Ctrl-C: 130, like every command
    assert _calls(calls)[-1] == "GET /pre-stop"  # PreStop last
    assert "preStop: ok" in err
    assert "[healthy] app listening on 0.0.0.0:" in err  # the server's own output, followed
    assert not pid_alive(st["pid"])
    assert processes_with_tag(st["instanceId"]) == []
    assert _state(spec, "healthy") is None  # state file removed


def test_start_runs_initializer_eagerly_by_default(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("healthy", tmp_path)
    proc = _start(spec, env_extra={"APP_CALL_LOG": str(calls)})
    try:
        st = _wait_for(lambda: _state(spec, "healthy"), what="the state file")
        assert st["initialized"] is True
        assert _calls(calls) == ["POST /initialize"]
        proc.send_signal(signal.SIGTERM)  # e.g. a CI job being cancelled
        proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert _calls(calls) == ["POST /initialize", "GET /pre-stop"]
    assert processes_with_tag(st["instanceId"]) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_hung_initializer_leaves_no_process(tmp_path, sig):
    calls = tmp_path / "calls.log"
    pid_file = tmp_path / "server.pid"
    spec = app_spec("hung-init", tmp_path)
    proc = _start(spec, env_extra={"APP_CALL_LOG": str(calls), "APP_PID_FILE": str(pid_file)})
    try:
        _wait_for(lambda: "POST /initialize" in _calls(calls), what="the Initializer call")
        server_pid = int(pid_file.read_text())
        assert pid_alive(server_pid)
        proc.send_signal(sig)
        proc.communicate(timeout=20)
    finally:
        _finish(proc)
    _wait_for(lambda: not pid_alive(server_pid), timeout=5, what="the server to be gone")
    assert proc.returncode != 0


def test_invoke_without_running_instance_starts_one(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("healthy", tmp_path)
    res = run_fcctl(["local", "invoke", "-f", str(spec), "--data", "solo"], cwd=tmp_path,
                    env_extra={"APP_CALL_LOG": str(calls)})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "echo:solo"
    assert _calls(calls) == ["POST /initialize", "POST /invoke", "GET /pre-stop"]


def test_invoke_with_failing_initializer_reports_initialization_error(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("no-init-route", tmp_path)
    res = run_fcctl(["-o", "json", "local", "invoke", "-f", str(spec)], cwd=tmp_path,
                    env_extra={"APP_CALL_LOG": str(calls)})
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == 200
    assert doc["errorType"] == "InitializationError"
    assert doc["headers"]["x-fc-error-type"] == "InitializationError"
    assert "404" in json.loads(doc["body"])["errorMessage"]
    assert "POST /invoke" not in _calls(calls)  # the invocation never reached the server
    assert "GET /pre-stop" not in _calls(calls)  # FC discards an instance whose Initializer failed


def test_invoke_running_instance_whose_initializer_fails_keeps_trying(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("no-init-route", tmp_path)
    env = {"APP_CALL_LOG": str(calls)}
    proc = _start(spec, "--lazy-init", env_extra=env)
    try:
        st = _wait_for(lambda: _state(spec, "no-init-route"), what="the state file")
        for _ in range(2):
            res = run_fcctl(["local", "invoke", "-f", str(spec)], cwd=tmp_path, env_extra=env)
            assert res.returncode == 1
            assert "InitializationError" in res.stderr
        assert _calls(calls) == ["POST /initialize", "POST /initialize"]
        assert _state(spec, "no-init-route")["initialized"] is False
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert processes_with_tag(st["instanceId"]) == []
    # no PreStop after a failed Initializer, even when `local invoke` ran it in another process
    assert _calls(calls) == ["POST /initialize", "POST /initialize"]
    assert "preStop: skipped" in err and "Initializer failed" in err


def test_start_reports_a_server_that_never_comes_up(tmp_path):
    spec = app_spec("loopback", tmp_path)
    res = run_fcctl(["local", "start", "-f", str(spec)], cwd=tmp_path)
    assert res.returncode == 1
    assert "0.0.0.0" in res.stderr and "Traceback" not in res.stderr


def test_server_dies_with_fcctl_even_on_sigkill(tmp_path):
    """No orphan even when fcctl itself is killed without a chance to clean up (Linux:
    the server gets SIGTERM from the kernel when its parent dies)."""
    spec = app_spec("healthy", tmp_path)
    proc = _start(spec)
    try:
        st = _wait_for(lambda: _state(spec, "healthy"), what="the state file")
        proc.kill()
        proc.communicate(timeout=10)
    finally:
        _finish(proc)
    _wait_for(lambda: not pid_alive(st["pid"]), timeout=5, what="the orphaned server to exit")


def test_ctrl_c_during_local_check_leaves_no_process(tmp_path):
    calls = tmp_path / "calls.log"
    pid_file = tmp_path / "server.pid"
    spec = app_spec("hung-init", tmp_path)
    env = dict(os.environ, APP_CALL_LOG=str(calls), APP_PID_FILE=str(pid_file))
    proc = subprocess.Popen(FCCTL + ["local", "check", "-f", str(spec)], cwd=str(tmp_path),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        _wait_for(lambda: "POST /initialize" in _calls(calls), what="the Initializer call")
        server_pid = int(pid_file.read_text())
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert proc.returncode == 130, err
    _wait_for(lambda: not pid_alive(server_pid), timeout=5, what="the server to be gone")


def test_invoke_a_container_started_with_command_needs_no_command(tmp_path):
    """`local start --command` for a custom container; `local invoke` finds it without one."""
    from localhelpers import TEMPLATES, free_port

    shutil.copytree(TEMPLATES / "python-container", tmp_path / "app")
    spec = tmp_path / "app" / "fc.yaml"
    spec.write_text(spec.read_text().replace("port: 9000", f"port: {free_port()}"))
    proc = _start(spec, "--command", "python3 app.py")
    try:
        st = _wait_for(lambda: _state(spec, "python-container"), what="the state file")
        res = run_fcctl(["-o", "json", "local", "invoke", "-f", str(spec), "--data", '{"x": 2}'],
                        cwd=spec.parent)
        assert res.returncode == 0, res.stderr
        assert json.loads(json.loads(res.stdout)["body"])["event"] == {"x": 2}
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert processes_with_tag(st["instanceId"]) == []


def test_ctrl_c_with_failing_prestop_still_stops_and_exits_1(tmp_path):
    spec = app_spec("prestop-crash", tmp_path)
    proc = _start(spec)
    try:
        st = _wait_for(lambda: _state(spec, "prestop-crash"), what="the state file")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert proc.returncode == 1
    assert "preStop: failed" in err and "stop: ok" in err
    assert not pid_alive(st["pid"])
    assert processes_with_tag(st["instanceId"]) == []


def test_start_leaves_no_lock_file_after_it_stops(tmp_path):
    """`local invoke` takes `.fcctl/local/<fn>.lock`; a clean stop removes it with the state."""
    spec = app_spec("healthy", tmp_path)
    proc = _start(spec, "--lazy-init")
    try:
        _wait_for(lambda: _state(spec, "healthy"), what="the state file")
        res = run_fcctl(["local", "invoke", "-f", str(spec), "--data", "x"], cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert (tmp_path / ".fcctl" / "local" / "healthy.lock").exists()
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert proc.returncode == 130  # Ctrl-C after a clean stop
    assert sorted(p.name for p in (tmp_path / ".fcctl" / "local").iterdir()) == []


def test_tagged_leftovers_of_a_sigkilled_fcctl_are_killed_by_the_next_run(tmp_path):
    """fcctl SIGKILLed: the server gets SIGTERM (PDEATHSIG) but ignores it, and a grandchild that
    left the group orphans to init. Both still carry the instance's tag and the dead fcctl as
    owner; the next `fcctl local` run kills them and says so."""
    stray_file = tmp_path / "stray.pid"
    spec = app_spec("escaper", tmp_path)
    proc = _start(spec, env_extra={"APP_STRAY_PID_FILE": str(stray_file),
                                   "APP_STRAY_KEEP_ENV": "1"})
    stray = server = None
    try:
        st = _wait_for(lambda: _state(spec, "escaper"), what="the state file")
        stray = int(_wait_for(lambda: stray_file.exists() and stray_file.read_text(),
                              what="the stray's pid"))
        server = st["pid"]
        proc.kill()
        proc.communicate(timeout=10)
        assert pid_alive(stray) and pid_alive(server)  # nobody cleaned up
        assert set(processes_with_tag(st["instanceId"])) == {stray, server}

        (tmp_path / "other").mkdir()
        other = app_spec("healthy", tmp_path / "other")
        res = run_fcctl(["local", "check", "-f", str(other)], cwd=other.parent)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "leftover process(es)" in res.stderr and str(stray) in res.stderr
        _wait_for(lambda: not pid_alive(stray) and not pid_alive(server), timeout=10,
                  what="the leftovers to be gone")
        assert processes_with_tag(st["instanceId"]) == []
    finally:
        _finish(proc)
        for pid in (stray, server):
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
