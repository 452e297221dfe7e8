"""Deterministic code packages and their FC checksum.

FC compares code by ``codeChecksum``: the CRC-64/ECMA-182 of the zip, as OSS computes it
(``x-oss-hash-crc64ecma``: reflected, init and xor-out all ones), as a decimal string (SDK
alibabacloud-fc20230330 models/_function.py, models/_layer.py). The same
directory always gives the same bytes: entries sorted (a directory's files before its
subdirectories, as ``os.walk`` lists them), timestamps fixed at 1980-01-01, permissions
normalised (0755 for executables, 0644 otherwise), caches and VCS folders skipped. Zipping uses
the stdlib ``zipfile``; the CRC uses ``crcmod``.

What a package may hold (docs/fc-facts.md "Code packages"):

* **only the code directory.** Regular files are read through directory file descriptors
  (``openat`` with ``O_NOFOLLOW|O_NONBLOCK``, then ``fstat`` checked against the scan), so no
  symbolic link and no swapped-in special file is ever followed or opened.
* **symbolic links** whose target (fully resolved, ``realpath``) stays inside the code directory
  are stored *as links* (Info-ZIP ``zip -y`` style: mode ``S_IFLNK``, the data is the link text,
  rewritten relative to the link), never as the target's contents. A link that resolves outside
  the directory (absolute, ``..``, via other links, to a file or a directory), a link loop and a
  dangling link are errors naming the path.
* **special files** (FIFOs, sockets, devices) are errors naming the path; none is ever opened.
* **hard links**: a regular file with more than one link (``st_nlink > 1``) whose other names
  are not all in the package may be a second name of a file outside the code directory
  (``ln /etc/passwd app/pw``); fcctl cannot find the other names (pnpm's ``node_modules`` links
  into its store legitimately), so such files ship with a *warning* naming how many and the
  first few (:attr:`CodePackage.notes`, shown by ``plan``/``deploy``).
* **size**: FC takes at most 100 MB of base64 in the API body; the package is sized while it is
  built (streamed to an anonymous temporary file) and refused as soon as it passes the limit,
  and a tree whose files add up to more than :data:`fcctl.fcfacts.CODE_UNZIPPED_MAX_BYTES` is
  refused before any file is read.

A package is zipped once per run and directory (``PackageSet``), kept in a temporary file (memory
stays flat in package size; ``plan`` needs only the checksum) and read whole only when a function
is uploaded. A stat cache (:class:`StatCache`) maps the tree's file metadata to the checksum, so an
unchanged tree is not zipped at all by ``plan``.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import stat
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

from fcctl import errors, fcfacts

# What never ships (gitignore syntax, matched from the code directory): secrets in dotenv files,
# the spec, VCS metadata, fcctl's own state. An .fcignore cannot bring these back.
NEVER_SHIP = (".[eE][nN][vV]*", "*.env", ".git", ".fcctl/", "fc.yaml", "fc.yml")
# What does not ship unless the code directory's .fcignore re-includes it (`!venv/`).
DEFAULT_IGNORE = (".venv/", "venv/", "__pycache__/", "*.pyc", ".DS_Store", ".hg/", ".svn/",
                  ".fcignore")
IGNORE_FILE = ".fcignore"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20
# Paths named in the hard-link warning.
HARD_LINKS_SHOWN = 3
# Bumped whenever the bytes of a package for the same tree would change (the stat cache keys on it).
FORMAT = "fcctl-codezip-3"

_crc64 = None


class PackagingError(errors.UsageError):
    """A code directory fcctl refuses to package (exit 2): the message names the path."""


def _crc_fun():
    global _crc64
    if _crc64 is None:
        import crcmod

        _crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    return _crc64


def crc64_ecma(data: bytes) -> str:
    """CRC-64/ECMA-182 as OSS/FC compute it, as a decimal string."""
    return str(_crc_fun()(data))


def _crc64_fd(fd: int, size: int | None = None) -> str:
    fun = _crc_fun()
    crc = fun(b"")
    offset = 0
    while True:
        chunk = os.pread(fd, _CHUNK, offset)
        if not chunk:
            break
        crc = fun(chunk, crc)
        offset += len(chunk)
    return str(crc)


def max_zip_bytes() -> int:
    """The largest zip whose base64 fits FC's API body limit (with room for the rest of the body)."""
    return (fcfacts.CODE_API_BODY_MAX_BYTES - fcfacts.CODE_API_BODY_HEADROOM_BYTES) // 4 * 3


