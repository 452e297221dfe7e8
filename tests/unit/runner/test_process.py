"""ManagedProcess: own process group, output tail, SIGTERM→grace→SIGKILL, no stray left."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import pytest

from fcctl.runner.process import ManagedProcess, group_members, run_with_timeout, tagged_pids

pytestmark = pytest.mark.timeout(60)
PY = sys.executable


def _tag() -> str:
    return "test-" + uuid.uuid4().hex[:12]


def _wait_file(p: Path, timeout=10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.exists() and p.read_text().strip():
            return p.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{p} never written")


def test_own_group_and_output_tail(tmp_path):
    proc = ManagedProcess([PY, "-c", "import os,time; print('hello', os.getpgrp()); "
                           "print('my-secret-value'); time.sleep(30)"],
                          cwd=tmp_path, env=dict(os.environ), tag=_tag(),
                          redact=["my-secret-value"])
    try:
        assert proc.pgid == proc.pid != os.getpgrp()
        deadline = time.monotonic() + 10
        while "hello" not in proc.tail() and time.monotonic() < deadline:
            time.sleep(0.02)
        tail = proc.tail()
        assert f"hello {proc.pid}" in tail
        assert "my-secret-value" not in tail and "***" in tail
    finally:
        res = proc.stop(grace=2)
    assert res["left"] == [] and not res["killed"]
    assert group_members(proc.pgid) == []


def test_stop_kills_grandchildren_and_sigterm_ignorers(tmp_path):
    child_pid = tmp_path / "child.pid"
    code = (
        "import os, signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "c = subprocess.Popen([sys.executable, '-c', "
        "'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
        f"open({str(child_pid)!r}, 'w').write(str(c.pid))\n"
        "time.sleep(60)\n"
    )
    proc = ManagedProcess([PY, "-c", code], cwd=tmp_path, env=dict(os.environ), tag=_tag())
    grandchild = int(_wait_file(child_pid))
    assert grandchild in proc.members()
    res = proc.stop(grace=0.5)
    assert res["killed"] is True
    assert res["left"] == []
    assert not Path(f"/proc/{grandchild}").exists() or \
        Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="Linux /proc")
def test_stop_finds_strays_that_left_the_group(tmp_path):
    """A daemonizing child (setsid) escapes killpg; the environment tag still finds it."""
    stray_pid = tmp_path / "stray.pid"
    code = (
        "import os, subprocess, sys, time\n"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], "
        "start_new_session=True)\n"
        f"open({str(stray_pid)!r}, 'w').write(str(c.pid))\n"
        "time.sleep(60)\n"
    )
    tag = _tag()
    proc = ManagedProcess([PY, "-c", code], cwd=tmp_path, env=dict(os.environ), tag=tag)
    stray = int(_wait_file(stray_pid))
    assert stray in tagged_pids(tag)
    res = proc.stop(grace=1)
    assert res["left"] == []
    assert tagged_pids(tag) == []


def test_run_with_timeout_kills_a_hung_command_and_its_children(tmp_path):
    tag = _tag()
    code, timed_out, tail, elapsed = run_with_timeout(
        ["/bin/sh", "-c", "echo started; sleep 60 & sleep 60"], cwd=tmp_path,
        env=dict(os.environ), timeout=0.5, tag=tag)
    assert timed_out is True and code is None
    assert "started" in tail
    assert elapsed >= 0.5
    assert tagged_pids(tag) == []


def test_run_with_timeout_reports_exit_code(tmp_path):
    code, timed_out, tail, _ = run_with_timeout(
        ["/bin/sh", "-c", "echo oops >&2; exit 7"], cwd=tmp_path, env=dict(os.environ),
        timeout=10, tag=_tag())
    assert (code, timed_out) == (7, False)
    assert "oops" in tail


def test_missing_program_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        ManagedProcess(["/nonexistent/program"], cwd=tmp_path, env={}, tag=_tag())
