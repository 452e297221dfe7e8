"""Hostile input: each case exits 2 with a location, no traceback, no RecursionError, and
finishes promptly (pytest-timeout is the safety net, not an assertion)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fcctl.cli.main import main
from fcctl.spec import tree

pytestmark = pytest.mark.timeout(60)


def _validate_json(capsys, *files) -> tuple[int, dict, str]:
    args = ["validate", "--output", "json"]
    for f in files:
        args += ["-f", str(f)]
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out), err


def _only_error(doc) -> dict:
    errors = [p for p in doc["problems"] if p["severity"] == "error"]
    assert errors, doc
    return errors[0]


def test_huge_file_is_refused_before_reading(tmp_path, capsys):
    f = tmp_path / "huge.yaml"
    with f.open("wb") as fh:
        fh.write(b"region: cn-hangzhou\nfunctions: []\n")
        fh.write(b"# padding\n" * (tree.MAX_FILE_BYTES // 10 + 10))
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2 and doc["valid"] is False
    p = _only_error(doc)
    assert (p["line"], p["column"]) == (1, 1)
    assert "MB" in p["message"]


def test_endless_device_is_refused(capsys):
    code, doc, _ = _validate_json(capsys, "/dev/zero")
    assert code == 2
    assert "larger than" in _only_error(doc)["message"]


def test_invalid_utf8_points_at_the_byte(tmp_path, capsys):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"region: cn-hangzhou\nfunctions:\n  - functionName: caf\xe9\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    p = _only_error(doc)
    assert (p["line"], p["column"]) == (3, 22)
    assert "UTF-8" in p["message"] and "0xe9" in p["message"]


def test_utf8_bom_is_fine(tmp_path, capsys):
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbfregion: cn-hangzhou\nfunctions:\n  - functionName: f\n"
                  b"    runtime: python3.10\n    handler: index.handler\n    code: ./app\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 0, doc


def test_control_character(tmp_path, capsys):
    f = tmp_path / "nul.yaml"
    f.write_bytes(b"region: cn-hangzhou\nfunctions: []\ndescription: a\x00b\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    p = _only_error(doc)
    assert p["line"] == 3 and "U+0000" in p["message"]


@pytest.mark.parametrize("depth", [65, 1000, 50_000])
def test_deep_flow_nesting(tmp_path, capsys, depth):
    f = tmp_path / "deep.yaml"
    f.write_text("region: cn-hangzhou\nfunctions: " + "[" * depth + "]" * depth + "\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    p = _only_error(doc)
    assert p["line"] == 2 and "nests too deeply" in p["message"]


def test_deep_block_nesting(tmp_path, capsys):
    f = tmp_path / "deep.yaml"
    lines = ["region: cn-hangzhou", "functions: []", "x:"]
    lines += ["  " * (i + 1) + f"k{i}:" for i in range(300)]
    f.write_text("\n".join(lines) + " 1\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    p = _only_error(doc)
    assert p["line"] == 3 + tree.MAX_DEPTH and "nests too deeply" in p["message"]


def test_billion_laughs(tmp_path, capsys):
    lines = ["region: cn-hangzhou", 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]")
    lines.append("functions: *l11")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines) + "\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    p = _only_error(doc)
    assert "alias" in p["message"] and 2 <= p["line"] <= len(lines)


def test_many_nodes(tmp_path, capsys):
    f = tmp_path / "wide.yaml"
    f.write_text("region: cn-hangzhou\nfunctions: []\nx: [" + ",".join(["1"] * (tree.MAX_NODES + 5)) + "]\n")
    code, doc, _ = _validate_json(capsys, f)
    assert code == 2
    assert "nodes" in _only_error(doc)["message"]


def test_missing_file_and_directory(tmp_path, capsys):
    code, doc, _ = _validate_json(capsys, tmp_path / "nope.yaml")
    assert code == 2 and "not found" in _only_error(doc)["message"]
    code, doc, _ = _validate_json(capsys, tmp_path)
    assert code == 2 and "directory" in _only_error(doc)["message"]


def test_every_file_reports_its_own_problems(tmp_path, capsys):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("region: cn-hangzhou\n\tfunctions: []\n")
    b.write_bytes(b"\xff\n")
    code, doc, _ = _validate_json(capsys, a, b)
    assert code == 2
    assert {p["file"] for p in doc["problems"]} == {str(a), str(b)}


def test_subprocess_no_traceback_and_no_sdk(tmp_path):
    """The real entry point on a hostile file: exit 2, a located message, no traceback, and the
    SDK is never imported by validate."""
    f = tmp_path / "deep.yaml"
    f.write_text("functions: " + "[" * 100_000 + "\n")
    code = (
        "import sys\n"
        "from fcctl.cli.main import main\n"
        f"rc = main(['validate', '-f', {str(f)!r}])\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', 'Tea')))\n"
        "print('SDK-MODULES:', bad)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TERM": "dumb"})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{f}:1:" in proc.stderr
    assert "SDK-MODULES: []" in proc.stdout