def _mb(n: int) -> str:
    if n >= 1024 ** 3:
        return f"{n / 1024 ** 3:.1f} GB"
    return f"{n / (1024 * 1024):.1f} MB"


def _too_big(source: Path, size: int | None) -> PackagingError:
    limit = fcfacts.CODE_API_BODY_MAX_BYTES
    what = (f"is {_mb(size)} zipped ({_mb((size + 2) // 3 * 4)} in base64)" if size is not None
            else f"is more than {_mb(max_zip_bytes())} zipped (over {_mb(limit)} in base64)")
    return PackagingError(
        f"the code package of {source} {what}: FC accepts at most {limit // (1024 * 1024)} MB "
        "(base64) of code in a CreateFunction/UpdateFunction request",
        hint="upload the zip to OSS and use code: {ossBucketName: …, ossObjectName: …} "
             "(FC takes up to 500 MB from OSS), or ship less (an .fcignore file in the code "
             "directory lists what to leave out)")


@dataclass
class CodePackage:
    """A zipped code directory (or a ready .zip): ``checksum`` (decimal CRC-64), ``size`` in bytes.

    The bytes live in a file (an anonymous temporary file, or the user's .zip); ``data`` and
    ``wire()`` read them. A package planned from the stat cache is zipped on first read
    (``_build``) and must then match the checksum the plan used."""

    source: Path
    checksum: str
    size: int
    _fd: int | None = field(default=None, repr=False)
    _build: Callable[[], CodePackage] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _b64: str | None = field(default=None, repr=False)
    _wire_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pending: int = field(default=0, repr=False)
    # Warnings about what ships (hard links), for plan/deploy to show; never file contents.
    notes: list = field(default_factory=list)

    def _ensure(self) -> int:
        with self._lock:
            if self._fd is None:
                assert self._build is not None  # a package without its file is one planned to build
                built = self._build()
                if built.checksum != self.checksum:
                    raise PackagingError(
                        f"the code in {self.source} changed since it was planned (checksum "
                        f"{self.checksum} then, {built.checksum} now)",
                        hint="run the command again")
                fd, self.size = built._fd, built.size
                assert fd is not None  # a freshly built package holds its file
                self._fd = fd
                built._fd = None
                return fd
            return self._fd

    @property
    def data(self) -> bytes:
        fd = self._ensure()
        return os.pread(fd, self.size + 1, 0) if self.size else b""

    def expect_uploads(self, n: int) -> None:
        """``n`` functions will upload this package: :meth:`wire` makes its base64 once, shares
        it with them, and lets it go after the n-th (the SDK then holds the only copies)."""
        with self._wire_lock:
            self._pending = n

    def wire(self) -> dict:
        """The ``code`` field of Create/UpdateFunction (``zipFile`` is base64)."""
        with self._wire_lock:
            b64 = self._b64
            if b64 is None:
                b64 = base64.b64encode(self.data).decode("ascii")
            self._pending -= 1
            self._b64 = b64 if self._pending > 0 else None
            return {"zipFile": b64}

    def __del__(self):  # the temporary file goes when the package does
        fd = self.__dict__.get("_fd")
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


# --- the tree -------------------------------------------------------------------------------

@dataclass
class _Entry:
    rel: str               # posix path inside the package
    kind: str              # "file" | "link"
    st: os.stat_result     # lstat
    dir_rel: str           # the directory (relative to the root) that holds it
    name: str
    link: str | None = None  # the link text stored in the zip (relative, inside the tree)


_KIND_NAMES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
)


def _special(mode: int) -> str | None:
    for test, what in _KIND_NAMES:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode) else "a special file"


