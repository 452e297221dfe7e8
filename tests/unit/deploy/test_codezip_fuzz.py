"""Property: whatever links a code directory holds, a package either fails with PackagingError
or holds nothing from outside it — no outside bytes, no member escaping the root, no link whose
target leaves the package."""

from __future__ import annotations

import io
import os
import posixpath
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcctl.deploy.codezip import PackagingError, zip_directory

OUTSIDE_SECRET = b"OUTSIDE-SECRET-4f1c"
NAMES = ["a", "b", "c", "d"]

node_path = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
link_target = st.one_of(
    node_path,
    node_path.map(lambda p: "../" + p),
    node_path.map(lambda p: "../../" + p),
    st.sampled_from(["..", ".", "../outside", "../outside/secret", "/etc/passwd",
                     "/proc/self/environ", "/", "/tmp", "a/../../outside/secret"]),
    st.sampled_from(NAMES).map(lambda n: "@ABS@/" + n),  # absolute, inside the tree
)
tree_spec = st.lists(
    st.tuples(st.sampled_from(["dir", "file", "link"]), node_path, link_target),
    min_size=1, max_size=12,
)


def _build(root: Path, spec) -> None:
    for kind, rel, target in spec:
        p = root / rel
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(p):
                continue
            if kind == "dir":
                p.mkdir()
            elif kind == "file":
                p.write_bytes(b"inside " + rel.encode())
            else:
                p.symlink_to(target.replace("@ABS@", str(root)))
        except OSError:
            continue  # a parent is a file or a link: skip this node


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_spec)
def test_no_package_holds_anything_from_outside(spec):
    base = Path(tempfile.mkdtemp(prefix="fcctl-fuzz-"))
    try:
        (base / "outside").mkdir()
        (base / "outside" / "secret").write_bytes(OUTSIDE_SECRET)
        root = base / "app"
        root.mkdir()
        _build(root, spec)
        try:
            pkg = zip_directory(root)
        except PackagingError:
            return
        data = pkg.data
        assert OUTSIDE_SECRET not in data
        z = zipfile.ZipFile(io.BytesIO(data))
        for info in z.infolist():
            name = info.filename
            assert not name.startswith("/") and ".." not in name.split("/")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = z.read(info).decode()
                assert not target.startswith("/")
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                assert resolved == "." or not resolved.startswith("..")
            else:
                assert OUTSIDE_SECRET not in z.read(info)
    finally:
        shutil.rmtree(base, ignore_errors=True)
