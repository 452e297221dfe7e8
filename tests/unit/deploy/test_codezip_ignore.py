"""What ships from a code directory: defaults that never ship secrets, the spec or VCS data,
an .fcignore in gitignore syntax (pathspec), executable bits kept."""

from __future__ import annotations

import io
import os
import zipfile

from fcctl.deploy.codezip import ignore_for, zip_directory


def _names(pkg) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(pkg.data)).namelist()


def _tree(tmp_path):
    app = tmp_path / "app"
    for rel in ["index.py", ".env", ".env.production", "sub/.env.local", "fc.yaml", "fc.prod.yaml",
                ".git/config", ".venv/bin/python", "venv/lib/x.py", "__pycache__/a.pyc",
                ".fcctl/state.json", "lib/util.py", "lib/__pycache__/u.pyc", "data/big.csv",
                "data/keep.csv", "logs/today.log"]:
        p = app / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"{rel} DB_PASSWORD=hunter2\n" if ".env" in rel else rel)
    return app


def test_defaults_never_ship_secrets_spec_vcs_or_virtualenvs(tmp_path):
    app = _tree(tmp_path)
    pkg = zip_directory(app, ignore_for(app, [app / "fc.prod.yaml"]))
    assert _names(pkg) == ["index.py", "data/big.csv", "data/keep.csv", "lib/util.py",
                           "logs/today.log"]
    assert b"hunter2" not in pkg.data
    # without the -f files, fc.prod.yaml is ordinary content (fc.yaml never ships)
    assert "fc.prod.yaml" in _names(zip_directory(app))
    assert "fc.yaml" not in _names(zip_directory(app))


def test_fcignore_adds_patterns_and_can_reinclude_defaults_but_not_secrets(tmp_path):
    app = _tree(tmp_path)
    (app / ".fcignore").write_text("# comments and blank lines\n\n*.log\ndata/*\n!data/keep.csv\n"
                                   "!venv/\n!.env\n!.git/\n")
    names = _names(zip_directory(app))
    assert names == ["fc.prod.yaml", "index.py", "data/keep.csv", "lib/util.py", "venv/lib/x.py"]
    assert ".fcignore" not in names


def test_ignored_files_do_not_change_the_checksum_and_ignored_specials_are_fine(tmp_path):
    app = _tree(tmp_path)
    before = zip_directory(app).checksum
    (app / ".env.new").write_text("SECRET=1")
    os.mkfifo(app / ".venv" / "pipe")  # inside an ignored directory: never looked at
    (app / ".git" / "link").symlink_to("/etc/passwd")
    assert zip_directory(app).checksum == before


def test_fcignore_can_exclude_a_link_that_points_out(tmp_path):
    app = _tree(tmp_path)
    (app / "outside").symlink_to("/etc")
    (app / ".fcignore").write_text("/outside\n")
    assert "outside" not in _names(zip_directory(app))


def test_executable_bits_are_kept(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "bootstrap").write_text("#!/bin/sh\nexec python3 app.py\n")
    (app / "bootstrap").chmod(0o755)
    (app / "app.py").write_text("x")
    infos = {i.filename: i.external_attr >> 16 for i in
             zipfile.ZipFile(io.BytesIO(zip_directory(app).data)).infolist()}
    assert infos["bootstrap"] & 0o777 == 0o755 and infos["app.py"] & 0o777 == 0o644