# Kernel pseudo filesystems: their "regular files" (/proc/self/environ…) are views of live
# process and kernel state, never code. A mount of one inside a code directory is an error.
PSEUDO_FS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
    "tracefs", "bpf", "configfs", "fusectl", "mqueue", "pstore", "efivarfs", "hugetlbfs",
    "autofs", "binfmt_misc", "rpc_pipefs", "nsfs", "selinuxfs",
})


def _unescape(field: str) -> str:
    return (field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
            .replace("\\134", "\\"))


def _bad_mounts(root: str) -> dict[str, str]:
    """Mount points strictly inside ``root`` that must not be packaged, with the reason: a kernel
    pseudo filesystem (/proc, /sys…), or a bind mount of a system or credential directory (the
    mount's source, mountinfo's 4th field, is such a directory). From /proc/self/mountinfo."""
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            lines = f.read().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return {}
    prefix = root.rstrip("/") + "/"
    home = os.path.realpath(os.path.expanduser("~"))
    trees = fcfacts.CODE_SYSTEM_TREES + tuple(os.path.join(home, d)
                                              for d in fcfacts.CODE_HOME_SECRET_TREES)
    bad: dict[str, str] = {}
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        point = _unescape(fields[4])
        if not point.startswith(prefix):
            continue
        fs, source = right.split()[0], _unescape(fields[3])
        bad.pop(point, None)  # a later mount over the same point hides the earlier one
        if fs in PSEUDO_FS:
            bad[point] = f"a mount of the kernel's {fs} filesystem"
        elif source != "/" and (source in fcfacts.CODE_SYSTEM_DIRS or source == home
                                or any(source == t or source.startswith(t + "/") for t in trees)):
            bad[point] = f"a bind mount of {source}"
    return bad


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class Ignore:
    """Which paths of a code directory do not ship: :data:`NEVER_SHIP` and ``never`` (the spec
    files inside it, as paths relative to it), then :data:`DEFAULT_IGNORE` followed by the lines
    of its ``.fcignore`` (gitignore syntax, via ``pathspec``; ``!pattern`` re-includes a default)."""

    def __init__(self, root: str, never=()) -> None:
        import pathspec

        self.never = pathspec.GitIgnoreSpec.from_lines(
            list(NEVER_SHIP) + ["/" + n.replace("\\", "/").lstrip("/") for n in never])
        self.soft = pathspec.GitIgnoreSpec.from_lines(list(DEFAULT_IGNORE) + _read_ignore(root))

    def __call__(self, rel: str, is_dir: bool) -> bool:
        p = rel + "/" if is_dir else rel
        return self.never.match_file(p) or self.soft.match_file(p)


def _read_ignore(root: str) -> list[str]:
    path = os.path.join(root, IGNORE_FILE)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise PackagingError(f"cannot read {path}: {exc.strerror} (it must be a regular file in "
                             "the code directory)") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise PackagingError(f"{path} is not a regular file")
        data = f.read(1 << 20)
    return data.decode("utf-8", "replace").splitlines()


def ignore_for(directory, spec_files=()) -> Ignore:
    """The :class:`Ignore` of a code directory; ``spec_files`` inside it never ship."""
    root = os.path.realpath(directory)
    never = []
    for f in spec_files:
        real = os.path.realpath(f)
        if _inside(real, root) and real != root:
            never.append(os.path.relpath(real, root))
    return Ignore(root, never)


