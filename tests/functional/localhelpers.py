"""Helpers for the fcctl local tests: free ports, app specs, running the real CLI, and checking
that no process of an instance is left."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "tests" / "apps"
TEMPLATES = REPO / "templates"
FCCTL = [sys.executable, "-m", "fcctl"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def app_spec(app: str, tmp: Path, port: int | None = None) -> Path:
    """Write the app's fc.yaml into ``tmp`` with a free port and an absolute code path."""
    src = (APPS / app / "fc.yaml").read_text()
    port = port or free_port()
    text = re.sub(r"port: 9000", f"port: {port}", src)
    text = text.replace("code: .", f"code: {APPS / app}")
    out = tmp / "fc.yaml"
    out.write_text(text)
    return out


def run_fcctl(args, *, cwd: Path, env_extra: dict | None = None, timeout: float = 60):
    env = dict(os.environ)
    env.pop("FCCTL_OUTPUT", None)
    env.update(env_extra or {})
    return subprocess.run(FCCTL + list(args), cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=timeout)


def check_json(spec: Path, *extra, env_extra=None, timeout: float = 60):
    """Run ``fcctl -o json local check -f spec`` → (exit code, document, stderr)."""
    res = run_fcctl(["-o", "json", "local", "check", "-f", str(spec), *extra], cwd=spec.parent,
                    env_extra=env_extra, timeout=timeout)
    doc = json.loads(res.stdout) if res.stdout.strip() else None
    return res.returncode, doc, res.stderr


def processes_with_tag(tag: str) -> list[int]:
    """Live processes whose environment holds FCCTL_LOCAL_TAG=<tag> (or <tag>-initializer)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state in ("Z", "X"):
            continue
        if any(e.startswith(f"FCCTL_LOCAL_TAG={tag}".encode()) for e in env):
            out.append(int(entry))
    return out


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def assert_nothing_left(doc: dict) -> None:
    """No process of the checked instance survives (by pid and by environment tag)."""
    if doc.get("pid"):
        assert not pid_alive(doc["pid"]), f"instance process {doc['pid']} still alive"
    left = processes_with_tag(doc["instanceId"])
    assert not left, f"processes left behind: {left}"


def step(doc: dict, name: str) -> dict:
    return next(s for s in doc["steps"] if s["step"] == name)
