"""Code packages hold only the code directory: links out of it, special files and oversized
trees are refused with an error naming the path — never followed, opened, or read whole."""

from __future__ import annotations

import io
import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from fcctl import fcfacts
from fcctl.deploy import codezip
from fcctl.deploy.codezip import PackagingError, StatCache, crc64_ecma, load_code, zip_directory

SECRET = "s3cr3t-value-in-a-file-outside"


@pytest.fixture
def tree(tmp_path):
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "index.py").write_text("print('hi')\n")
    (app / "lib" / "util.py").write_text("X = 1\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    return app


def _names(pkg) -> dict:
    z = zipfile.ZipFile(io.BytesIO(pkg.data))
    return {i.filename: (i.external_attr >> 16, z.read(i)) for i in z.infolist()}


def _refused(app: Path, *words: str) -> PackagingError:
    with pytest.raises(PackagingError) as info:
        zip_directory(app)
    msg = info.value.message
    for w in words:
        assert w in msg, msg
    assert info.value.exit_code == 2
    return info.value


@pytest.mark.parametrize("target", ["/proc/self/environ", "/etc/passwd", "/dev/null"])
def test_links_to_system_files_are_refused(tree, target):
    (tree / "lib" / "leak").symlink_to(target)
    err = _refused(tree, str(tree / "lib" / "leak"), target, "outside the code directory")
    assert "ALIBABA_CLOUD" not in err.message


def test_relative_link_out_of_the_tree_is_refused(tree):
    (tree / "lib" / "s").symlink_to("../../outside/secret.txt")
    _refused(tree, "lib/s", "outside the code directory")


def test_link_to_a_directory_outside_is_refused(tree):
    (tree / "out").symlink_to(tree.parent / "outside")
    _refused(tree, "out", "outside the code directory")


def test_dot_dot_trick_through_an_inside_directory_is_refused(tree):
    # lib/../../outside: starts inside, ends outside
    (tree / "x").symlink_to("lib/../../outside/secret.txt")
    _refused(tree, "outside the code directory")


def test_chain_of_links_ending_outside_is_refused(tree):
    (tree.parent / "outside" / "hop").symlink_to(tree.parent / "outside" / "secret.txt")
    (tree / "b").symlink_to(tree.parent / "outside" / "hop")
    (tree / "a").symlink_to("b")  # a -> b (inside) -> outside/hop -> outside/secret.txt
    _refused(tree, "outside the code directory")


def test_chain_of_inside_links_to_an_outside_link_is_refused(tree):
    (tree / "lib" / "c").symlink_to("/etc/passwd")
    (tree / "b").symlink_to("lib/c")
    with pytest.raises(PackagingError) as info:
        zip_directory(tree)
    assert "outside the code directory" in info.value.message


def test_link_loop_is_refused(tree):
    (tree / "loop1").symlink_to("loop2")
    (tree / "loop2").symlink_to("loop1")
    _refused(tree, "loop")


def test_self_loop_is_refused(tree):
    (tree / "me").symlink_to("me")
    _refused(tree, "me", "loop")


def test_dangling_link_is_refused(tree):
    (tree / "gone").symlink_to("nothing-here")
    _refused(tree, "gone", "dangling", "nothing-here")


def test_in_tree_links_are_stored_as_links_not_contents(tree):
    (tree / "alias.py").symlink_to("index.py")
    (tree / "lib" / "up").symlink_to("../index.py")
    (tree / "abs").symlink_to(tree / "lib" / "util.py")  # absolute, inside: stored relative
    (tree / "libdir").symlink_to("lib")  # a directory: not descended, no duplicates
    (tree / "lib" / "root").symlink_to("..")  # a link to an ancestor: no infinite walk
    names = _names(zip_directory(tree))
    assert names["alias.py"] == (stat.S_IFLNK | 0o777, b"index.py")
    assert names["lib/up"] == (stat.S_IFLNK | 0o777, b"../index.py")
    assert names["abs"] == (stat.S_IFLNK | 0o777, b"lib/util.py")
    assert names["libdir"] == (stat.S_IFLNK | 0o777, b"lib")
    assert names["lib/root"] == (stat.S_IFLNK | 0o777, b"..")
    assert names["index.py"] == (stat.S_IFREG | 0o644, b"print('hi')\n")
    assert not any(n.startswith("libdir/") for n in names)


def test_the_code_directory_itself_through_a_link_is_its_target(tree, tmp_path):
    (tmp_path / "via").symlink_to(tree)
    assert zip_directory(tmp_path / "via").checksum == zip_directory(tree).checksum


@pytest.mark.timeout(30)
def test_fifo_is_refused_without_being_opened(tree):
    os.mkfifo(tree / "lib" / "pipe")
    _refused(tree, str(tree / "lib" / "pipe"), "FIFO")


@pytest.mark.timeout(30)
def test_socket_is_refused(tree):
    path = tree / "s.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        _refused(tree, str(path), "socket")


def test_device_node_is_refused(tree):
    try:
        os.mknod(tree / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs privileges here")
    _refused(tree, str(tree / "null"), "character device")


@pytest.mark.timeout(60)
def test_sparse_huge_file_is_refused_before_reading(tree):
    with open(tree / "huge.bin", "wb") as f:
        f.truncate(200 * 1024 ** 3)  # 200 GB, no blocks on disk
    err = _refused(tree, "more than", "huge.bin", "200.0 GB")
    assert "ossBucketName" in (err.hint or "")


@pytest.mark.timeout(60)
def test_package_over_the_api_limit_is_refused_while_built(tree, monkeypatch):
    monkeypatch.setattr(fcfacts, "CODE_API_BODY_MAX_BYTES", 1024 * 1024)
    monkeypatch.setattr(fcfacts, "CODE_API_BODY_HEADROOM_BYTES", 0)
    (tree / "random.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    err = _refused(tree, "base64", "1 MB")
    assert "ossBucketName" in err.hint and "ossObjectName" in err.hint


@pytest.mark.timeout(30)
def test_ready_zip_that_is_a_fifo_or_too_big_is_refused(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "code.zip")
    with pytest.raises(PackagingError, match="FIFO"):
        load_code(tmp_path / "code.zip")
    big = tmp_path / "big.zip"
    with open(big, "wb") as f:
        f.truncate(200 * 1024 ** 3)
    with pytest.raises(PackagingError, match="base64") as info:
        load_code(big)
    assert "ossBucketName" in info.value.hint


def test_file_swapped_for_a_link_after_the_scan_is_not_followed(tree):
    scanned = codezip._Tree(tree)
    victim = tree / "lib" / "util.py"
    victim.unlink()
    victim.symlink_to(tree.parent / "outside" / "secret.txt")
    with pytest.raises(PackagingError):
        codezip._zip_tree(scanned)


def test_directory_swapped_for_a_link_after_the_scan_is_not_followed(tree):
    scanned = codezip._Tree(tree)
    (tree / "lib").rename(tree / "lib2")
    (tree.parent / "outside" / "util.py").write_text(SECRET)
    (tree / "lib").symlink_to(tree.parent / "outside")
    with pytest.raises(PackagingError):
        codezip._zip_tree(scanned)


def _old_zip(directory: Path) -> bytes:
    """The package format before streaming (fcctl <= 0.x, zipfile.writestr of each file)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for root, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", ".git", ".venv"})
            for name in sorted(files):
                if name == ".DS_Store" or name.endswith(".pyc"):
                    continue
                path = Path(root) / name
                info = zipfile.ZipInfo(path.relative_to(directory).as_posix(),
                                       date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                perm = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
                info.external_attr = (stat.S_IFREG | perm) << 16
                info.create_system = 3
                zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def test_streamed_package_has_the_same_bytes_as_before(tree):
    (tree / "b" / "c").mkdir(parents=True)
    (tree / "b" / "c" / "deep.txt").write_bytes(os.urandom(300_000))
    (tree / "b" / "zz.txt").write_text("z" * 100_000)
    (tree / "b" / "big.bin").write_bytes(os.urandom(1_500_000) + b"text " * 400_000)  # streamed
    (tree / "b" / "ünï.txt").write_text("non-ASCII name")
    (tree / "run.sh").write_text("#!/bin/sh\n")
    (tree / "run.sh").chmod(0o755)
    (tree / "empty").write_bytes(b"")
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "x.pyc").write_bytes(b"junk")
    old = _old_zip(tree)
    pkg = zip_directory(tree)
    assert pkg.data == old and pkg.checksum == crc64_ecma(old) and pkg.size == len(old)


def test_stat_cache_skips_zipping_an_unchanged_tree_and_notices_changes(tree, tmp_path, monkeypatch):
    cache = StatCache(tmp_path / "cache")
    past = 1_600_000_000
    for p in tree.rglob("*"):
        os.utime(p, (past, past))
    monkeypatch.setattr(codezip.time, "time_ns", lambda: (past + 3600) * 10 ** 9 + 10 ** 18)
    first = load_code(tree, cache=cache)
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert SECRET not in files[0].read_text() and "index.py" not in files[0].read_text()

    calls = []
    real = codezip._zip_tree
    monkeypatch.setattr(codezip, "_zip_tree", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = load_code(tree, cache=cache)
    assert again.checksum == first.checksum and calls == []  # planned from the cache
    assert again.data == first.data and calls == [1]  # zipped when the bytes are needed

    (tree / "index.py").write_text("print('changed')\n")  # same size is not needed: new ctime
    changed = load_code(tree, cache=cache)
    assert changed.checksum != first.checksum


def test_cache_planned_package_that_changed_before_upload_is_an_error(tree, tmp_path, monkeypatch):
    cache = StatCache(tmp_path / "cache")
    past = 1_600_000_000
    for p in tree.rglob("*"):
        os.utime(p, (past, past))
    monkeypatch.setattr(codezip.time, "time_ns", lambda: 10 ** 19)
    load_code(tree, cache=cache)
    planned = load_code(tree, cache=cache)
    (tree / "index.py").write_text("print('edited after the plan')\n")
    with pytest.raises(PackagingError, match="changed since it was planned"):
        planned.wire()


def _bind(src: str, dst: Path) -> bool:
    import subprocess

    try:
        return subprocess.run(["mount", "--bind", src, str(dst)], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.parametrize("src, is_dir", [("/proc", True), ("/proc/self/environ", False)])
def test_a_bind_mount_of_proc_inside_the_tree_is_refused(tree, src, is_dir):
    dst = tree / "mnt"
    dst.mkdir() if is_dir else dst.write_text("")
    if not _bind(src, dst):
        pytest.skip("cannot bind-mount here (needs privileges)")
    try:
        with pytest.raises(PackagingError, match="proc filesystem") as info:
            zip_directory(tree)
        assert str(dst) in info.value.message
    finally:
        import subprocess

        subprocess.run(["umount", str(dst)], capture_output=True, timeout=10)


@pytest.mark.parametrize("size", [10, 3 * 1024 * 1024])
def test_a_file_that_grows_after_the_scan_is_refused_not_read_without_end(tree, size):
    log = tree / "live.log"
    log.write_bytes(b"x" * size)
    scanned = codezip._Tree(tree)
    with open(log, "ab") as f:
        f.write(b"more")
    with pytest.raises(PackagingError, match="grew while fcctl was packaging"):
        codezip._zip_tree(scanned)


def test_base64_is_shared_by_expected_uploads_then_released(tree):
    pkg = zip_directory(tree)
    pkg.expect_uploads(3)
    a, b = pkg.wire()["zipFile"], pkg.wire()["zipFile"]
    assert a is b  # one copy shared
    c = pkg.wire()["zipFile"]
    assert c is a and pkg._b64 is None  # released after the last expected upload
    again = pkg.wire()["zipFile"]  # a retry still works
    assert again == a and __import__("base64").b64decode(again) == pkg.data


def test_a_bind_mount_of_a_system_directory_inside_the_tree_is_refused(tree):
    dst = tree / "etc"
    dst.mkdir()
    if not _bind("/etc", dst):
        pytest.skip("cannot bind-mount here (needs privileges)")
    try:
        with pytest.raises(PackagingError, match="bind mount of /etc") as info:
            zip_directory(tree)
        assert str(dst) in info.value.message
    finally:
        import subprocess

        subprocess.run(["umount", str(dst)], capture_output=True, timeout=10)