class _Tree:
    """The files of a code directory, scanned without following any link."""

    def __init__(self, directory: Path, ignore=None) -> None:
        self.source = Path(directory)
        self.root = os.path.realpath(directory)
        # callable(rel, is_dir) -> bool; default: the directory's own defaults and .fcignore
        self.ignore = ignore
        self.entries: list[_Entry] = []
        self.total = 0  # bytes of regular files
        self.linked: dict[tuple, list] = {}  # (st_dev, st_ino) → [nlink, rel, …] of files with nlink > 1
        try:
            st = os.stat(self.root)
        except OSError as exc:
            raise PackagingError(f"cannot read code directory {directory}: {exc.strerror}") from None
        if not stat.S_ISDIR(st.st_mode):
            raise PackagingError(f"code {directory} is not a directory")
        if self.ignore is None:
            self.ignore = Ignore(self.root)
        self.bad_mounts = _bad_mounts(self.root)
        self._scan("", self.root)

    def _scan(self, dir_rel: str, real_dir: str) -> None:
        # Depth-first with an explicit stack (no recursion limit on deep trees); a directory's
        # files come before its subdirectories, subdirectories in name order — as os.walk.
        stack = [(dir_rel, real_dir)]
        while stack:
            dir_rel, real_dir = stack.pop()
            stack.extend(reversed(self._scan_one(dir_rel, real_dir)))

    def _mount_check(self, path: str) -> None:
        why = self.bad_mounts.get(path)
        if why:
            raise PackagingError(
                f"{path} is {why}, not code: fcctl never packages live system state or "
                "system files", hint="unmount it, or list it in .fcignore")

    def _scan_one(self, dir_rel: str, real_dir: str) -> list:
        try:
            with os.scandir(real_dir) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise PackagingError(f"cannot read directory {real_dir}: {exc.strerror}") from None
        subdirs = []
        for item in items:
            rel = f"{dir_rel}{item.name}"
            path = os.path.join(real_dir, item.name)
            try:
                st = item.stat(follow_symlinks=False)
            except OSError as exc:
                raise PackagingError(f"cannot read {path}: {exc.strerror}") from None
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                if not self.ignore(rel, True):
                    self._mount_check(path)
                    subdirs.append((rel, path))
                continue
            if self.ignore(rel, False):
                continue
            self._mount_check(path)
            if stat.S_ISREG(mode):
                self.entries.append(_Entry(rel, "file", st, dir_rel, item.name))
                self.total += st.st_size
                if st.st_nlink > 1:
                    self.linked.setdefault((st.st_dev, st.st_ino), [st.st_nlink]).append(rel)
            elif stat.S_ISLNK(mode):
                self.entries.append(_Entry(rel, "link", st, dir_rel, item.name,
                                           self._link(path, real_dir)))
            else:
                raise PackagingError(
                    f"{path} is {_special(mode)}; a code package holds only regular files, "
                    "directories and symbolic links inside the code directory",
                    hint="remove it from the code directory (or list it in .fcignore)")
        return [(rel + "/", path) for rel, path in subdirs]

    def _link(self, path: str, real_dir: str) -> str:
        try:
            text = os.readlink(path)
        except OSError as exc:
            raise PackagingError(f"cannot read the symbolic link {path}: {exc.strerror}") from None
        target = os.path.join(real_dir, text)
        loose = os.path.realpath(target)
        hint = ("copy what the link points to into the code directory, or remove the link "
                "(or list it in .fcignore)")
        if not _inside(loose, self.root):
            raise PackagingError(
                f"{path} is a symbolic link to {text} ({loose}), outside the code directory "
                f"{self.root}; fcctl never follows links out of the code directory", hint=hint)
        try:
            real = os.path.realpath(target, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PackagingError(f"{path} is a symbolic link in a loop ({text})",
                                     hint=hint) from None
            raise PackagingError(f"{path} is a dangling symbolic link: {text} does not exist",
                                 hint=hint) from None
        if not _inside(real, self.root):  # changed under us
            raise PackagingError(
                f"{path} is a symbolic link to {text} ({real}), outside the code directory "
                f"{self.root}", hint=hint)
        return os.path.relpath(real, real_dir)

    def hard_link_note(self) -> str | None:
        """The warning about files with hard links whose other names are not all in the package
        (None when there are none): how many, and the first few paths."""
        paths = sorted(rel for nlink, *rels in self.linked.values() if len(rels) < nlink
                       for rel in rels)
        if not paths:
            return None
        shown = ", ".join(paths[:HARD_LINKS_SHOWN])
        more = f" (+{len(paths) - HARD_LINKS_SHOWN} more)" if len(paths) > HARD_LINKS_SHOWN else ""
        what = "file has" if len(paths) == 1 else "files have"
        return (f"{len(paths)} {what} other hard links: {shown}{more}; fcctl cannot tell where "
                "their other names are (one may be a file outside the code directory); add them "
                f"to {IGNORE_FILE} if they are not your code")

    def key(self) -> str:
        """A digest of every entry's name and metadata: equal keys mean an unchanged tree."""
        h = hashlib.sha256(f"{FORMAT}\0{self.root}\0".encode("utf-8", "surrogateescape"))
        for e in self.entries:
            s = e.st
            h.update(f"{e.rel}\0{e.kind}\0{s.st_mode}\0{s.st_size}\0{s.st_mtime_ns}\0"
                     f"{s.st_ctime_ns}\0{s.st_ino}\0{s.st_dev}\0{e.link}\n"
                     .encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def newest_ns(self) -> int:
        return max((max(e.st.st_mtime_ns, e.st.st_ctime_ns) for e in self.entries), default=0)


class _Counting:
    """The temporary file as zipfile sees it; refuses to grow past the limit. Keeps the position
    itself (zipfile asks for it after every write)."""

    def __init__(self, f: IO[bytes], limit: int) -> None:
        self.f, self.limit, self.pos = f, limit, 0

    def write(self, b: bytes) -> int:
        n = len(b)
        if self.pos + n > self.limit:
            raise _Overflow()
        self.f.write(b)
        self.pos += n
        return n

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = self.f.seek(offset, whence)
        return self.pos

    def flush(self) -> None:
        self.f.flush()

    def close(self) -> None:
        """zipfile never closes a file it was given; the caller closes the temporary file."""


class _Overflow(Exception):
    pass


class _DirFds:
    """The open directory of the entries being zipped (they come grouped by directory), opened
    from the root one component at a time with ``O_NOFOLLOW``."""

    _FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

    def __init__(self, tree: _Tree) -> None:
        self.root = tree.root
        self.rel: str | None = None
        self.fd: int | None = None

    def get(self, dir_rel: str) -> int:
        if dir_rel != self.rel or self.fd is None:  # (rel and fd are set together)
            self.close()
            fd = os.open(self.root, self._FLAGS)
            try:
                for part in [p for p in dir_rel.split("/") if p]:
                    nfd = os.open(part, self._FLAGS, dir_fd=fd)
                    os.close(fd)
                    fd = nfd
            except OSError:
                os.close(fd)
                raise
            self.rel, self.fd = dir_rel, fd
            return fd
        return self.fd

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        self.rel = self.fd = None


def _zip_tree(tree: _Tree, limit: int | None = None) -> CodePackage:
    limit = max_zip_bytes() if limit is None else limit
    if tree.total > fcfacts.CODE_UNZIPPED_MAX_BYTES:
        big = max((e for e in tree.entries if e.kind == "file"), key=lambda e: e.st.st_size)
        raise PackagingError(
            f"the files in {tree.source} add up to {_mb(tree.total)} (the largest: {big.rel}, "
            f"{_mb(big.st.st_size)}), more than {_mb(fcfacts.CODE_UNZIPPED_MAX_BYTES)}; fcctl "
            "does not read them to package them",
            hint="upload a zip to OSS and use code: {ossBucketName: …, ossObjectName: …}, or "
                 "leave the big files out (.fcignore in the code directory)")
    tmp = tempfile.TemporaryFile(prefix="fcctl-code-")
    dirs = _DirFds(tree)
    try:
        with zipfile.ZipFile(_Counting(tmp, limit), "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=6) as zf:
            for entry in tree.entries:
                _add(zf, tree, entry, dirs)
        tmp.flush()
    except _Overflow:
        tmp.close()
        raise _too_big(tree.source, None) from None
    except BaseException:
        tmp.close()
        raise
    finally:
        dirs.close()
    fd = os.dup(tmp.fileno())
    tmp.close()
    size = os.fstat(fd).st_size
    return CodePackage(source=tree.source, checksum=_crc64_fd(fd), size=size, _fd=fd)


def _add(zf: zipfile.ZipFile, tree: _Tree, entry: _Entry, dirs: "_DirFds") -> None:
    try:
        info = zipfile.ZipInfo(entry.rel, date_time=_EPOCH)
        info.create_system = 3  # unix, so permissions (and links) are kept
        if entry.kind == "link":
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, (entry.link or "").encode("utf-8"))
            return
    except UnicodeEncodeError:
        raise PackagingError(f"{os.path.join(tree.root, entry.rel)!r}: the name is not valid UTF-8; "
                             "rename it") from None
    info.compress_type = zipfile.ZIP_DEFLATED
    perm = 0o755 if entry.st.st_mode & stat.S_IXUSR else 0o644
    info.external_attr = (stat.S_IFREG | perm) << 16
    info.file_size = entry.st.st_size
    path = os.path.join(tree.root, entry.rel)
    try:
        # Every directory from the root down is opened with O_NOFOLLOW, and the file too: a file
        # or directory swapped for a link since the scan fails (ELOOP/ENOTDIR); O_NONBLOCK: a file
        # swapped for a FIFO does not hang the open (fstat below refuses it).
        fd = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     dir_fd=dirs.get(entry.dir_rel))
    except OSError as exc:
        raise PackagingError(f"cannot read {path}: {exc.strerror} (did it change while fcctl "
                             "was packaging it?)") from None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_ino != entry.st.st_ino
                or st.st_dev != entry.st.st_dev):
            raise PackagingError(f"{path} changed while fcctl was packaging it", hint="run again")
        # Read at most the size the scan saw: a file that keeps growing (a live log) is refused
        # rather than read without end.
        size = entry.st.st_size
        if size <= _CHUNK:  # most files: one read, one write
            data = os.pread(fd, size + 1, 0)
            if len(data) > size:
                raise _grew(path)
            _write_small(zf, info, data)
        else:
            with zf.open(info, "w") as dst:
                offset = 0
                while offset < size:
                    chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
                    if not chunk:
                        break
                    dst.write(chunk)
                    offset += len(chunk)
            if os.pread(fd, 1, offset):
                raise _grew(path)
    except UnicodeEncodeError:
        raise PackagingError(f"{path!r}: the name is not valid UTF-8; rename it") from None
    except OSError as exc:
        raise PackagingError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


