"""Processes the local runner starts: own process group, captured output, guaranteed stop.

Every process is started with ``start_new_session=True`` (its own session and process group),
its stdout+stderr go to a temporary file (``tail()`` reads the end for error messages), and it is
registered so that an ``atexit`` handler stops whatever is still running when fcctl exits by any
path. Stopping is SIGTERM to the group, a grace period, then SIGKILL; only groups fcctl started
are signalled. On Linux, processes that left the group (``setsid``) are found through the
``FCCTL_LOCAL_TAG`` variable in their environment and killed too.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable, Mapping, Sequence

# Every process fcctl local starts carries this variable, so strays can be found in /proc.
TAG_ENV = "FCCTL_LOCAL_TAG"

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


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, pgid) of a pid from /proc, or None when gone/unreadable."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm may contain spaces/parentheses: split after the last ')'
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[2])


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


class ManagedProcess:
    """One started process group.

    ``argv`` runs in ``cwd`` with exactly ``env`` (plus ``FCCTL_LOCAL_TAG=tag``). ``pid`` is also
    the group id. ``tail(n)`` returns the last ``n`` bytes of combined output (text); ``redact``
    values are replaced by ``***`` in it (secrets never reach messages).
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
    ) -> None:
        self.argv = list(argv)
        self.tag = tag
        self.redact = [r for r in redact if r and len(r) >= 4]
        self._out = tempfile.NamedTemporaryFile(prefix="fcctl-local-", suffix=".log", delete=False)
        self.log_path = Path(self._out.name)
        full_env = dict(env)
        full_env[TAG_ENV] = tag
        self.started = time.monotonic()
        try:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=str(cwd),
                env=full_env,
                stdin=subprocess.DEVNULL if stdin_devnull else None,
                stdout=self._out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal if sys.platform.startswith("linux") else None,
            )
        except OSError:
            self._out.close()
            self.log_path.unlink(missing_ok=True)
            raise
        self.pid = self.popen.pid
        self.pgid = self.pid
        self.stopped_by_kill = False
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

    def tail(self, limit: int = 2000) -> str:
        """The last ``limit`` bytes of the output, decoded, with secrets masked."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - limit))
                data = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        for secret in self.redact:
            data = data.replace(secret, "***")
        return data.strip()

    def read_new(self) -> str:
        """Output written since the last call (decoded, secrets masked) — for following it."""
        offset = getattr(self, "_follow_offset", 0)
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(offset)
                data = fh.read()
        except OSError:
            return ""
        # only whole lines, so a secret is never split across two reads
        cut = data.rfind(b"\n") + 1
        self._follow_offset = offset + cut
        text = data[:cut].decode("utf-8", "replace")
        for secret in self.redact:
            text = text.replace(secret, "***")
        return text

    def members(self) -> list[int]:
        """Live pids of this process group plus tagged strays."""
        pids = set(group_members(self.pgid))
        pids.update(tagged_pids(self.tag))
        return sorted(pids)

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
        """SIGTERM to the group, wait up to ``grace`` seconds, then SIGKILL what is left.

        Returns ``{"exitCode", "killed": bool, "left": [pids]}``; ``left`` is empty when no process
        of the group (or tagged stray) survives. Idempotent.
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
        try:
            self._out.close()
        except OSError:
            pass
        return {"exitCode": self.popen.returncode, "killed": killed, "left": self.members()}

    def cleanup_log(self) -> None:
        self.log_path.unlink(missing_ok=True)


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
    program cannot be started (not found, not executable).
    """
    proc = ManagedProcess(argv, cwd=cwd, env=env, tag=tag, redact=redact)
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
