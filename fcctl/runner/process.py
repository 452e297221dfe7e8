"""Processes the local runner starts: own process group, captured output, guaranteed stop.

Every process is started with ``start_new_session=True`` (its own session and process group),
its stdout+stderr go through a pipe into a bounded in-memory ring buffer (the last
:data:`OUTPUT_KEEP_BYTES`; ``tail()`` reads its end for error messages — no file on disk, so
nothing is left behind even when fcctl is SIGKILLed), and it is
registered so that an ``atexit`` handler stops whatever is still running when fcctl exits by any
path. Stopping is SIGTERM to the group, a grace period, then SIGKILL; only groups fcctl started
are signalled. On Linux, processes that left the group (``setsid``) are found through the
``FCCTL_LOCAL_TAG`` variable in their environment and killed too.

Descendants that leave the group *and* drop the tag (a fresh ``execve`` environment) are caught
on Linux because fcctl makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``) before it
starts anything: orphaned descendants re-parent to fcctl instead of init, and :meth:`stop` kills
and reaps fcctl's children that appeared after the instance started. When fcctl itself is
SIGKILLed, its grandchildren orphan to init; every process also carries
``FCCTL_LOCAL_OWNER=<fcctl pid>:<start time>``, so the next run finds tagged leftovers of a dead
fcctl and kills them (:func:`kill_leftovers`). Untagged leftovers of a SIGKILLed fcctl cannot be
told apart from unrelated processes and are not touched.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterable, Mapping, Sequence

# Every process fcctl local starts carries this variable, so strays can be found in /proc.
TAG_ENV = "FCCTL_LOCAL_TAG"
# ... and this one names the fcctl process that owns it ("<pid>:<start time in clock ticks>"), so
# a later run can tell leftovers of a dead fcctl from processes of a live one.
OWNER_ENV = "FCCTL_LOCAL_OWNER"
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
# Policy: how much of a process's output fcctl keeps (in memory) for diagnosis and following.
OUTPUT_KEEP_BYTES = 256 * 1024


class OutputRing:
    """The last ``limit`` bytes written, plus the running total (offsets for followers)."""

    def __init__(self, limit: int = OUTPUT_KEEP_BYTES) -> None:
        self.limit = limit
        self.buf = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self.lock:
            self.buf += data
            self.total += len(data)
            if len(self.buf) > self.limit:
                del self.buf[:len(self.buf) - self.limit]

    def tail(self, n: int) -> tuple[bytes, bool]:
        """The last ``n`` bytes, and whether earlier output exists (the start may be cut)."""
        with self.lock:
            return bytes(self.buf[-n:]) if n > 0 else b"", self.total > n

    def since(self, offset: int) -> tuple[bytes, int, int]:
        """``(bytes written after offset, start offset of them, bytes dropped before them)``."""
        with self.lock:
            first = self.total - len(self.buf)
            dropped = max(0, first - offset)
            offset = max(offset, first)
            return bytes(self.buf[offset - first:]), offset, dropped


def _pump(fd: int, ring: OutputRing) -> None:
    """Copy a pipe into ``ring`` until EOF (every writer closed it)."""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        ring.write(data)

_registry: set["ManagedProcess"] = set()
_registry_lock = threading.Lock()


def _cleanup_all() -> None:
    with _registry_lock:
        procs = list(_registry)
    for proc in procs:
        try:
            proc.stop(grace=1.0)
        except Exception:  # atexit: never raise
            pass


atexit.register(_cleanup_all)


def _stat_fields(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after ``comm`` (index 0 = state, 1 = ppid, 2 = pgrp,
    19 = start time in clock ticks since boot), or None when gone/unreadable."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may contain spaces/parentheses: split after the last ')'
    rest = data[data.rfind(")") + 2:].split()
    return rest if len(rest) > 19 else None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, pgid) of a pid from /proc, or None when gone/unreadable."""
    rest = _stat_fields(pid)
    if rest is None:
        return None
    return rest[0], int(rest[2])