_FAST = all(hasattr(zipfile.ZipFile, a) for a in ("_writecheck",)) and hasattr(zipfile, "ZIP64_LIMIT")


def _write_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """``zf.writestr(info, data)`` without its seek back to rewrite the local header: the data is
    compressed first, so the header is written once with its final CRC and sizes. The bytes are
    those writestr writes (tests/unit/deploy/test_codezip_safety.py compares them)."""
    # zipfile's private state (_writing, _writecheck, _didModify; checked by _FAST) is not in
    # its stubs: reached with getattr/setattr. ``fp`` is None only on a closed archive, which
    # writestr refuses.
    fp = zf.fp
    if not _FAST or fp is None or getattr(zf, "_writing") or len(data) * 1.05 > zipfile.ZIP64_LIMIT:
        zf.writestr(info, data)
        return
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    cdata = comp.compress(data) + comp.flush()
    info.flag_bits = 0
    info.CRC = zlib.crc32(data)
    info.file_size = len(data)
    info.compress_size = len(cdata)
    fp.seek(zf.start_dir)
    info.header_offset = fp.tell()
    getattr(zf, "_writecheck")(info)
    setattr(zf, "_didModify", True)
    fp.write(info.FileHeader(False))
    fp.write(cdata)
    zf.start_dir = fp.tell()
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info


