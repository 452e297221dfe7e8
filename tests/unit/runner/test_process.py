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


def _kill9(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except OSError:
        pass


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


# ignore SIGTERM; a grandchild leaves the group (setsid) and drops the tag (fresh environment)
_ESCAPER = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        os.execve(sys.executable, [sys.executable, '-c', 'import time; time.sleep(3600)'],\n"
    "                  {'PATH': '/usr/bin'})\n"
    "    open(sys.argv[1] + '.tmp', 'w').write(str(pid))\n"
    "    os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "    os._exit(0)\n"
    "time.sleep(3600)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux subreaper")
def test_stop_kills_descendants_that_left_the_group_and_dropped_the_tag(tmp_path):
    """Neither killpg nor the tag finds such a descendant; fcctl is a child subreaper, so it
    re-parents to fcctl and stop kills it, counted as a stray."""
    stray_file = tmp_path / "stray.pid"
    tag = _tag()
    proc = ManagedProcess([PY, "-c", _ESCAPER, str(stray_file)], cwd=tmp_path,
                          env=dict(os.environ), tag=tag)
    stray = int(_wait_file(stray_file))
    try:
        # the pid is written right after the fork: wait until its execve (fresh environment) is done
        deadline = time.monotonic() + 10
        while b"time.sleep(3600)" not in Path(f"/proc/{stray}/cmdline").read_bytes() and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        assert stray not in proc.members()  # invisible to the group and tag searches
        deadline = time.monotonic() + 10  # its parent exits; it re-parents to us
        while Path(f"/proc/{stray}/stat").read_text().rsplit(")", 1)[1].split()[1] != \
                str(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.02)
        res = proc.stop(grace=0.3)
        assert res["left"] == []
        assert res["strays"] == 1
        assert _dead(stray)
    finally:
        _kill9(stray)
        proc.stop(grace=0.1)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="Linux /proc")
def test_kill_leftovers_kills_tagged_processes_of_a_dead_owner_only(tmp_path):
    """After fcctl was SIGKILLed, its tagged processes are found by the next run through
    FCCTL_LOCAL_OWNER; processes of a live fcctl are left alone."""
    import subprocess

    from fcctl.runner.process import OWNER_ENV, TAG_ENV, kill_leftovers, owner_id

    dead_owner = subprocess.Popen([PY, "-c", "pass"])
    dead_owner.wait()
    sleeper = [PY, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
               "time.sleep(3600)"]
    orphan = subprocess.Popen(sleeper, env=dict(os.environ, **{
        TAG_ENV: _tag(), OWNER_ENV: f"{dead_owner.pid}:1"}))
    alive = subprocess.Popen(sleeper, env=dict(os.environ, **{
        TAG_ENV: _tag(), OWNER_ENV: owner_id()}))
    try:
        deadline = time.monotonic() + 10  # until the children have exec'd (environ readable)
        while time.monotonic() < deadline and not all(
                TAG_ENV.encode() in Path(f"/proc/{p.pid}/environ").read_bytes()
                for p in (orphan, alive)):
            time.sleep(0.02)
        found = kill_leftovers(grace=0.2)
        assert orphan.pid in found and alive.pid not in found
        assert orphan.wait(timeout=10) in (-15, -9)  # SIGTERM if it had not yet ignored it
        assert alive.poll() is None
    finally:
        for p in (orphan, alive):
            p.kill()
            p.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux subreaper")
def test_exited_orphans_are_reaped_while_the_instance_runs(tmp_path):
    """Short-lived double-forked helpers re-parent to fcctl and exit: reap_strays collects the
    zombies (a long `local start` must not accumulate them)."""
    done = tmp_path / "done"
    code = (
        "import os, sys, time\n"
        "for _ in range(3):\n"
        "    if os.fork() == 0:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(0.2)\n"
        "            os._exit(0)\n"
        "        os._exit(0)\n"
        "    os.wait()\n"
        "open(sys.argv[1], 'w').write('1')\n"
        "time.sleep(60)\n"
    )
    proc = ManagedProcess([PY, "-c", code, str(done)], cwd=tmp_path, env=dict(os.environ),
                          tag=_tag())
    try:
        _wait_file(done)
        me = str(os.getpid())

        def zombie_children():
            out = []
            for e in os.listdir("/proc"):
                if e.isdigit() and int(e) != proc.pid:
                    try:
                        f = Path(f"/proc/{e}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    if f[1] == me and f[0] == "Z":
                        out.append(int(e))
            return out

        deadline = time.monotonic() + 10
        reaped = 0
        while reaped < 3 and time.monotonic() < deadline:
            reaped += proc.reap_strays()
            time.sleep(0.05)
        assert reaped == 3
        assert zombie_children() == []
        assert proc.poll() is None  # the instance itself is untouched
    finally:
        res = proc.stop(grace=0.5)
    assert res["left"] == [] and res["strays"] == 0


def test_huge_output_is_kept_bounded_and_followers_hear_of_the_drop(tmp_path, monkeypatch):
    """A process writing ~20 MB: fcctl keeps only the last OUTPUT_KEEP_BYTES (in memory, no file
    in the temp directory), the tail ends with the last line, and a follower that fell behind is
    told how much it missed."""
    import tempfile

    from fcctl.runner import process

    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    proc = ManagedProcess([PY, "-c", "import sys\n"
                           "for i in range(200000): sys.stdout.write('line %07d %s\\n' % (i, 'x' * 90))\n"
                           "print('LAST LINE', flush=True)"],
                          cwd=tmp_path, env=dict(os.environ), tag=_tag())
    try:
        assert proc.wait(timeout=50) == 0
    finally:
        proc.stop(grace=1)
    assert proc.output.total > 20 * process.OUTPUT_KEEP_BYTES
    assert len(proc.output.buf) <= process.OUTPUT_KEEP_BYTES
    assert proc.tail().endswith("LAST LINE")
    followed = proc.read_new()
    assert followed.startswith("[… ") and "bytes of output dropped" in followed
    assert followed.splitlines()[1].startswith("line ")  # whole lines after the drop
    assert followed.rstrip().endswith("LAST LINE")
    assert list(private_tmp.iterdir()) == []  # nothing written to disk
