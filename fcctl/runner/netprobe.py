"""Who listens where: readiness probes and the diagnosis of "never came up".

Linux only for the diagnosis (``/proc/net/tcp``, ``/proc/net/tcp6`` and ``/proc/<pid>/fd``); on
other systems the probe still works and the diagnosis says less.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from typing import Iterable

_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    """One listening TCP socket: bind ``address`` (text), ``port``, socket ``inode``."""

    address: str
    port: int
    inode: int

    @property
    def loopback_only(self) -> bool:
        try:
            return ipaddress.ip_address(self.address).is_loopback
        except ValueError:
            return False

    @property
    def wildcard(self) -> bool:
        return self.address in ("0.0.0.0", "::")


def _decode_addr(hexaddr: str) -> str:
    raw = bytes.fromhex(hexaddr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # IPv6: four 32-bit words, each little-endian
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    addr = ipaddress.IPv6Address(words)
    if addr.ipv4_mapped:
        return str(addr.ipv4_mapped)
    return str(addr)


def listeners() -> list[Listener]:
    """All listening TCP sockets of this network namespace (empty when /proc is unavailable)."""
    out: list[Listener] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 10 or parts[3] != _LISTEN:
                continue
            addr, port = parts[1].split(":")
            out.append(Listener(_decode_addr(addr), int(port, 16), int(parts[9])))
    return out


def socket_inodes(pids: Iterable[int]) -> set[int]:
    """Socket inodes held open by ``pids`` (own-user processes)."""
    inodes: set[int] = set()
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def owned_listeners(pids: Iterable[int]) -> list[Listener]:
    """Listening sockets that belong to ``pids``."""
    inodes = socket_inodes(pids)
    return [ls for ls in listeners() if ls.inode in inodes]


def can_connect(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_in_use(port: int) -> bool:
    """True when something on this machine already listens on ``port``."""
    if any(ls.port == port for ls in listeners()):
        return True
    return can_connect("127.0.0.1", port)


def port_owner(port: int) -> str | None:
    """``"pid N (program name)"`` of the process listening on ``port``, when visible (Linux,
    own-user processes), else None."""
    inodes = {ls.inode for ls in listeners() if ls.port == port}
    if not inodes:
        return None
    try:
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for pid in pids:
        if socket_inodes([pid]) & inodes:
            # the program name only: a command line may carry secrets
            try:
                with open(f"/proc/{pid}/comm") as fh:
                    name = fh.read().strip()
            except OSError:
                name = ""
            return f"pid {pid}" + (f" ({name})" if name else "")
    return None