def _grew(path: str) -> PackagingError:
    return PackagingError(f"{path} grew while fcctl was packaging it (is something writing it?)",
                          hint="leave it out (.fcignore) or run again when it is not being written")


# --- public API -------------------------------------------------------------------------------

def zip_directory(directory: Path, ignore=None) -> CodePackage:
    """Zip ``directory`` deterministically. Raises :class:`PackagingError` (exit 2)."""
    return _zip_tree(_Tree(Path(directory), ignore))


def load_zip(path: Path) -> CodePackage:
    """A ready ``.zip`` file, sent as is (so its checksum is the one FC reports — what ``fcctl
    export`` writes). Sized before it is read; never opens a FIFO or a device."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise PackagingError(f"cannot read code {path}: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise PackagingError(f"code {path} is {_special(st.st_mode) or 'not a regular file'}, "
                             "not a zip file")
    if st.st_size > max_zip_bytes():
        os.close(fd)
        raise _too_big(path, st.st_size)
    return CodePackage(source=path, checksum=_crc64_fd(fd), size=st.st_size, _fd=fd)


def load_code(path: Path, cache: "StatCache | None" = None, ignore=None) -> CodePackage:
    """A code package from a directory (zipped here; with ``cache``, only when its files changed)
    or a ready ``.zip`` file."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise PackagingError(f"cannot read code {path}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        return load_zip(path)
    tree = _Tree(path, ignore)
    notes = [n for n in (tree.hard_link_note(),) if n]
    if cache is None:
        pkg = _zip_tree(tree)
        pkg.notes = notes
        return pkg
    key = tree.key()
    hit = cache.get(key)
    if hit is not None:
        return CodePackage(source=path, checksum=hit["checksum"], size=hit["size"],
                           _build=lambda: _zip_tree(_Tree(path, ignore)), notes=notes)
    pkg = _zip_tree(tree)
    pkg.notes = notes
    # Racy files (changed within the last seconds) could change again without a new mtime: not cached.
    if tree.newest_ns() < time.time_ns() - 2_000_000_000:
        cache.put(key, {"checksum": pkg.checksum, "size": pkg.size})
    return pkg


