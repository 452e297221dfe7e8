"""`validate` refuses the code trees `plan` refuses (links out of the code directory, loops,
special files), so a pipeline that only validates pull requests cannot go green on them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: f
    runtime: custom.debian12
    handler: index.handler
    code: ./app
"""


def validate(tmp_path):
    return subprocess.run([sys.executable, "-m", "fcctl", "validate", "-f", "fc.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("make,words", [
    (lambda app, out: os.symlink("/etc/passwd", app / "pw"), "outside the code directory"),
    (lambda app, out: os.symlink(out, app / "dir"), "outside the code directory"),
    (lambda app, out: (os.symlink("b", app / "a"), os.symlink("../outside", app / "b")),
     "outside the code directory"),
    (lambda app, out: (os.symlink("y", app / "x"), os.symlink("x", app / "y")), "loop"),
    (lambda app, out: os.mkfifo(app / "sub" / "ff"), "FIFO"),
])
def test_validate_refuses_what_packaging_refuses(tmp_path, make, words):
    app = tmp_path / "app"
    (app / "sub").mkdir(parents=True)
    (app / "bootstrap").write_text("#!/bin/sh\n")
    out = tmp_path / "outside"
    out.mkdir()
    (tmp_path / "fc.yaml").write_text(SPEC)
    assert validate(tmp_path).returncode == 0
    make(app, out)
    res = validate(tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "fc.yaml:6:11: error: functions[0].code" in res.stdout + res.stderr
    assert words in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_links_inside_and_ignored_links_out_are_fine(tmp_path):
    app = tmp_path / "app"
    (app / ".venv").mkdir(parents=True)
    (app / "real.txt").write_text("x")
    os.symlink("real.txt", app / "inside")
    os.symlink("/etc/passwd", app / ".venv" / "python")  # ignored by default: never shipped
    (tmp_path / "fc.yaml").write_text(SPEC)
    res = validate(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
