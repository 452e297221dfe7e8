"""Reading a spec file's bytes: size cap, pipes/FIFOs that never deliver, path errors, UTF-8
decoding — every failure a problem at the file's position, never an exception."""

from __future__ import annotations

import os
from pathlib import Path

from fcctl.errors import Problem
from fcctl.spec.locations import Loc, _line_col_of_offset, problem
from fcctl.spec.tree import MAX_FILE_BYTES


# How long fcctl waits for a pipe, FIFO or terminal to deliver data before giving up:
# `-f <(cat fc.yaml)` delivers at once; a named FIFO with no writer never does.
PIPE_WAIT_S = 5.0
# ...and how long a whole pipe may take: a writer trickling a byte every few seconds cannot keep
# validate busy for longer than this.
PIPE_TOTAL_S = 30.0


def _os_error_text(exc: OSError) -> str:
    import errno

    reasons: dict[int | None, str] = {
        errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.ENXIO: "it is not a file fcctl can read (a socket?)",
    }
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return f"cannot read the file: {reason}"


def _read_fd(fd: int, regular: bool) -> tuple[bytes, bool]:
    """``(data, complete)``: at most MAX_FILE_BYTES + 1 bytes of ``fd``. A non-regular ``fd``
    (pipe, FIFO, device; opened non-blocking) is read as data arrives, waiting at most
    :data:`PIPE_WAIT_S` for each chunk; ``complete`` is False if the wait ran out."""
    import select

    poller = select.poll() if hasattr(select, "poll") else None
    if poller is not None:
        poller.register(fd, select.POLLIN)
    import time

    chunks: list[bytes] = []
    size = 0
    end = time.monotonic() + PIPE_TOTAL_S
    while size <= MAX_FILE_BYTES:
        if not regular:
            wait = min(PIPE_WAIT_S, end - time.monotonic())
            if wait <= 0:
                return b"".join(chunks), False
            if poller is not None:
                ready = bool(poller.poll(wait * 1000))
            else:
                ready = bool(select.select([fd], [], [], wait)[0])
            if not ready:
                return b"".join(chunks), False
        try:
            chunk = os.read(fd, min(65536, MAX_FILE_BYTES + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), True


def read_text(path: Path, label: str, problems: list[Problem]) -> str | None:
    """Read a spec file as UTF-8 under the size cap; append a problem and return None on failure.

    Never hangs: the file is opened non-blocking (opening a FIFO for reading would wait for a
    writer), and a pipe, FIFO or terminal that delivers nothing for :data:`PIPE_WAIT_S` seconds
    is an error. Path errors (missing, directory, permission, symlink loop, name too long) are
    problems at ``label:1:1``."""
    import stat

    at = Loc(label, 1, 1)
    is_dir = "this is a directory; pass a YAML file with -f PATH"
    if not label.strip():
        problems.append(problem(at, "", "the file name is empty; pass a YAML file with -f PATH"))
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        problems.append(problem(at, "", "file not found (fcctl reads fc.yaml in the current directory unless -f names another)"))
        return None
    except IsADirectoryError:
        problems.append(problem(at, "", is_dir))
        return None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        text = _os_error_text(exc) if isinstance(exc, OSError) else "cannot read the file: the path holds a NUL byte"
        problems.append(problem(at, "", text))
        return None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            problems.append(problem(at, "", is_dir))
            return None
        # read at most one byte past the cap: stat() says nothing about pipes or /dev/zero
        data, complete = _read_fd(fd, stat.S_ISREG(mode))
    except IsADirectoryError:
        problems.append(problem(at, "", is_dir))
        return None
    except OSError as exc:
        problems.append(problem(at, "", _os_error_text(exc)))
        return None
    finally:
        os.close(fd)
    if not complete and not data:
        problems.append(problem(at, "", (
            f"no data: nothing arrived within {PIPE_WAIT_S:g} seconds (a FIFO with no writer?); "
            "pass a YAML file with -f PATH, or start the writer first")))
        return None
    if not complete:
        problems.append(problem(at, "", (
            f"the data stopped: nothing more arrived for {PIPE_WAIT_S:g} seconds, or the "
            f"writer did not close it within {PIPE_TOTAL_S:g} seconds; pass a YAML file with "
            "-f PATH")))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(problem(at, "", (
            f"the file is larger than {MAX_FILE_BYTES / 1048576:g} MB, the most fcctl reads "
            "(a real fc.yaml is a few KB) — is this the right file?")))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_offset(data, exc.start)
        problems.append(problem(Loc(label, line, col), "", (
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")))
        return None