class StatCache:
    """Tree metadata digest → ``{checksum, size}``, one small JSON file per tree in
    ``$XDG_CACHE_HOME/fcctl/code`` (else ``~/.cache/fcctl/code``); directory 0700, files 0600.
    It holds digests and checksums only, never file names or contents. Best effort: any error
    reading or writing it means a miss."""

    MAX_ENTRIES = 256

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            directory = Path(base) / "fcctl" / "code"
        self.dir = Path(directory)

    def get(self, key: str) -> dict | None:
        try:
            fd = os.open(self.dir / key, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as f:
                if os.fstat(f.fileno()).st_uid != os.getuid():
                    return None
                doc = json.loads(f.read(4096))
            if isinstance(doc.get("checksum"), str) and doc["checksum"].isdigit() \
                    and isinstance(doc.get("size"), int):
                return doc
        except (OSError, ValueError, AttributeError):
            pass
        return None

    def put(self, key: str, value: dict) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.dir, 0o700)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")  # 0600
            with os.fdopen(fd, "w") as f:
                json.dump(value, f)
            os.replace(tmp, self.dir / key)
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        entries = [e for e in os.scandir(self.dir) if e.is_file(follow_symlinks=False)]
        if len(entries) <= self.MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
        for e in entries[: len(entries) - self.MAX_ENTRIES]:
            try:
                os.unlink(e.path)
            except OSError:
                pass


def check_tree(directory, spec_files=()) -> None:
    """What packaging would refuse in a code directory, for ``validate`` (no file is read):
    links out of it, loops, dangling links, special files, pseudo-filesystem mounts. A first pass
    with ``os.scandir`` only; the full scan (with the ignore rules, which load ``pathspec``) runs
    only when that pass meets something that is neither a regular file nor a directory. Raises
    :class:`PackagingError`."""
    root = os.path.realpath(directory)
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for item in it:
                    if item.is_dir(follow_symlinks=False):
                        stack.append(item.path)
                    elif not item.is_file(follow_symlinks=False):
                        _Tree(Path(root), ignore_for(root, spec_files))
                        return
        except OSError as exc:
            raise PackagingError(f"cannot read directory {d}: {exc.strerror}") from None
    if _bad_mounts(root):
        _Tree(Path(root), ignore_for(root, spec_files))