def _start_ticks(pid: int | str) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (Linux), or None."""
    rest = _stat_fields(pid)
    return int(rest[19]) if rest else None


def owner_id() -> str:
    """This process's identity for ``FCCTL_LOCAL_OWNER``: ``"<pid>:<start ticks>"`` (the start
    time tells a reused pid from the original; ``"<pid>:"`` where /proc is missing)."""
    pid = os.getpid()
    ticks = _start_ticks(pid)
    return f"{pid}:{'' if ticks is None else ticks}"


def _owner_alive(owner: str) -> bool:
    """True when the fcctl process named by an ``FCCTL_LOCAL_OWNER`` value still runs."""
    pid_text, _, ticks = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return True  # unknown format: never treat as dead
    rest = _stat_fields(pid)
    if rest is None or rest[0] in ("Z", "X"):
        return False
    return not ticks or rest[19] == ticks


_subreaper_done = False


def become_subreaper() -> bool:
    """Linux: make this process a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER, 1)``), so
    orphaned descendants re-parent to it instead of init. Best effort; True when in effect."""
    global _subreaper_done
    if _subreaper_done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper_done = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except Exception:
        _subreaper_done = False
    return _subreaper_done


def _registered_pids() -> set[int]:
    with _registry_lock:
        return {p.pid for p in _registry}


def stray_children(since_ticks: int | None, exclude: Iterable[int] = ()) -> list[int]:
    """This process's children (re-parented orphans, thanks to the subreaper) that started at or
    after ``since_ticks`` (clock ticks since boot) and are not processes fcctl started itself
    (running :class:`ManagedProcess` leaders, ``exclude``). Zombies included (to be reaped)."""
    if since_ticks is None or not os.path.isdir("/proc"):
        return []
    me = str(os.getpid())
    skip = _registered_pids() | set(exclude)
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in skip:
            continue
        rest = _stat_fields(entry)
        if rest and rest[1] == me and int(rest[19]) >= since_ticks:
            out.append(int(entry))
    return sorted(out)


def _reap(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        except OSError:
            pass


def _live(pids: Iterable[int]) -> list[int]:
    out = []
    for pid in pids:
        st = _proc_stat(pid)
        if st and st[0] not in ("Z", "X"):
            out.append(pid)
    return out


def kill_strays(since_ticks: int | None, grace: float,
                exclude: Iterable[int] = ()) -> tuple[int, list[int]]:
    """SIGTERM the :func:`stray_children`, wait up to ``grace`` seconds, SIGKILL what is left
    and reap them; repeat for their own children, which re-parent here in turn (at most 10
    rounds).

    Returns ``(number of strays that were running, pids still alive afterwards)``.
    """
    seen: set[int] = set()
    for _ in range(10):
        pids = stray_children(since_ticks, exclude)
        _reap(pids)
        live = _live(pids)
        if not live:
            return len(seen), []
        seen.update(live)
        _signal_pids(live, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _live(live) and time.monotonic() < deadline:
            _reap(live)
            time.sleep(0.02)
        _signal_pids(_live(live), signal.SIGKILL)
        deadline = time.monotonic() + 5.0  # safety net: SIGKILL cannot be ignored
        while _live(live) and time.monotonic() < deadline:
            _reap(live)
            time.sleep(0.02)
        _reap(live)
    return len(seen), _live(stray_children(since_ticks, exclude))


def _signal_pids(pids: Iterable[int], sig: int) -> None:
    """``os.kill`` each pid, ignoring processes already gone (or not ours)."""
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_leftovers(grace: float = 1.0) -> list[int]:
    """Kill the tagged processes left by an earlier fcctl that died without cleaning up
    (SIGKILL): processes carrying ``FCCTL_LOCAL_TAG`` whose ``FCCTL_LOCAL_OWNER`` is gone.
    SIGTERM, ``grace`` seconds, SIGKILL. Returns the pids that were found (Linux; else []).
    They are not reaped here: they are not this process's children (init's, or a subreaper's)."""
    if not os.path.isdir("/proc"):
        return []
    tag_prefix = f"{TAG_ENV}=".encode()
    owner_prefix = f"{OWNER_ENV}=".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if not any(e.startswith(tag_prefix) for e in env):
            continue
        owner = next((e[len(owner_prefix):] for e in env if e.startswith(owner_prefix)), None)
        if owner is None or _owner_alive(owner.decode("ascii", "replace")):
            continue
        st = _proc_stat(int(entry))
        if st and st[0] not in ("Z", "X"):
            found.append(int(entry))
    if not found:
        return []
    _signal_pids(found, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _live(found) and time.monotonic() < deadline:
        time.sleep(0.02)
    _signal_pids(_live(found), signal.SIGKILL)
    deadline = time.monotonic() + 5.0  # safety net: SIGKILL cannot be ignored
    while _live(found) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) pids whose process group is ``pgid`` (Linux /proc; elsewhere: the
    group leader if ``killpg(pgid, 0)`` succeeds)."""
    if not os.path.isdir("/proc"):
        try:
            os.killpg(pgid, 0)
            return [pgid]
        except OSError:
            return []
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _proc_stat(int(entry))
        if st and st[1] == pgid and st[0] not in ("Z", "X"):
            out.append(int(entry))
    return out


def tagged_pids(tag: str) -> list[int]:
    """Live pids whose environment holds ``FCCTL_LOCAL_TAG=<tag>`` (own-user processes only)."""
    needle = f"{TAG_ENV}={tag}".encode()
    out = []
    if not os.path.isdir("/proc"):
        return out
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            st = _proc_stat(int(entry))
            if st and st[0] not in ("Z", "X"):
                out.append(int(entry))
    return out


def _parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """Linux: ask the kernel to SIGTERM the child if fcctl dies without cleaning up (SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# Bytes read before a tail's window, so a secret that straddles the cut is masked before the
# cut (fcctl.ui.redact.scrub_tail).
TAIL_MARGIN = 65536


class ManagedProcess:
    """One started process group.

    ``argv`` runs in ``cwd`` with exactly ``env`` (plus ``FCCTL_LOCAL_TAG=tag`` and
    ``FCCTL_LOCAL_OWNER``). ``pid`` is also the group id. ``tail(n)`` returns the last ``n`` bytes
    of combined output (text); ``redact`` values are replaced by ``***`` in it (secrets never
    reach messages). ``sweep_strays``: at :meth:`stop`, also kill fcctl's re-parented children
    that appeared after this process started (the instance's escaped descendants); off for
    hooks, whose sweep would catch the instance's own background processes.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        tag: str,
        redact: Iterable[str] = (),
        stdin_devnull: bool = True,
        sweep_strays: bool = True,
    ) -> None:
        self.argv = list(argv)
        self.sweep_strays = sweep_strays
        self.tag = tag
        self.redact = [r for r in redact if r and len(r) >= 4]
        self.output = OutputRing()
        full_env = dict(env)
        full_env[TAG_ENV] = tag
        full_env[OWNER_ENV] = owner_id()
        become_subreaper()  # before the start: orphans of this instance re-parent to fcctl
        self.started = time.monotonic()
        self.popen = subprocess.Popen(
            self.argv,
            cwd=str(cwd),
            env=full_env,
            stdin=subprocess.DEVNULL if stdin_devnull else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal if sys.platform.startswith("linux") else None,
        )
        self._reader = threading.Thread(target=_pump, args=(self.popen.stdout.fileno(), self.output),
                                        name=f"fcctl-output-{tag}", daemon=True)
        self._reader.start()
        self.pid = self.popen.pid
        self.pgid = self.pid
        # every descendant starts at or after the leader (clock ticks since boot; None off Linux)
        self.start_ticks = _start_ticks(self.pid)
        self.stopped_by_kill = False
        self.strays_killed = 0
        with _registry_lock:
            _registry.add(self)

    # -- state --------------------------------------------------------------------------------
    def poll(self) -> int | None:
        """Exit code of the leader or None while it runs."""
        return self.popen.poll()

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def wait(self, timeout: float | None) -> int | None:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def _masked(self, data: bytes) -> str:
        """Decoded, with secrets masked in every encoding and control characters made visible
        (fcctl.ui.redact)."""
        from fcctl.ui.redact import register, scrub

        register(self.redact)
        return scrub(data.decode("utf-8", "replace"))

    def tail(self, limit: int = 2000) -> str:
        """The last ``limit`` bytes of the output (at most :data:`OUTPUT_KEEP_BYTES`), decoded,
        with secrets masked; a first line cut by the limit is dropped (it could hold the end of
        a secret)."""
        data, cut = self.output.tail(limit)
        if cut and b"\n" in data:
            data = data[data.index(b"\n") + 1:]
        return self._masked(data).strip()

    def read_new(self) -> str:
        """Output written since the last call (decoded, secrets masked) — for following it.
        Output that left the ring buffer before it was read is replaced by one line saying how
        many bytes were dropped."""
        offset = getattr(self, "_follow_offset", 0)
        data, start, dropped = self.output.since(offset)
        if dropped and b"\n" in data:  # the ring's first line is cut: drop it too
            skip = data.index(b"\n") + 1
            data, start, dropped = data[skip:], start + skip, dropped + skip
        # only whole lines, so a secret is never split across two reads (unless one line fills
        # the whole buffer)
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) >= self.output.limit // 2:
            cut = len(data)
        self._follow_offset = start + cut
        text = self._masked(data[:cut])
        if dropped:
            text = f"[… {dropped} bytes of output dropped (fcctl keeps the last " \
                   f"{OUTPUT_KEEP_BYTES // 1024} KB) …]\n" + text
        return text

    def members(self) -> list[int]:
        """Live pids of this process group plus tagged strays."""
        pids = set(group_members(self.pgid))
        pids.update(tagged_pids(self.tag))
        return sorted(pids)

    def reap_strays(self) -> int:
        """Reap exited descendants that re-parented to fcctl (the subreaper) while the instance
        runs, so a long ``local start`` collects no zombies. Returns how many were reaped."""
        zombies = [pid for pid in stray_children(self.start_ticks, exclude=(self.pid,))
                   if (_proc_stat(pid) or ("", 0))[0] == "Z"]
        _reap(zombies)
        return len(zombies)

    # -- stop ---------------------------------------------------------------------------------
    def _signal_all(self, sig: int) -> None:
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in tagged_pids(self.tag):
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self, grace: float = 3.0) -> dict:
        """SIGTERM to the group, wait up to ``grace`` seconds, then SIGKILL what is left; then
        (``sweep_strays``) the same for fcctl's re-parented children that appeared after the
        start — descendants that left the group and dropped the tag.

        Returns ``{"exitCode", "killed": bool, "strays": int, "left": [pids]}``: ``strays``
        counts descendants still running after the group was gone (killed here); ``left`` is
        empty when nothing survives. Idempotent.
        """
        killed = False
        if self.members() or self.popen.poll() is None:
            self._signal_all(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.popen.poll()
                if not self.members():
                    break
                time.sleep(0.02)
            else:
                killed = True
                self._signal_all(signal.SIGKILL)
        # reap the leader; SIGKILL cannot be ignored, so this returns promptly
        self.wait(timeout=5)
        deadline = time.monotonic() + 5
        while self.members() and time.monotonic() < deadline:
            self._signal_all(signal.SIGKILL)
            time.sleep(0.02)
        self.stopped_by_kill = self.stopped_by_kill or killed
        with _registry_lock:
            _registry.discard(self)
        left_strays: list[int] = []
        if self.sweep_strays:
            count, left_strays = kill_strays(self.start_ticks, grace, exclude=(self.pid,))
            self.strays_killed += count
        self._reader.join(timeout=1.0)  # the rest of the output (EOF once every writer is gone)
        return {"exitCode": self.popen.returncode, "killed": killed,
                "strays": self.strays_killed,
                "left": sorted(set(self.members()) | set(left_strays))}

    def cleanup_log(self) -> None:
        """Close the output pipe once its reader is done (no file exists to remove)."""
        if not self._reader.is_alive() and self.popen.stdout is not None:
            try:
                self.popen.stdout.close()
            except OSError:
                pass


def run_with_timeout(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    tag: str,
    redact: Iterable[str] = (),
) -> tuple[int | None, bool, str, float]:
    """Run ``argv`` in its own process group; kill the group at ``timeout`` seconds.

    Returns ``(exit_code, timed_out, output_tail, elapsed_s)``. Raises ``OSError`` when the
    program cannot be started (not found, not executable). Escaped untagged descendants are
    swept here only when no instance runs in this process (``local invoke`` of a running
    instance); otherwise the instance's stop sweeps them, so the instance's own background
    processes are not killed at the end of a hook.
    """
    with _registry_lock:
        sweep = not _registry
    proc = ManagedProcess(argv, cwd=cwd, env=env, tag=tag, redact=redact, sweep_strays=sweep)
    try:
        code = proc.wait(timeout=timeout)
        elapsed = time.monotonic() - proc.started
        timed_out = code is None
    finally:
        proc.stop(grace=0.5)
    tail = proc.tail()
    proc.cleanup_log()
    return proc.returncode if not timed_out else None, timed_out, tail, elapsed


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt so ``finally`` blocks stop the instance
    (SIGINT already raises KeyboardInterrupt)."""

    def _raise(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, _raise)
        except (ValueError, OSError):  # not the main thread
            pass
