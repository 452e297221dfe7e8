"""Deterministic code packages and their FC checksum.

FC compares code by ``codeChecksum``: the CRC-64/ECMA-182 of the zip, as OSS computes it
(``x-oss-hash-crc64ecma``: reflected, init and xor-out all ones), as a decimal string
(FC docs 配额与使用限制, fc-docs 01.开始使用/09.配额与使用限制.md). The same directory always gives the same bytes: entries sorted, timestamps fixed
at 1980-01-01, permissions normalised (0755 for executables, 0644 otherwise), caches and VCS
folders skipped. Zipping uses the stdlib ``zipfile``; the CRC uses ``crcmod``.
"""

from __future__ import annotations

import base64
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".fcctl", ".venv", "node_modules/.cache"})
SKIP_FILES = frozenset({".DS_Store"})
_EPOCH = (1980, 1, 1, 0, 0, 0)

_crc64 = None


def crc64_ecma(data: bytes) -> str:
    """CRC-64/ECMA-182 as OSS/FC compute it, as a decimal string."""
    global _crc64
    if _crc64 is None:
        import crcmod

        _crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    return str(_crc64(data))


@dataclass(frozen=True)
class CodePackage:
    """A zipped code directory: ``data`` bytes, ``checksum`` (decimal CRC-64), ``size`` in bytes."""

    source: Path
    data: bytes
    checksum: str

    @property
    def size(self) -> int:
        return len(self.data)

    def wire(self) -> dict:
        """The ``code`` field of Create/UpdateFunction (``zipFile`` is base64)."""
        return {"zipFile": base64.b64encode(self.data).decode("ascii")}


def zip_directory(directory: Path) -> CodePackage:
    """Zip ``directory`` deterministically. Raises ``OSError`` if it cannot be read."""
    directory = Path(directory)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in _walk(directory):
            rel = path.relative_to(directory).as_posix()
            mode = path.stat().st_mode
            info = zipfile.ZipInfo(rel, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            perm = 0o755 if mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | perm) << 16
            info.create_system = 3  # unix, so permissions are kept
            zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    return CodePackage(source=directory, data=data, checksum=crc64_ecma(data))


def load_code(path: Path) -> CodePackage:
    """A code package from a directory (zipped here) or a ready ``.zip`` file (sent as is, so its
    checksum is the one FC reports — what ``fcctl export`` writes)."""
    path = Path(path)
    if path.is_file():
        data = path.read_bytes()
        return CodePackage(source=path, data=data, checksum=crc64_ecma(data))
    return zip_directory(path)


def _walk(directory: Path):
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name in SKIP_FILES or name.endswith(".pyc"):
                continue
            path = Path(root) / name
            if path.is_file():
                yield path
