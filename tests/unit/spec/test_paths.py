"""Files fcctl cannot read are problems at ``FILE:1:1`` (exit 2, every file reported), never an
internal error or a hang: symlink loops, directories, permissions, over-long names, FIFOs
without a writer. Pipes with a writer (``-f <(cat fc.yaml)``) work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fcctl.cli.main import main
from fcctl.spec import reading

pytestmark = pytest.mark.timeout(60)
REPO = Path(__file__).resolve().parents[3]
GOOD = "region: cn-hangzhou\nfunctions: []\n"


def _validate(capsys, *files) -> tuple[int, list[dict], str]:
    args = ["validate", "--output", "json"]
    for f in files:
        args += ["-f", str(f)]
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out)["problems"], err


def _one_error_at_start(problems, label) -> str:
    errors = [p for p in problems if p["severity"] == "error" and p["file"] == str(label)]
    assert len(errors) == 1, problems
    assert (errors[0]["line"], errors[0]["column"]) == (1, 1)
    return errors[0]["message"]


def test_symlink_loop(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink("loop2", "loop1")
    os.symlink("loop1", "loop2")
    code, problems, _ = _validate(capsys, "loop1")
    assert code == 2
    assert "symbolic links" in _one_error_at_start(problems, "loop1")


def test_symlink_loop_text_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.symlink("self.yaml", "self.yaml")
    assert main(["validate", "-f", "self.yaml"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("self.yaml:1:1: error: cannot read the file: too many levels of symbolic links")
    assert "internal error" not in err


def test_directory_given_as_file(tmp_path, capsys):
    code, problems, _ = _validate(capsys, tmp_path)
    assert code == 2
    assert "directory" in _one_error_at_start(problems, tmp_path)


def test_name_too_long(tmp_path, capsys):
    name = tmp_path / ("a" * 300 + ".yaml")
    code, problems, _ = _validate(capsys, name)
    assert code == 2
    assert "too long" in _one_error_at_start(problems, name)


def test_path_through_a_file(tmp_path, capsys):
    f = tmp_path / "fc.yaml"
    f.write_text(GOOD)
    code, problems, _ = _validate(capsys, f / "x.yaml")
    assert code == 2
    assert "not a directory" in _one_error_at_start(problems, f / "x.yaml")


def test_every_bad_path_is_reported_at_once(tmp_path, capsys):
    os.symlink(tmp_path / "l", tmp_path / "l")
    good = tmp_path / "fc.yaml"
    good.write_text(GOOD)
    code, problems, _ = _validate(capsys, good, tmp_path / "l", tmp_path, tmp_path / "missing.yaml")
    assert code == 2
    assert {p["file"] for p in problems} == {str(tmp_path / "l"), str(tmp_path), str(tmp_path / "missing.yaml")}


def test_permission_denied(tmp_path):
    f = tmp_path / "fc.yaml"
    f.write_text(GOOD)
    f.chmod(0)
    tmp_path.chmod(0o755)
    kwargs = {}
    if os.geteuid() == 0:  # root reads anything: run the CLI as nobody
        kwargs = {"user": 65534, "group": 65534}
    code = "import sys; from fcctl.cli.main import main; sys.exit(main(sys.argv[1:]))"
    try:
        proc = subprocess.run([sys.executable, "-c", code, "validate", "-f", str(f)], capture_output=True,
                              text=True, timeout=60, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "dumb"}, **kwargs)
    except PermissionError:
        pytest.skip("cannot switch to an unprivileged user here")
    if "ModuleNotFoundError" in proc.stderr or "Permission denied: '" in proc.stderr:
        pytest.skip("the unprivileged user cannot run this interpreter")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{f}:1:1: error: cannot read the file: permission denied" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_without_writer_fails_instead_of_hanging(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(reading, "PIPE_WAIT_S", 0.2)
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    code, problems, _ = _validate(capsys, fifo)
    assert code == 2
    assert "no data" in _one_error_at_start(problems, fifo)
    assert "FIFO with no writer" in problems[0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_with_a_writer_is_read(tmp_path, capsys):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w") as fh:  # blocks until fcctl opens the FIFO
            fh.write(GOOD)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    code, problems, _ = _validate(capsys, fifo)
    writer.join(timeout=30)
    assert code == 0, problems


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_process_substitution_works(tmp_path):
    (tmp_path / "fc.yaml").write_text(GOOD)
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m fcctl validate -f <(cat fc.yaml)'],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "dumb"})
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_process_substitution_reports_lines(tmp_path):
    (tmp_path / "fc.yaml").write_text("region: cn-hangzhou\nfunctions: {}\n")
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m fcctl validate -f <(cat fc.yaml)'],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "dumb"})
    assert proc.returncode == 2
    assert ":2:1: error: functions" in proc.stderr


def test_empty_pipe_device(capsys):
    code, problems, _ = _validate(capsys, "/dev/null")
    assert code == 2
    assert "no spec" in _one_error_at_start(problems, "/dev/null")


@pytest.mark.parametrize("err,words", [
    (PermissionError(13, "Permission denied"), "permission denied"),
    (OSError(40, "Too many levels of symbolic links"), "symbolic links"),
    (OSError(5, "Input/output error"), "Input/output error"),
])
def test_open_errors_become_problems(tmp_path, capsys, monkeypatch, err, words):
    # root reads files whatever their mode; simulate what an unprivileged user meets
    f = tmp_path / "fc.yaml"
    f.write_text(GOOD)
    real_open = os.open

    def fake_open(path, *a, **kw):
        if str(path) == str(f):
            raise err
        return real_open(path, *a, **kw)

    monkeypatch.setattr(reading.os, "open", fake_open)
    code, problems, _ = _validate(capsys, f)
    assert code == 2
    assert words in _one_error_at_start(problems, f)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_whose_writer_stalls_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(reading, "PIPE_WAIT_S", 0.2)
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    done = threading.Event()

    def write():
        with open(fifo, "w") as fh:
            fh.write("region: cn-hangzhou\n")
            fh.flush()
            done.wait(30)  # keep the FIFO open without writing more

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        code, problems, _ = _validate(capsys, fifo)
    finally:
        done.set()
        writer.join(timeout=30)
    assert code == 2
    assert "the data stopped" in _one_error_at_start(problems, fifo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_whose_writer_trickles_is_cut_at_the_total_budget(tmp_path, capsys, monkeypatch):
    """A writer sending a byte now and then (each within PIPE_WAIT_S) is cut at PIPE_TOTAL_S."""
    monkeypatch.setattr(reading, "PIPE_WAIT_S", 1.0)
    monkeypatch.setattr(reading, "PIPE_TOTAL_S", 0.6)
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    done = threading.Event()
    sent = []

    def write():
        with open(fifo, "w") as fh:
            while not done.is_set() and len(sent) < 200:
                fh.write("#")
                fh.flush()
                sent.append(1)
                done.wait(0.1)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        code, problems, _ = _validate(capsys, fifo)
    finally:
        done.set()
        writer.join(timeout=30)
    assert code == 2
    assert "the data stopped" in _one_error_at_start(problems, fifo)
    assert len(sent) < 200  # cut by the budget, not by the writer running out


def test_piped_stdin_is_read(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "fcctl", "validate", "-f", "/dev/stdin"],
                          input=GOOD, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "dumb"})
    assert proc.returncode == 0, proc.stderr


def test_empty_file_name(capsys):
    code, problems, _ = _validate(capsys, "")
    assert code == 2
    assert "empty" in _one_error_at_start(problems, "")
